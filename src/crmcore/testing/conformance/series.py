"""Repeating tasks (series): rules, occurrences, copies, skipping, edits and stopping.

A series is stored on its template task; occurrences become copies of it
(executor rows, reminders, watchers and user fields) once their lead time
comes, and may be skipped, edited one, following or all at a time, or stopped.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from crmcore.domain.reminders import Anchor, Recipient
from crmcore.domain.tasks import ExecutorStatus, Task, TaskStatus
from crmcore.errors import ValidationError
from crmcore.testing.conformance.fixtures import (
    DAY,
    HOUR,
    KYIV,
    MINUTE,
    MONDAY,
    Team,
    local_time,
    outbox_messages,
    team_task,
)

__all__ = ["SeriesConformance"]


#: Rules for a task starting Monday 10 November 2014, and the days of their occurrences.
RULES: list[tuple[str, dict[str, Any], int, list[str]]] = [
    ("daily", {"count": 3}, 14, ["10.11", "11.11", "12.11"]),
    ("daily", {"interval": 3, "count": 3}, 14, ["10.11", "13.11", "16.11"]),
    ("monthly", {"month_day": 10}, 100, ["10.11", "10.12", "10.01", "10.02"]),
    ("monthly", {"nth": 2, "weekdays": ["mon"]}, 100, ["10.11", "08.12", "12.01", "09.02"]),
    ("FREQ=WEEKLY;BYDAY=MO,TH;COUNT=4", {}, 30, ["10.11", "13.11", "17.11", "20.11"]),
    ("RRULE:FREQ=MONTHLY;BYDAY=2MO;COUNT=2", {}, 100, ["10.11", "08.12"]),
]
BAD_RULES: list[tuple[str, dict[str, Any], str]] = [
    ("weekly", {"weekdays": ["tue"]}, "recurrence"),  # the start is no occurrence
    ("fortnightly", {}, "recurrence"),
    ("FREQ=HOURLY", {}, "rrule"),
    ("FREQ=WEEKLY;BYDAY=XX", {}, "rrule"),
    ("FREQ=DAILY;COUNT=0", {}, "rrule"),
    # Combinations RFC 5545 rules out, each named by its part.
    ("FREQ=MONTHLY;BYWEEKNO=3", {}, "rrule"),
    ("FREQ=DAILY;BYSETPOS=1", {}, "rrule"),
    ("FREQ=WEEKLY;BYDAY=1MO", {}, "rrule"),
    ("FREQ=DAILY;INTERVAL=0", {}, "rrule"),
    ("FREQ=DAILY;COUNT=2;UNTIL=20141201T000000Z", {}, "rrule"),
    ("daily", {"count": 0}, "count"),
    ("daily", {"count": -1}, "count"),
    ("daily", {"until": datetime(2014, 11, 1, tzinfo=UTC)}, "until"),
    ("daily", {"until": datetime(2014, 11, 20)}, "until"),
    ("weekly", {"weekdays": ["funday"]}, "weekdays[0]"),
    ("weekly", {"weekdays": []}, "weekdays"),  # an empty set is no "the start's weekday"
    ("weekly", {"month_day": 3}, "month_day"),
]
BAD_EDITS: list[tuple[str, dict[str, Any], str]] = [
    ("sometimes", {"name": "Х"}, "scope"),
    ("all", {"start": MONDAY + HOUR}, "start"),
    ("following", {"end": MONDAY + 3 * HOUR}, "end"),
    ("this", {"recurrence": "FREQ=WEEKLY"}, "recurrence"),
    ("all", {"name": ""}, "name"),
]


def _repeating(team: Team, rule: str = "daily", **options: Any) -> Task:
    """A task of Иванов's from Monday 09:00 to 10:00 in Kyiv, repeating by ``rule``."""
    task = team_task(team, length=HOUR, executors=[team.ivanov], watchers=[])
    team.crm.tasks.repeat(task, rule, **options)
    return team.crm.tasks.get(task.id)


def _occurrence_days(team: Team, task: Task, days: int) -> list[str]:
    found = team.crm.tasks.occurrences(task.id, start=MONDAY, end=MONDAY + days * DAY)
    return [local_time(o.start)[:5] for o in found]


