"""``crm.calendar.export`` and ``feed``: tasks and events as iCalendar.

Every file is read back twice: by crmcore's own parser and by the
``icalendar`` package, as another calendar program would.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import attrs
import icalendar
import pytest

import crmcore
from crmcore.adapters.ical import CalendarItem, parse_calendar
from crmcore.errors import ValidationError

NOW = datetime(2025, 3, 1, 8, tzinfo=UTC)
KYIV = ZoneInfo("Europe/Kyiv")


@pytest.fixture
def crm(crm_factory: Callable[..., crmcore.CRM]) -> crmcore.CRM:
    return crm_factory(clock=lambda: NOW)


@pytest.fixture
def people(crm: crmcore.CRM) -> dict[str, Any]:
    return {
        "iryna": crm.employees.create(code="7", name="Петрова Ірина", email="iryna@example.com"),
        "ivan": crm.employees.create(code="8", name="Мельник Іван", email="melnyk@example.com"),
        "boss": crm.employees.create(code="1", name="Шевченко Олена", email="boss@example.com"),
    }


def components(data: bytes, name: str) -> list[Any]:
    """The components called ``name`` as the icalendar package reads the file."""
    return [c for c in icalendar.Calendar.from_ical(data).walk() if c.name == name]


def items(data: bytes) -> list[CalendarItem]:
    return list(parse_calendar(data).items)


def test_a_task_is_a_vtodo_with_its_people_and_reminders(
    crm: crmcore.CRM, people: dict[str, Any]
) -> None:
    start = datetime(2025, 3, 3, 9, tzinfo=KYIV)
    task = crm.tasks.create(
        "Звіт з ПДВ для «Нептуна»",
        start=start,
        end=start + timedelta(hours=3),
        executors=[people["iryna"], people["ivan"]],
        controller=people["boss"],
        description="Перевірити накладні,\nпотім подати",
        priority="urgent",
        tags=["ПДВ"],
        time_zone="Europe/Kyiv",
    )
    crm.reminders.add(task, "4 hours")
    crm.reminders.add(task, "1 day", anchor="end")
    row = next(r for r in crm.tasks.executors(task) if r.employee_id == people["iryna"].id)
    crm.acting_as(people["iryna"]).tasks.start(row)

    data = crm.calendar.export(tasks=[task], name="Задачі")

    (item,) = items(data)
    assert (item.kind, item.uid) == ("todo", f"task-{task.id}@crmcore")
    assert item.summary == "Звіт з ПДВ для «Нептуна»"
    assert item.description == "Перевірити накладні,\nпотім подати"
    assert item.start == start
    assert item.end == start + timedelta(hours=3)
    assert item.time_zone == "Europe/Kyiv"
    assert (item.status, item.percent_complete, item.priority) == ("IN-PROCESS", 0, 1)
    assert item.categories == ("ПДВ",)
    assert item.organizer is not None
    assert (item.organizer.email, item.organizer.name) == ("boss@example.com", "Шевченко Олена")
    assert {(a.email, a.status) for a in item.attendees} == {
        ("iryna@example.com", "IN-PROCESS"),
        ("melnyk@example.com", "NEEDS-ACTION"),
    }
    assert {(a.before, a.related) for a in item.alarms} == {
        (timedelta(hours=4), "start"),
        (timedelta(days=1), "end"),
    }
    (vtodo,) = components(data, "VTODO")
    assert str(vtodo["SUMMARY"]) == "Звіт з ПДВ для «Нептуна»"
    assert vtodo.decoded("DTSTART") == start
    assert vtodo["DTSTART"].params["TZID"] == "Europe/Kyiv"
    assert str(vtodo["ORGANIZER"]) == "mailto:boss@example.com"
    assert sorted(str(a) for a in vtodo["ATTENDEE"]) == [
        "mailto:iryna@example.com",
        "mailto:melnyk@example.com",
    ]
    assert sorted(a.decoded("TRIGGER") for a in vtodo.walk("VALARM")) == [
        timedelta(days=-1),
        timedelta(hours=-4),
    ]
    assert str(icalendar.Calendar.from_ical(data)["X-WR-CALNAME"]) == "Задачі"
    assert components(data, "VTIMEZONE")


def test_a_repeating_task_is_its_first_task_with_the_rule_and_overrides(
    crm: crmcore.CRM, people: dict[str, Any]
) -> None:
    start = datetime(2025, 3, 3, 9, tzinfo=KYIV)
    first = crm.tasks.create(
        "Планёрка", start=start, end=start + timedelta(hours=1), executors=[people["iryna"]]
    )
    crm.tasks.repeat(first, "weekly", count=6)
    made = crm.tasks.materialise(now=start + timedelta(days=14))
    assert len(made) == 2
    crm.tasks.skip_occurrence(first, start + timedelta(days=21))
    second = made[0]
    moved = crm.tasks.update_series(
        second, "this", start=start + timedelta(days=8), end=start + timedelta(days=8, hours=1)
    )
    row = crm.tasks.executors(made[1])[0]
    done = crm.acting_as(people["iryna"]).tasks
    done.finish(done.start(row))

    # Asking for any task of the series gives the whole series.
    data = crm.calendar.export(tasks=[made[1]])

    master, *overrides = items(data)
    uid = f"task-{first.id}@crmcore"
    assert (master.uid, master.rrule, master.recurrence_id) == (uid, "FREQ=WEEKLY;COUNT=6", None)
    assert master.start == start
    assert master.exdates == (start + timedelta(days=21),)
    assert [(o.uid, o.recurrence_id) for o in overrides] == [
        (uid, start + timedelta(days=7)),
        (uid, start + timedelta(days=14)),
    ]
    assert overrides[0].start == moved.planned_start
    assert overrides[1].status == "IN-PROCESS"  # the task is on review
    assert overrides[1].attendees[0].status == "COMPLETED"
    vtodos = components(data, "VTODO")
    assert [str(v["UID"]) for v in vtodos] == [uid] * 3
    assert vtodos[0]["RRULE"].to_ical() == b"FREQ=WEEKLY;COUNT=6"
    assert vtodos[0].decoded("EXDATE").dts[0].dt == start + timedelta(days=21)
    assert [v.decoded("RECURRENCE-ID") for v in vtodos[1:]] == [
        start + timedelta(days=7),
        start + timedelta(days=14),
    ]


def test_a_stopped_series_ends_with_its_last_task(crm: crmcore.CRM) -> None:
    start = datetime(2025, 3, 3, 9, tzinfo=UTC)
    first = crm.tasks.create("Обхід складу", start=start, end=start + timedelta(hours=1))
    crm.tasks.repeat(first, "daily")
    made = crm.tasks.materialise(now=start + timedelta(days=1))
    assert len(made) == 2
    # Stopped as crm.tasks.stop_repeating stops a series: archived, nothing more to make.
    with crm.transaction() as uow:
        series = uow.series.get(crm.tasks.get(first).series_id)
        assert series is not None
        uow.series.update(
            attrs.evolve(
                series, archived=True, next_at=None, materialise_at=None, version=series.version + 1
            ),
            series.version,
        )

    master, *overrides = items(crm.calendar.export(tasks=[first]))

    assert master.rrule == "FREQ=DAILY;UNTIL=20250305T090000Z"
    assert [o.recurrence_id for o in overrides] == [
        start + timedelta(days=1),
        start + timedelta(days=2),
    ]


def test_a_task_of_whole_days_is_written_with_dates(crm: crmcore.CRM) -> None:
    task = crm.tasks.create(
        "Квартальна звітність",
        start=date(2025, 4, 1),
        end=date(2025, 4, 25),
        time_zone="Europe/Kyiv",
    )
    one_day = crm.tasks.create("Сплатити ЄСВ", start=date(2025, 4, 18), end=date(2025, 4, 18))

    data = crm.calendar.export(tasks=[task, one_day])

    long_one, short_one = items(data)
    assert (long_one.start, long_one.end, long_one.all_day) == (
        date(2025, 4, 1),
        date(2025, 4, 25),
        True,
    )
    # RFC 5545: DUE comes after DTSTART, so a one-day task has its DUE date only.
    assert (short_one.start, short_one.end) == (None, date(2025, 4, 18))
    assert b"DUE;VALUE=DATE:20250425" in data
    vtodos = components(data, "VTODO")
    assert vtodos[0].decoded("DUE") == date(2025, 4, 25)


def test_an_event_is_a_vevent_in_its_employees_zone(
    crm: crmcore.CRM, people: dict[str, Any]
) -> None:
    client = crm.clients.create(code="06951937", name='Кооператив "Нептун"')
    event = crm.events.log(
        client,
        type="ВхЗ",
        subject="Запит ціни",
        occurred_at=datetime(2025, 2, 27, 9, 30, tzinfo=UTC),
        employee=people["ivan"],
        duration=timedelta(minutes=12),
        details="Просили знижку",
    )

    data = crm.calendar.export(events=[event])

    (item,) = items(data)
    assert (item.kind, item.uid, item.summary) == (
        "event",
        f"event-{event.id}@crmcore",
        "Запит ціни",
    )
    assert item.end - item.start == timedelta(minutes=12)  # type: ignore[operator]
    assert item.organizer is not None
    assert item.organizer.email == "melnyk@example.com"
    (vevent,) = components(data, "VEVENT")
    assert vevent.decoded("DTSTART") == datetime(2025, 2, 27, 9, 30, tzinfo=UTC)
    assert str(vevent["DESCRIPTION"]) == "Просили знижку"


def test_the_feed_holds_the_employees_tasks_and_events_of_the_window(
    crm: crmcore.CRM, people: dict[str, Any]
) -> None:
    iryna, ivan, boss = people["iryna"], people["ivan"], people["boss"]
    soon = NOW + timedelta(days=2)
    hers = crm.tasks.create(
        "Її задача", start=soon, end=soon + timedelta(hours=1), executors=[iryna]
    )
    controlled = crm.tasks.create(
        "Під її контролем",
        start=soon,
        end=soon + timedelta(hours=2),
        executors=[ivan],
        controller=iryna,
    )
    crm.tasks.create("Чужа", start=soon, end=soon + timedelta(hours=1), executors=[ivan])
    old = NOW - timedelta(days=400)
    crm.tasks.create("Давня", start=old, end=old + timedelta(hours=1), executors=[iryna])
    archived = crm.tasks.create("В архіві", start=soon, end=soon, executors=[iryna])
    crm.tasks.archive(archived)
    call = crm.events.log(type="ИсхЗ", subject="Дзвінок", occurred_at=NOW, employee=iryna)
    crm.events.log(type="ИсхЗ", subject="Його дзвінок", occurred_at=NOW, employee=ivan)
    row = crm.tasks.executors(hers)[0]
    crm.acting_as(iryna).tasks.report_progress(row, 40)
    crm.tasks.add_executor(hers, boss)

    data = crm.calendar.feed(iryna)

    found = {item.summary: item for item in items(data)}
    assert set(found) == {"Її задача", "Під її контролем", "Дзвінок"}
    assert found["Дзвінок"].uid == f"event-{call.id}@crmcore"
    assert found["Під її контролем"].uid == f"task-{controlled.id}@crmcore"
    # Her own row's percent, not the task's 20 % rolled up over both rows.
    assert found["Її задача"].percent_complete == 40
    assert crm.tasks.get(hers).percent_done == 20
    assert str(icalendar.Calendar.from_ical(data)["X-WR-CALNAME"]) == "Петрова Ірина"
    assert len(components(data, "VTODO")) == 2
    assert len(components(data, "VEVENT")) == 1

    narrow = crm.calendar.feed(
        iryna, start=NOW - timedelta(days=500), end=NOW - timedelta(days=300)
    )
    assert [item.summary for item in items(narrow)] == ["Давня"]


def test_an_export_imported_into_another_crm_gives_the_same_tasks(
    crm: crmcore.CRM, people: dict[str, Any], crm_factory: Callable[..., crmcore.CRM]
) -> None:
    start = datetime(2025, 3, 28, 9, tzinfo=KYIV)  # the last Friday of March
    first = crm.tasks.create(
        "Інвентаризація", start=start, end=start + timedelta(hours=4), executors=[people["iryna"]]
    )
    crm.tasks.repeat(first, "FREQ=MONTHLY;BYDAY=-1FR;COUNT=3")
    data = crm.calendar.export(tasks=[first])
    other = crmcore.open(clock=lambda: NOW)
    someone = other.employees.create(code="1", name="Коваль Петро")

    report = other.calendar.import_ics(data, employee=someone)

    (task,) = (other.tasks.get(t) for t in report.tasks)
    assert task.name == "Інвентаризація"
    assert task.planned_start == start
    series = other.tasks.series(task)
    assert series is not None
    assert series.recurrence.to_rrule() == "FREQ=MONTHLY;BYDAY=-1FR;COUNT=3"
    assert report.skipped == ()


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda crm: crm.calendar.feed("no-such-code"), "employee"),
        (lambda crm: crm.calendar.feed("7", start=datetime(2025, 1, 1)), "start"),
        (
            lambda crm: crm.calendar.feed("7", start=NOW, end=NOW - timedelta(days=1)),
            "end",
        ),
        (lambda crm: crm.calendar.export(tasks=[crmcore.domain.new_id()]), "tasks"),
        (lambda crm: crm.calendar.export(events=["not an id"]), "events"),
    ],
    ids=["unknown-employee", "naive-start", "empty-window", "unknown-task", "bad-event"],
)
def test_bad_arguments_are_refused_naming_the_field(
    crm: crmcore.CRM, people: dict[str, Any], call: Callable[[crmcore.CRM], Any], field: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        call(crm)
    assert refused.value.field == field
