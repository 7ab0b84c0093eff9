"""Calendar import faults, each reproduced by a small file written here.

Each file is what a calendar program or feed really writes; each test says
what must come of it, on every backend, whoever imports it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

import crmcore
from crmcore.services.calendars import ImportReport

NOW = datetime(2026, 10, 1, 12, tzinfo=UTC)
ZONES = ("Europe/Kyiv", "America/New_York", "Australia/Lord_Howe")


@pytest.fixture
def crm(crm_factory: Callable[..., crmcore.CRM]) -> crmcore.CRM:
    return crm_factory(clock=lambda: NOW)


def employee(crm: crmcore.CRM, zone: str) -> Any:
    code = str(len(crm.employees.list()) + 1)
    return crm.employees.create(code=code, name=f"Employee {zone}", time_zone=zone)


def ics(*lines: str) -> str:
    return "\r\n".join(
        ("BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//test//EN", *lines, "END:VCALENDAR")
    )


def events_of(crm: crmcore.CRM, who: Any) -> list[datetime]:
    with crm.transaction() as uow:
        found = uow.events.for_employees(
            [who.id], datetime(1900, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC)
        )
        return sorted(event.occurred_at.astimezone(UTC) for event in found)


def durations_of(crm: crmcore.CRM, who: Any) -> dict[datetime, timedelta | None]:
    with crm.transaction() as uow:
        found = uow.events.for_employees(
            [who.id], datetime(1900, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC)
        )
        return {event.occurred_at.astimezone(UTC): event.duration for event in found}


def stored_tasks(crm: crmcore.CRM) -> list[Any]:
    with crm.transaction() as uow:
        return sorted(uow.tasks.find(), key=lambda t: (t.planned_start, t.id))


def reasons(report: ImportReport) -> list[tuple[str, str]]:
    return [(s.component, s.reason) for s in report.skipped]


def utc(*fields: int) -> datetime:
    return datetime(*fields, tzinfo=UTC)  # type: ignore[misc]


# ---------------------------------------------------------------- a UTC start


UTC_WEEKLY_EVENT = ics(
    "BEGIN:VEVENT",
    "UID:utc-weekly",
    "SUMMARY:Weekly call",
    "DTSTART:20261015T120000Z",
    "DTEND:20261015T130000Z",
    "RRULE:FREQ=WEEKLY;COUNT=4",
    "END:VEVENT",
)
UTC_FOUR = [
    utc(2026, 10, 15, 12),
    utc(2026, 10, 22, 12),
    utc(2026, 10, 29, 12),
    utc(2026, 11, 5, 12),
]


@pytest.mark.parametrize("zone", ZONES)
def test_a_series_started_in_utc_repeats_in_utc_whoever_imports_it(
    crm: crmcore.CRM, zone: str
) -> None:
    who = employee(crm, zone)

    report = crm.calendar.import_ics(UTC_WEEKLY_EVENT, employee=who)

    assert report.skipped == ()
    assert events_of(crm, who) == UTC_FOUR


@pytest.mark.parametrize("zone", ZONES)
def test_a_repeating_todo_started_in_utc_repeats_in_utc(crm: crmcore.CRM, zone: str) -> None:
    who = employee(crm, zone)
    data = ics(
        "BEGIN:VTODO",
        "UID:utc-todo",
        "SUMMARY:Weekly report",
        "DTSTART:20261015T120000Z",
        "DUE:20261015T130000Z",
        "RRULE:FREQ=WEEKLY;COUNT=4",
        "END:VTODO",
    )

    crm.calendar.import_ics(data, employee=who)

    (task,) = stored_tasks(crm)
    found = crm.tasks.occurrences(task, start=utc(2026, 10, 1), end=utc(2026, 12, 1))
    assert [o.start.astimezone(UTC) for o in found] == UTC_FOUR


def test_a_series_with_a_tzid_keeps_its_wall_time_across_the_change_for_everyone(
    crm: crmcore.CRM,
) -> None:
    data = ics(
        "BEGIN:VEVENT",
        "UID:kyiv-weekly",
        "DTSTART;TZID=Europe/Kyiv:20261015T090000",
        "RRULE:FREQ=WEEKLY;COUNT=3",
        "END:VEVENT",
    )
    walls = []
    for zone in ("America/New_York", "Australia/Lord_Howe"):
        who = employee(crm, zone)
        crm.calendar.import_ics(data.replace("kyiv-weekly", f"kyiv-{zone}"), employee=who)
        kyiv = ZoneInfo("Europe/Kyiv")
        walls.append([m.astimezone(kyiv).strftime("%m-%d %H:%M") for m in events_of(crm, who)])
    assert walls[0] == walls[1] == ["10-15 09:00", "10-22 09:00", "10-29 09:00"]


# ---------------------------------------------------------------- RDATE


def test_rdate_date_times_with_a_tzid_are_occurrences_of_the_series(crm: crmcore.CRM) -> None:
    who = employee(crm, "Europe/Kyiv")
    data = ics(
        "BEGIN:VEVENT",
        "UID:rdate-list",
        "DTSTART;TZID=America/New_York:20261005T100000",
        "DTEND;TZID=America/New_York:20261005T110000",
        "RRULE:FREQ=WEEKLY;COUNT=2",
        "RDATE;TZID=America/New_York:20261103T100000,20261110T150000",
        "EXDATE;TZID=America/New_York:20261110T150000",
        "RDATE;TZID=America/New_York:20261117T100000",
        "END:VEVENT",
    )

    report = crm.calendar.import_ics(data, employee=who)

    assert report.skipped == ()
    # 10:00 New York is 14:00Z before the clocks change on 11-01, 15:00Z after.
    assert events_of(crm, who) == [
        utc(2026, 10, 5, 14),
        utc(2026, 10, 12, 14),
        utc(2026, 11, 3, 15),
        utc(2026, 11, 17, 15),
    ]
    assert set(durations_of(crm, who).values()) == {timedelta(hours=1)}


def test_rdate_periods_are_occurrences_with_their_own_length(crm: crmcore.CRM) -> None:
    who = employee(crm, "Europe/Kyiv")
    data = ics(
        "BEGIN:VEVENT",
        "UID:rdate-period",
        "DTSTART:20261005T100000Z",
        "DTEND:20261005T110000Z",
        "RDATE;VALUE=PERIOD:20261006T080000Z/20261006T113000Z,20261007T090000Z/PT45M",
        "END:VEVENT",
    )

    report = crm.calendar.import_ics(data, employee=who)

    assert report.skipped == ()
    assert durations_of(crm, who) == {
        utc(2026, 10, 5, 10): timedelta(hours=1),
        utc(2026, 10, 6, 8): timedelta(hours=3, minutes=30),
        utc(2026, 10, 7, 9): timedelta(minutes=45),
    }


def test_rdate_dates_add_days_to_an_all_day_series(crm: crmcore.CRM) -> None:
    who = employee(crm, "Europe/Kyiv")
    data = ics(
        "BEGIN:VEVENT",
        "UID:rdate-days",
        "DTSTART;VALUE=DATE:20261001",
        "RRULE:FREQ=MONTHLY;COUNT=2",
        "RDATE;VALUE=DATE:20261015,20261215",
        "END:VEVENT",
    )

    crm.calendar.import_ics(data, employee=who)

    kyiv = ZoneInfo("Europe/Kyiv")
    assert [m.astimezone(kyiv).date() for m in events_of(crm, who)] == [
        date(2026, 10, 1),
        date(2026, 10, 15),
        date(2026, 11, 1),
        date(2026, 12, 15),
    ]


def test_rdate_on_a_todo_is_reported_not_dropped(crm: crmcore.CRM) -> None:
    who = employee(crm, "Europe/Kyiv")
    data = ics(
        "BEGIN:VTODO",
        "UID:rdate-todo",
        "DTSTART:20261005T100000Z",
        "RDATE:20261006T100000Z,20261008T100000Z",
        "END:VTODO",
    )

    report = crm.calendar.import_ics(data, employee=who)

    assert len(stored_tasks(crm)) == 1
    assert reasons(report) == [
        (
            "RDATE",
            "a task repeats by its rule alone; its 2 added occurrence(s) were not imported, "
            "the to-do was",
        )
    ]


def test_a_malformed_rdate_names_the_property_and_the_item_is_reported(
    crm: crmcore.CRM,
) -> None:
    who = employee(crm, "Europe/Kyiv")
    data = ics(
        "BEGIN:VEVENT",
        "UID:rdate-bad",
        "DTSTART:20261005T100000Z",
        "RDATE;VALUE=PERIOD:20261006T080000Z/20261006T070000Z",
        "END:VEVENT",
    )

    report = crm.calendar.import_ics(data, employee=who)

    assert events_of(crm, who) == []
    assert reasons(report) == [
        (
            "VEVENT",
            "RDATE: '20261006T080000Z/20261006T070000Z' does not end after it starts; "
            "the event was not imported",
        )
    ]


# ---------------------------------------------------------------- an empty RRULE


def test_an_empty_rrule_is_no_rule_and_the_item_is_imported_once(crm: crmcore.CRM) -> None:
    who = employee(crm, "Europe/Kyiv")
    holidays = [
        ("20260101", "New Year's Day"),
        ("20260107", "Orthodox Christmas"),
        ("20260308", "Women's Day"),
    ]
    lines = []
    for day, name in holidays:
        lines += [
            "BEGIN:VEVENT",
            f"UID:holiday-{day}",
            f"SUMMARY:{name}",
            f"DTSTART;VALUE=DATE:{day}",
            "RRULE:",
            "END:VEVENT",
        ]

    report = crm.calendar.import_ics(ics(*lines), employee=who)

    assert report.skipped == ()
    assert len(report.events) == 3
    kyiv = ZoneInfo("Europe/Kyiv")
    assert [m.astimezone(kyiv).strftime("%Y%m%d") for m in events_of(crm, who)] == [
        day for day, _ in holidays
    ]


def test_an_empty_rrule_on_a_todo_makes_one_task_that_does_not_repeat(crm: crmcore.CRM) -> None:
    who = employee(crm, "Europe/Kyiv")
    data = ics("BEGIN:VTODO", "UID:empty", "DTSTART:20261005T100000Z", "RRULE:", "END:VTODO")

    report = crm.calendar.import_ics(data, employee=who)

    (task,) = stored_tasks(crm)
    assert report.skipped == ()
    assert task.series_id is None


# ---------------------------------------------------------------- UNTIL


ALL_DAY_UNTIL_UTC = {
    # Outlook in Kyiv: the last day (10-29) at local midnight, in UTC.
    "Europe/Kyiv": "20261028T210000Z",
    # Outlook in New York: the same day's midnight there.
    "America/New_York": "20261029T040000Z",
    # The end of the last day.
    "UTC": "20261029T235959Z",
}


@pytest.mark.parametrize("author", sorted(ALL_DAY_UNTIL_UTC))
@pytest.mark.parametrize("reader", ZONES)
def test_an_all_day_series_with_a_utc_until_keeps_the_last_day_its_author_meant(
    crm: crmcore.CRM, author: str, reader: str
) -> None:
    who = employee(crm, reader)
    data = ics(
        "BEGIN:VEVENT",
        "UID:all-day-until",
        "DTSTART;VALUE=DATE:20261008",
        "DTEND;VALUE=DATE:20261009",
        f"RRULE:FREQ=WEEKLY;UNTIL={ALL_DAY_UNTIL_UTC[author]}",
        "END:VEVENT",
    )

    crm.calendar.import_ics(data, employee=who)

    zone = ZoneInfo(reader)
    assert [m.astimezone(zone).date() for m in events_of(crm, who)] == [
        date(2026, 10, 8),
        date(2026, 10, 15),
        date(2026, 10, 22),
        date(2026, 10, 29),
    ]


@pytest.mark.parametrize("reader", ZONES)
def test_a_date_until_on_a_timed_series_ends_with_the_occurrence_on_that_date(
    crm: crmcore.CRM, reader: str
) -> None:
    who = employee(crm, reader)
    data = ics(
        "BEGIN:VEVENT",
        "UID:date-until",
        "DTSTART;TZID=Europe/Kyiv:20261026T230000",
        "RRULE:FREQ=DAILY;UNTIL=20261028",
        "END:VEVENT",
        "BEGIN:VTODO",
        "UID:date-until-todo",
        "DTSTART:20261026T230000Z",
        "RRULE:FREQ=DAILY;UNTIL=20261028",
        "END:VTODO",
    )

    crm.calendar.import_ics(data, employee=who)

    # 23:00 in Kyiv on 10-26, 10-27 and 10-28, whatever the reader's zone.
    assert events_of(crm, who) == [
        utc(2026, 10, 26, 21),
        utc(2026, 10, 27, 21),
        utc(2026, 10, 28, 21),
    ]
    (task,) = stored_tasks(crm)
    found = crm.tasks.occurrences(task, start=utc(2026, 10, 1), end=utc(2026, 12, 1))
    assert [o.start for o in found] == [
        utc(2026, 10, 26, 23),
        utc(2026, 10, 27, 23),
        utc(2026, 10, 28, 23),
    ]


# ---------------------------------------------------------------- alarms in days


def test_alarms_in_days_are_calendar_days_and_in_hours_exact_both_ways(
    crm: crmcore.CRM,
) -> None:
    who = employee(crm, "Europe/Kyiv")
    data = ics(
        "BEGIN:VTODO",
        "UID:alarm-days",
        # 09:00 in Kyiv on the Monday after the clocks went back on 10-25.
        "DTSTART;TZID=Europe/Kyiv:20261026T090000",
        "BEGIN:VALARM",
        "ACTION:DISPLAY",
        "TRIGGER:-P3D",
        "END:VALARM",
        "BEGIN:VALARM",
        "ACTION:DISPLAY",
        "TRIGGER:-PT72H",
        "END:VALARM",
        "END:VTODO",
    )

    crm.calendar.import_ics(data, employee=who)

    (task,) = stored_tasks(crm)
    kyiv = ZoneInfo("Europe/Kyiv")
    found = {r.calendar_days: r for r in crm.reminders.of(task)}
    assert found[3].next_at == datetime(2026, 10, 23, 9, tzinfo=kyiv)
    assert found[0].next_at == datetime(2026, 10, 23, 10, tzinfo=kyiv)
    written = crm.calendar.export(tasks=[task]).decode()
    assert "TRIGGER:-P3D\r\n" in written
    assert "TRIGGER:-PT72H\r\n" in written