class SeriesConformance:
    """Series of repeating tasks and their occurrences."""

    def test_notifications_repeat_weekly_stores_the_series_on_the_task(self, team: Team) -> None:
        crm = team.crm
        task = team_task(team, length=HOUR, executors=[team.ivanov], watchers=[])
        series = crm.tasks.repeat(task, "weekly", weekdays=["mon", "wed", "fri"], count=6)
        assert (series.frequency, series.weekdays, series.count) == ("weekly", (0, 2, 4), 6)
        assert (series.template_id, series.start, series.time_zone) == (
            task.id,
            MONDAY,
            "Europe/Kyiv",
        )
        assert (series.next_at, series.materialise_at) == (MONDAY + 2 * DAY, MONDAY + DAY)
        assert crm.tasks.series(task.id) == series
        stored = crm.tasks.get(task.id)
        assert (stored.series_id, stored.occurrence) == (series.id, MONDAY)
        assert _occurrence_days(team, task, 14) == [
            "10.11",
            "12.11",
            "14.11",
            "17.11",
            "19.11",
            "21.11",
        ]

    def test_notifications_repeat_rules_give_their_occurrences(self, team: Team) -> None:
        for rule, options, days, expected in RULES:
            task = _repeating(team, rule, **options)
            assert (rule, _occurrence_days(team, task, days)) == (rule, expected)

    def test_notifications_bad_repeat_names_the_field_and_writes_nothing(self, team: Team) -> None:
        crm = team.crm
        task = team_task(team, length=HOUR)
        for rule, options, field in BAD_RULES:
            with pytest.raises(ValidationError) as caught:
                crm.tasks.repeat(task, rule, **options)
            assert (rule, options, caught.value.field) == (rule, options, field)
        assert crm.tasks.series(task.id) is None
        assert crm.tasks.get(task.id) == task

    def test_notifications_repeat_option_that_is_no_part_of_a_rule_is_named(
        self, team: Team
    ) -> None:
        crm = team.crm
        task = team_task(team, length=HOUR)
        # The series takes the task's zone; an option naming another one, or any
        # unknown option, is refused by its own name.
        cases: list[tuple[dict[str, Any], str]] = [
            ({"time_zone": "Mars/Olympus_Mons"}, "time_zone"),
            ({"colour": "red"}, "colour"),
        ]
        for options, field in cases:
            with pytest.raises(ValidationError) as caught:
                crm.tasks.repeat(task, "daily", **options)
            assert (options, caught.value.field) == (options, field)
        assert crm.tasks.series(task.id) is None

    def test_notifications_a_start_with_a_fraction_of_a_second_is_its_first_occurrence(
        self, team: Team
    ) -> None:
        start = MONDAY + timedelta(microseconds=250_000)
        task = team_task(team, start=start, length=HOUR)
        team.crm.tasks.repeat(task, "weekly", count=3)
        stored = team.crm.tasks.get(task.id)
        found = team.crm.tasks.occurrences(
            task.id, start=stored.planned_start, end=start + 21 * DAY
        )
        assert [o.start for o in found] == [start, start + 7 * DAY, start + 14 * DAY]
        assert stored.occurrence == stored.planned_start

    def test_notifications_a_window_past_the_occurrence_limit_is_refused_by_its_end(
        self, team: Team
    ) -> None:
        task = _repeating(team, "daily")
        with pytest.raises(ValidationError) as caught:
            team.crm.tasks.occurrences(task.id, start=MONDAY, end=MONDAY + 300 * 366 * DAY)
        assert caught.value.field == "end"
        assert "more than 100,000 occurrences" in caught.value.problem

    def test_notifications_a_task_repeats_once(self, team: Team) -> None:
        task = _repeating(team, "daily")
        series = team.crm.tasks.series(task)
        with pytest.raises(ValidationError) as caught:
            team.crm.tasks.repeat(task, "weekly")
        assert caught.value.field == "task"
        assert team.crm.tasks.series(task) == series
        assert team.crm.tasks.get(task.id) == task

    def test_notifications_materialise_creates_each_due_occurrence_once(self, team: Team) -> None:
        crm = team.crm
        task = _repeating(team, "daily", count=5)
        assert crm.tasks.materialise(MONDAY - MINUTE) == []
        [tuesday] = crm.tasks.materialise(MONDAY)  # one day before Tuesday's occurrence
        assert local_time(tuesday.planned_start) == "11.11 09:00"
        assert crm.tasks.materialise(MONDAY) == []
        assert crm.tasks.materialise(MONDAY + HOUR) == []
        rest = crm.tasks.materialise(MONDAY + 30 * DAY)
        assert [local_time(t.planned_start) for t in rest] == [
            "12.11 09:00",
            "13.11 09:00",
            "14.11 09:00",
        ]
        assert crm.tasks.materialise(MONDAY + 60 * DAY) == []
        window = crm.tasks.occurrences(task.id, start=MONDAY, end=MONDAY + 60 * DAY)
        assert len(window) == 5
        made = [o.task.id for o in window if o.task is not None]
        assert made == [task.id, tuesday.id, *(t.id for t in rest)]
        series = crm.tasks.series(task.id)
        assert series is not None
        assert (series.next_at, series.materialise_at) == (None, None)

    def test_notifications_materialise_never_passes_until(self, team: Team) -> None:
        task = _repeating(team, "daily", until=MONDAY + 2 * DAY)
        made = team.crm.tasks.materialise(MONDAY + 30 * DAY)
        assert [local_time(t.planned_start) for t in made] == ["11.11 09:00", "12.11 09:00"]
        assert _occurrence_days(team, task, 30) == ["10.11", "11.11", "12.11"]

    def test_notifications_until_given_as_a_date_ends_with_that_day(self, team: Team) -> None:
        task = _repeating(team, "daily", until=(MONDAY + 2 * DAY).astimezone(KYIV).date())
        assert _occurrence_days(team, task, 30) == ["10.11", "11.11", "12.11"]

    def test_notifications_calendar_shows_occurrences_not_made_yet_once(self, team: Team) -> None:
        crm = team.crm
        task = _repeating(team, "daily", count=4)
        crm.tasks.update(task, planned_hours="2")

        def week() -> list[tuple[str, bool]]:
            calendar = crm.tasks.calendar(
                team.ivanov, start=date(2014, 11, 10), end=date(2014, 11, 16), bucket="day"
            )
            return [
                (local_time(item.start), item.unmade)
                for cell in calendar.employees[0].cells
                for item in cell.tasks
            ]

        planned = [(f"{day}.11 09:00", day > 10) for day in (10, 11, 12, 13)]
        assert week() == planned
        hours = crm.tasks.calendar(team.ivanov, start=date(2014, 11, 12), bucket="day")
        assert hours.employees[0].planned_hours == Decimal("2.00")
        crm.tasks.materialise(MONDAY + DAY)  # a day's lead: the 11th's and the 12th's
        assert week() == [(f"{day}.11 09:00", day > 12) for day in (10, 11, 12, 13)]
        crm.tasks.skip_occurrence(task, MONDAY + 3 * DAY)
        assert week() == [(f"{day}.11 09:00", False) for day in (10, 11, 12)]

    def test_notifications_materialise_follows_the_lead_time(self, team: Team) -> None:
        crm = team.crm
        task = _repeating(team, "weekly", lead=2 * HOUR)
        series = crm.tasks.series(task)
        assert series is not None
        assert (series.next_at, series.materialise_at) == (
            MONDAY + 7 * DAY,
            MONDAY + 7 * DAY - 2 * HOUR,
        )
        assert crm.tasks.materialise(MONDAY + 7 * DAY - 2 * HOUR - MINUTE) == []
        [made] = crm.tasks.materialise(MONDAY + 7 * DAY - 2 * HOUR)
        assert made.planned_start == MONDAY + 7 * DAY

    def test_notifications_occurrence_copies_rows_reminders_watchers_and_fields(
        self, team: Team
    ) -> None:
        crm = team.crm
        crm.fields.define("task", "note", label="Примітка", type="text")
        task = team_task(
            team,
            executors=[
                team.ivanov,
                {"employee": team.melnyk, "start": MONDAY + 2 * HOUR, "end": MONDAY + 5 * HOUR},
            ],
            fields={"note": "щотижня"},
            description="Звірити суми",
        )
        crm.reminders.add(task, "0 минут")
        crm.reminders.add(task, "1 hour", anchor="end", recipients=["watchers"])
        ivanov_row, _ = crm.tasks.executors(task)
        team.as_(team.ivanov).tasks.accept(ivanov_row)
        crm.reminders.fire(MONDAY)
        crm.tasks.repeat(task.id, "weekly")
        [copy] = crm.tasks.materialise(MONDAY + 6 * DAY)
        week = MONDAY + 7 * DAY
        assert copy.id != task.id
        assert (copy.occurrence, copy.planned_start, copy.planned_end) == (
            week,
            week,
            week + 9 * HOUR,
        )
        assert copy.series_id == crm.tasks.get(task.id).series_id
        assert (copy.name, copy.description, copy.status) == (
            "Кошторис",
            "Звірити суми",
            TaskStatus.ASSIGNED,
        )
        assert (copy.controller_id, copy.author_id) == (team.oleg.id, team.boss.id)
        assert copy.watchers == (team.petrova.id,)
        rows = crm.tasks.executors(copy)
        assert [(r.employee_id, r.status, r.planned_start, r.planned_end) for r in rows] == [
            (team.ivanov.id, ExecutorStatus.ASSIGNED, week, week + 9 * HOUR),
            (team.melnyk.id, ExecutorStatus.ASSIGNED, week + 2 * HOUR, week + 5 * HOUR),
        ]
        assert {r.task_id for r in rows} == {copy.id}
        reminders = crm.reminders.of(copy)
        assert [(r.before, r.anchor, r.next_at, r.fired) for r in reminders] == [
            (timedelta(0), Anchor.START, week, 0),
            (HOUR, Anchor.END, week + 8 * HOUR, 0),
        ]
        assert reminders[1].recipients == (Recipient.WATCHERS,)
        assert crm.fields.values(copy) == {"note": "щотижня"}
        assigned = [m for m in outbox_messages(team, "task_assigned") if m.entity_id == copy.id]
        assert team.codes(m.recipient_id for m in assigned if m.channel == "in_app") == [
            "22",
            "23",
        ]
        assert crm.tasks.executors(task)[0].status is ExecutorStatus.ACCEPTED  # the template's own

    def test_notifications_skipped_occurrence_never_becomes_a_task(self, team: Team) -> None:
        crm = team.crm
        task = _repeating(team, "daily", count=5)
        series = crm.tasks.skip_occurrence(task.id, MONDAY + 2 * DAY)
        assert series.exceptions == (MONDAY + 2 * DAY,)
        assert _occurrence_days(team, task, 14) == ["10.11", "11.11", "13.11", "14.11"]
        made = crm.tasks.materialise(MONDAY + 30 * DAY)
        assert [local_time(t.planned_start)[:5] for t in made] == ["11.11", "13.11", "14.11"]

    def test_notifications_skipping_a_materialised_occurrence_cancels_its_task(
        self, team: Team
    ) -> None:
        crm = team.crm
        task = _repeating(team, "daily", count=5)
        [tuesday] = crm.tasks.materialise(MONDAY)
        crm.tasks.skip_occurrence(task.id, tuesday.planned_start)
        assert crm.tasks.get(tuesday.id).status is TaskStatus.CANCELLED
        assert crm.tasks.get(task.id).status is TaskStatus.ASSIGNED
        assert _occurrence_days(team, task, 14) == ["10.11", "12.11", "13.11", "14.11"]
        made = crm.tasks.materialise(MONDAY + 30 * DAY)
        assert [local_time(t.planned_start)[:5] for t in made] == ["12.11", "13.11", "14.11"]

    def test_notifications_skipping_what_is_no_occurrence_is_refused(self, team: Team) -> None:
        task = _repeating(team, "daily", count=5)
        team.crm.tasks.skip_occurrence(task.id, MONDAY + 3 * DAY)
        series = team.crm.tasks.series(task.id)
        # Not at the rule's time, past its count, and skipped already.
        for occurrence in (MONDAY + 2 * DAY + HOUR, MONDAY + 9 * DAY, MONDAY + 3 * DAY):
            with pytest.raises(ValidationError) as caught:
                team.crm.tasks.skip_occurrence(task.id, occurrence)
            assert caught.value.field == "occurrence"
        assert team.crm.tasks.series(task.id) == series

    def test_notifications_editing_this_occurrence_changes_only_that_task(self, team: Team) -> None:
        crm = team.crm
        task = _repeating(team, "daily", count=5)
        tuesday, wednesday = crm.tasks.materialise(MONDAY + DAY)
        edited = crm.tasks.update_series(tuesday.id, "this", name="Перенесено")
        assert edited.name == "Перенесено"
        assert [crm.tasks.get(t.id).name for t in (task, tuesday, wednesday)] == [
            "Кошторис",
            "Перенесено",
            "Кошторис",
        ]
        later = crm.tasks.materialise(MONDAY + 30 * DAY)
        assert [t.name for t in later] == ["Кошторис", "Кошторис"]

    def test_notifications_editing_the_first_occurrence_alone_leaves_later_ones_alone(
        self, team: Team
    ) -> None:
        crm = team.crm
        task = _repeating(team, "daily", count=3)
        crm.tasks.update_series(task.id, "this", name="Лише перша")
        assert crm.tasks.get(task.id).name == "Лише перша"
        later = crm.tasks.materialise(MONDAY + 30 * DAY)
        assert [t.name for t in later] == ["Кошторис", "Кошторис"]

    def test_notifications_editing_following_occurrences_splits_the_series(
        self, team: Team
    ) -> None:
        crm = team.crm
        task = _repeating(team, "daily", count=5)
        tuesday, wednesday = crm.tasks.materialise(MONDAY + DAY)
        crm.tasks.update_series(tuesday.id, "following", name="Нове")
        assert [crm.tasks.get(t.id).name for t in (task, tuesday, wednesday)] == [
            "Кошторис",
            "Нове",
            "Нове",
        ]
        later = crm.tasks.materialise(MONDAY + 30 * DAY)
        assert [(t.name, local_time(t.planned_start)[:5]) for t in later] == [
            ("Нове", "13.11"),
            ("Нове", "14.11"),
        ]
        before, after = crm.tasks.series(task.id), crm.tasks.series(tuesday.id)
        assert before is not None
        assert after is not None
        assert before.id != after.id
        assert crm.tasks.series(wednesday.id) == after
        assert [t.series_id for t in later] == [after.id, after.id]
        assert _occurrence_days(team, task, 30) == ["10.11"]
        assert _occurrence_days(team, tuesday, 30) == ["11.11", "12.11", "13.11", "14.11"]

    def test_notifications_editing_all_occurrences_changes_the_open_tasks_and_the_template(
        self, team: Team
    ) -> None:
        crm = team.crm
        task = _repeating(team, "daily", count=5)
        tuesday, wednesday = crm.tasks.materialise(MONDAY + DAY)
        crm.tasks.cancel(wednesday.id)
        crm.tasks.update_series(tuesday.id, "all", name="Усі")
        assert [crm.tasks.get(t.id).name for t in (task, tuesday, wednesday)] == [
            "Усі",
            "Усі",
            "Кошторис",  # closed: left as it was
        ]
        later = crm.tasks.materialise(MONDAY + 30 * DAY)
        assert [t.name for t in later] == ["Усі", "Усі"]
        assert crm.tasks.series(task.id) == crm.tasks.series(tuesday.id)

    def test_notifications_bad_series_edit_names_the_field_and_writes_nothing(
        self, team: Team
    ) -> None:
        crm = team.crm
        task = _repeating(team, "daily", count=5)
        [tuesday] = crm.tasks.materialise(MONDAY)
        series = crm.tasks.series(task.id)
        for scope, changes, field in BAD_EDITS:
            with pytest.raises(ValidationError) as caught:
                crm.tasks.update_series(tuesday.id, scope, **changes)
            assert (scope, changes, caught.value.field) == (scope, changes, field)
        assert [crm.tasks.get(t.id) for t in (task, tuesday)] == [task, tuesday]
        assert crm.tasks.series(task.id) == series

    def test_notifications_stop_repeating_keeps_the_tasks_made_and_makes_no_more(
        self, team: Team
    ) -> None:
        crm = team.crm
        task = _repeating(team, "daily")
        [tuesday] = crm.tasks.materialise(MONDAY)
        stopped = crm.tasks.stop_repeating(task.id)
        assert (stopped.archived, stopped.next_at, stopped.materialise_at) == (True, None, None)
        assert crm.tasks.materialise(MONDAY + 30 * DAY) == []
        assert crm.tasks.get(tuesday.id).status is TaskStatus.ASSIGNED

    def test_notifications_stopped_series_shows_no_occurrences_beyond_its_tasks(
        self, team: Team
    ) -> None:
        task = _repeating(team, "daily")
        team.crm.tasks.materialise(MONDAY)
        team.crm.tasks.stop_repeating(task.id)
        assert _occurrence_days(team, task, 14) == ["10.11", "11.11"]

    def test_notifications_materialise_at_a_naive_time_is_refused(self, team: Team) -> None:
        _repeating(team, "daily")
        with pytest.raises(ValidationError) as caught:
            team.crm.tasks.materialise(datetime(2014, 11, 20, 9, 0))
        assert caught.value.field == "now"
        assert team.crm.tasks.materialise(MONDAY - MINUTE) == []
