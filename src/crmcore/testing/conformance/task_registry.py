"""The task registry: filters, text search, sort orders, paging and counts per status.

Overdue is judged by days in the viewer's time zone, and a page never skips
or repeats a task, even while tasks arrive between pages.
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

import pytest

from crmcore.domain.tasks import Priority, Task, TaskSort, TaskStatus
from crmcore.errors import StaleObject, ValidationError
from crmcore.testing.conformance.fixtures import (
    KYIV,
    Office,
    day_2014,
    simple_task,
    task_names,
    utc_2014,
)

__all__ = ["TaskRegistryConformance"]


#: A well-formed cursor of the "due" order that holds no position.
_EMPTY_CURSOR = base64.urlsafe_b64encode(json.dumps(["due", []]).encode()).decode().rstrip("=")


class TaskRegistryConformance:
    """The registry of tasks and its counts."""

    def _registry_set(self, office: Office) -> dict[str, Task]:
        crm = office.crm
        boss = office.as_(office.boss)
        report = boss.tasks.create(
            "Звіт",
            end=day_2014(6),
            executors=[office.ivanov],
            controller=office.oleg,
            client=office.neptune,
            project=office.project,
            priority="high",
        )
        crm.tasks.start(crm.tasks.executors(report)[0])
        estimate = boss.tasks.create(
            "Кошторис даху",
            end=day_2014(20),
            executors=[office.melnyk],
            controller=office.oleg,
            client=office.pdv,
            description="Ремонт покрівлі",
        )
        crm.tasks.accept(crm.tasks.executors(estimate)[0])
        mount = boss.tasks.create(
            "Монтаж",
            end=day_2014(7),
            executors=[office.ivanov, office.melnyk],
            client=office.neptune,
            priority="urgent",
        )
        for row in crm.tasks.executors(mount):
            crm.tasks.start(row)
            crm.tasks.finish(row)
        crm.tasks.complete(mount)
        old = boss.tasks.create("Архівна", end=day_2014(6), executors=[office.ivanov])
        crm.tasks.archive(old)
        later = crm.tasks.create(
            "Грудень", start=day_2014(1, 12), end=day_2014(5, 12), priority="low"
        )
        return {
            "report": crm.tasks.get(report.id),
            "estimate": crm.tasks.get(estimate.id),
            "mount": crm.tasks.get(mount.id),
            "old": crm.tasks.get(old.id),
            "later": later,
        }

    def test_tasks_registry_filters_alone_and_combined(self, office: Office) -> None:
        crm = office.crm
        made = self._registry_set(office)
        now = utc_2014(10, 12)

        def found(**filters: Any) -> list[str]:
            return sorted(task_names(crm.tasks.registry(**filters, limit=100)))

        assert found() == ["Грудень", "Звіт", "Кошторис даху", "Монтаж"]
        assert found(include_archived=True) == [
            "Архівна",
            "Грудень",
            "Звіт",
            "Кошторис даху",
            "Монтаж",
        ]
        assert found(executor=office.ivanov) == ["Звіт", "Монтаж"]
        assert found(executor="23") == ["Кошторис даху", "Монтаж"]
        assert found(executor="22", include_archived=True) == ["Архівна", "Звіт", "Монтаж"]
        assert found(executor=office.oleg) == []
        assert found(controller="3") == ["Звіт", "Кошторис даху"]
        assert found(author=office.boss) == ["Звіт", "Кошторис даху", "Монтаж"]
        assert found(client=office.neptune) == ["Звіт", "Монтаж"]
        assert found(client="1") == ["Кошторис даху"]
        assert found(project="4") == ["Звіт"]
        assert found(status="in_progress") == ["Звіт"]
        assert found(status=[TaskStatus.ACCEPTED, "completed"]) == ["Кошторис даху", "Монтаж"]
        assert found(priority="urgent") == ["Монтаж"]
        assert found(priority=["high", Priority.LOW]) == ["Грудень", "Звіт"]
        assert found(overdue=True, now=now) == ["Звіт"]
        assert found(overdue=True, now=utc_2014(25)) == ["Звіт", "Кошторис даху"]
        assert found(overdue=True, now=now, include_archived=True) == ["Архівна", "Звіт"]
        assert found(period=(day_2014(1, 12), day_2014(31, 12))) == ["Грудень"]
        assert found(period=(day_2014(6), day_2014(6))) == ["Звіт", "Кошторис даху", "Монтаж"]
        assert found(period=(utc_2014(21, 12), utc_2014(30))) == []
        assert found(text="КОШТОРИС") == ["Кошторис даху"]
        assert found(text="покрівлі") == ["Кошторис даху"]
        assert found(text="   ") == found()
        assert found(
            executor=office.ivanov, status=["in_progress", "accepted"], overdue=True, now=now
        ) == ["Звіт"]
        assert found(executor=office.melnyk, status="accepted", overdue=True, now=now) == []
        assert found(executor=office.melnyk, status="accepted", overdue=True, now=utc_2014(25)) == [
            "Кошторис даху"
        ]
        assert found(client=office.neptune, priority="urgent", status="completed") == ["Монтаж"]
        crm.tasks.restore(made["old"])
        assert "Архівна" in found(executor="22")

    @pytest.mark.parametrize(
        ("viewer", "now", "overdue"),
        [
            ("kyiv", datetime(2014, 11, 11, 21, 59, 59, tzinfo=UTC), False),  # Kyiv 11th 23:59:59
            ("kyiv", datetime(2014, 11, 11, 22, 0, tzinfo=UTC), True),  # Kyiv 12th 00:00
            ("utc", datetime(2014, 11, 10, 23, 59, 59, tzinfo=UTC), False),
            ("utc", datetime(2014, 11, 11, 0, 0, tzinfo=UTC), True),
            ("new_york", datetime(2014, 11, 11, 4, 59, 59, tzinfo=UTC), False),  # NY 10th 23:59
            ("new_york", datetime(2014, 11, 11, 5, 0, tzinfo=UTC), True),  # NY 11th 00:00
            ("system", datetime(2014, 11, 11, 21, 59, 59, tzinfo=UTC), False),  # Kyiv by default
            ("system", datetime(2014, 11, 11, 22, 0, tzinfo=UTC), True),
        ],
    )
    def test_tasks_overdue_is_judged_by_days_in_the_viewers_zone(
        self, office: Office, viewer: str, now: datetime, overdue: bool
    ) -> None:
        # Due 23:30 UTC on the 10th: that is 01:30 on the 11th in Kyiv (UTC+2 in
        # November), so in Kyiv it is overdue once the 11th has ended; in UTC
        # once the 10th has; in New York (UTC-5) the 10th ends at 05:00 UTC.
        crm = office.crm
        zones = {"kyiv": "Europe/Kyiv", "utc": "UTC", "new_york": "America/New_York"}
        people = {
            name: crm.employees.create(code=f"z-{name}", name=name, time_zone=zone)
            for name, zone in zones.items()
        }
        task, _ = simple_task(
            office, "Звіт", start=utc_2014(3), end=utc_2014(10, 23, 30), executors=[office.ivanov]
        )
        expected = [task.id] if overdue else []
        if viewer == "system":
            page = crm.tasks.registry(overdue=True, now=now)
        else:
            page = crm.tasks.registry(overdue=True, now=now, viewer=people[viewer])
            acting = crm.acting_as(people[viewer]).tasks.registry(overdue=True, now=now)
            assert [t.id for t in acting] == expected  # the actor is the default viewer
        assert [t.id for t in page] == expected
        counts = crm.tasks.counts(
            overdue=True, now=now, viewer=None if viewer == "system" else people[viewer]
        )
        assert counts[TaskStatus.ASSIGNED] == len(expected)

    def test_tasks_task_due_by_a_date_is_overdue_from_the_next_day(self, office: Office) -> None:
        # end=date(2014, 11, 10) means "by the end of the 10th" (the card shows
        # 10/11/2014); on the 11th, in the task's and viewer's zone, it is late.
        crm = office.crm
        task, _ = simple_task(
            office, "Звіт", start=day_2014(3), end=day_2014(10), executors=[office.ivanov]
        )
        assert crm.tasks.card(task).render().splitlines()[-2].split("\t")[4] == "10/11/2014"
        evening = datetime(2014, 11, 10, 23, 59, tzinfo=KYIV)
        next_morning = datetime(2014, 11, 11, 9, 0, tzinfo=KYIV)
        assert [t.id for t in crm.tasks.registry(overdue=True, now=evening)] == []
        assert [t.id for t in crm.tasks.registry(overdue=True, now=next_morning)] == [task.id]

    def test_tasks_registry_text_is_case_insensitive_and_literal(self, office: Office) -> None:
        crm = office.crm
        for name in (
            "Монтаж ДАХУ",
            "100% готово",
            "1000 готово",
            "знак_підкреслення",
            "знакXпідкреслення",
            "Ёлка ЇЖАК",
        ):
            simple_task(office, name)
        simple_task(office, "Ремонт", description="Заміна ПОКРІВЛІ та\nводостоків")

        def found(text: str) -> list[str]:
            return sorted(task_names(crm.tasks.registry(text=text)))

        assert found("даху") == ["Монтаж ДАХУ"]
        assert found("МОНТАЖ дах") == ["Монтаж ДАХУ"]
        assert found("монтаж   дах") == ["Монтаж ДАХУ"]
        assert found("0%") == ["100% готово"]
        assert found("%") == ["100% готово"]
        assert found("к_п") == ["знак_підкреслення"]
        assert found("_") == ["знак_підкреслення"]
        assert found("ёлка їжак") == ["Ёлка ЇЖАК"]
        assert found("покрівлі") == ["Ремонт"]
        assert found("водостоків") == ["Ремонт"]
        assert found("немає такого") == []

    def _sort_set(self, office: Office) -> dict[str, Task]:
        rows = [
            ("Явір", 3, 10, "low", 0),
            ("Їжак", 1, 12, "urgent", 0),
            ("Ґанок", 2, 10, "high", 1),
            ("Гора", 2, 8, "urgent", 1),
            ("альфа", 5, 9, "normal", 0),
            ("Бета", 4, 11, "high", 1),
        ]
        made = {}
        for name, start, end, priority, minutes in rows:
            office.clock.advance(minutes=minutes)
            task, _ = simple_task(
                office, name, start=utc_2014(start), end=utc_2014(end), priority=priority
            )
            made[name] = task
        return made

    @pytest.mark.parametrize(
        ("sort", "expected"),
        [
            ("due", ["Гора", "альфа", "Явір", "Ґанок", "Бета", "Їжак"]),
            ("start", ["Їжак", "Ґанок", "Гора", "Явір", "Бета", "альфа"]),
            ("priority", ["Гора", "Їжак", "Ґанок", "Бета", "альфа", "Явір"]),
            ("created", ["Бета", "альфа", "Гора", "Ґанок", "Їжак", "Явір"]),
            ("name", ["альфа", "Бета", "Гора", "Ґанок", "Їжак", "Явір"]),
        ],
    )
    def test_tasks_registry_sort_orders_and_pages(
        self, office: Office, sort: str, expected: list[str]
    ) -> None:
        crm = office.crm
        made = self._sort_set(office)
        assert task_names(crm.tasks.registry(sort=sort)) == expected
        assert task_names(crm.tasks.registry(sort=TaskSort(sort))) == expected
        for limit in (1, 2, 4):
            seen: list[str] = []
            page = crm.tasks.registry(sort=sort, limit=limit)
            while True:
                assert len(page) <= limit
                seen += task_names(page)
                if page.next_cursor is None:
                    break
                page = crm.tasks.registry(sort=sort, limit=limit, cursor=page.next_cursor)
            assert seen == expected
        exact = crm.tasks.registry(sort=sort, limit=6)
        assert exact.next_cursor is None
        filtered = crm.tasks.registry(sort=sort, priority=["urgent", "high"], limit=1)
        names = []
        while True:
            names += task_names(filtered)
            if filtered.next_cursor is None:
                break
            filtered = crm.tasks.registry(
                sort=sort, priority=["urgent", "high"], limit=1, cursor=filtered.next_cursor
            )
        assert names == [
            n for n in expected if made[n].priority in (Priority.URGENT, Priority.HIGH)
        ]

    @pytest.mark.parametrize("sort", [s.value for s in TaskSort])
    def test_tasks_registry_pages_without_skips_or_repeats_while_tasks_arrive(
        self, office: Office, sort: str
    ) -> None:
        crm = office.crm
        original = self._sort_set(office)
        for index in range(7):
            simple_task(
                office,
                f"Задача {index % 3}",
                start=utc_2014(index % 4 + 1),
                end=utc_2014(index % 3 + 9),
                priority=list(Priority)[index % 4],
            )
        before = {t.id for t in crm.tasks.registry(limit=100)}
        seen: list[UUID] = []
        page = crm.tasks.registry(sort=sort, limit=3)
        arrivals = 0
        while True:
            seen += [t.id for t in page]
            if page.next_cursor is None:
                break
            office.clock.advance(minutes=1)
            arrivals += 1
            simple_task(
                office,
                f"Нова {arrivals}",
                start=utc_2014(arrivals % 5 + 1),
                end=utc_2014(arrivals % 4 + 9),
                priority=list(Priority)[arrivals % 4],
            )
            page = crm.tasks.registry(sort=sort, limit=3, cursor=page.next_cursor)
        assert len(seen) == len(set(seen))
        assert before <= set(seen)
        assert len(before) == 13
        assert {t.id for t in original.values()} <= set(seen)

    @pytest.mark.parametrize(
        ("arguments", "field"),
        [
            ({"cursor": "garbage!"}, "cursor"),
            ({"cursor": ""}, "cursor"),
            ({"cursor": _EMPTY_CURSOR}, "cursor"),
            ({"limit": 0}, "limit"),
            ({"limit": 1001}, "limit"),
            ({"limit": True}, "limit"),
            ({"limit": "10"}, "limit"),
            ({"sort": "random"}, "sort"),
            ({"status": "done"}, "status"),
            ({"status": ["assigned", "nope"]}, "status"),
            ({"priority": "asap"}, "priority"),
            ({"period": (date(2014, 11, 10), date(2014, 11, 1))}, "period"),
            ({"period": (date(2014, 11, 10),)}, "period"),
            ({"period": (datetime(2014, 11, 10), date(2014, 11, 11))}, "period"),
            ({"viewer": "nobody"}, "viewer"),
            ({"executor": "nobody"}, "executor"),
            ({"controller": "nobody"}, "controller"),
            ({"client": "nope"}, "client"),
            ({"project": "nope"}, "project"),
            ({"fields": {"nope": 1}}, "fields.nope"),
            ({"fields": ["qty"]}, "fields"),
            ({"now": datetime(2014, 11, 10)}, "now"),
            ({"text": 5}, "text"),
        ],
    )
    def test_tasks_bad_registry_arguments_are_refused(
        self, office: Office, arguments: dict[str, Any], field: str
    ) -> None:
        crm = office.crm
        simple_task(office)
        with pytest.raises(ValidationError) as caught:
            crm.tasks.registry(**arguments)
        assert caught.value.field == field

    def test_tasks_cursor_of_one_sort_is_refused_by_another(self, office: Office) -> None:
        crm = office.crm
        self._sort_set(office)
        cursor = crm.tasks.registry(sort="due", limit=2).next_cursor
        assert cursor is not None
        for other in ("start", "priority", "created", "name"):
            with pytest.raises(ValidationError) as caught:
                crm.tasks.registry(sort=other, cursor=cursor)
            assert caught.value.field == "cursor"

    def test_tasks_counts_per_status_ignore_the_status_filter(self, office: Office) -> None:
        crm = office.crm
        self._registry_set(office)
        counts = crm.tasks.counts()
        assert set(counts) == set(TaskStatus)
        assert counts == {
            TaskStatus.ASSIGNED: 1,
            TaskStatus.ACCEPTED: 1,
            TaskStatus.IN_PROGRESS: 1,
            TaskStatus.ON_REVIEW: 0,
            TaskStatus.COMPLETED: 1,
            TaskStatus.RETURNED: 0,
            TaskStatus.POSTPONED: 0,
            TaskStatus.CANCELLED: 0,
        }
        for status in TaskStatus:
            assert len(crm.tasks.registry(status=status, limit=100)) == counts[status]
        mine = crm.tasks.counts(executor=office.ivanov)
        assert (mine[TaskStatus.IN_PROGRESS], mine[TaskStatus.COMPLETED]) == (1, 1)
        assert sum(mine.values()) == len(crm.tasks.registry(executor=office.ivanov))
        assert (
            crm.tasks.counts(executor=office.ivanov, include_archived=True)[TaskStatus.ASSIGNED]
            == 1
        )
        late = crm.tasks.counts(overdue=True, now=utc_2014(25))
        assert sum(late.values()) == 2
        assert crm.tasks.counts(text="кошторис", client="1")[TaskStatus.ACCEPTED] == 1
        with pytest.raises(TypeError):
            crm.tasks.counts(status="assigned")  # type: ignore[call-arg]

    def test_tasks_archived_task_leaves_the_registry_until_restored(self, office: Office) -> None:
        crm = office.crm
        task, _ = simple_task(office)
        archived = crm.tasks.archive(task)
        assert archived.archived
        assert task_names(crm.tasks.registry()) == []
        assert [t.id for t in crm.tasks.registry(include_archived=True)] == [task.id]
        with pytest.raises(StaleObject):
            crm.tasks.update(task, name="зі старої копії")
        restored = crm.tasks.restore(task.id)
        assert [t.id for t in crm.tasks.registry()] == [task.id]
        assert [c.action.value for c in crm.history.of(restored)] == [
            "create",
            "archive",
            "restore",
        ]
