"""``crm.calendar.import_ics``: real calendar programs' files into tasks and events.

Every file of the shared corpus is imported on the memory backend and on
SQLite; each has its expectations below, so a file added to the corpus
without them fails the suite instead of passing unseen.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import attrs
import pytest

import crmcore
from crmcore.adapters.ical import parse_calendar
from crmcore.domain.tasks import ExecutorStatus, TaskStatus
from crmcore.errors import InvalidCalendar, PermissionDenied, ValidationError
from crmcore.services.calendars import ImportReport

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus" / "ics"
NOW = datetime(2025, 1, 15, 12, tzinfo=UTC)
UTC_ZONE = ZoneInfo("UTC")
LONDON = ZoneInfo("Europe/London")
BERLIN = ZoneInfo("Europe/Berlin")
CHICAGO = ZoneInfo("America/Chicago")


@pytest.fixture
def crm(crm_factory: Callable[..., crmcore.CRM]) -> crmcore.CRM:
    return crm_factory(clock=lambda: NOW)


@pytest.fixture
def iryna(crm: crmcore.CRM) -> Any:
    return crm.employees.create(
        code="7", name="Петрова Ірина", email="iryna@example.com", time_zone="Europe/Kyiv"
    )


def stored_events(crm: crmcore.CRM) -> list[Any]:
    with crm.transaction() as uow:
        return sorted(
            uow.events.for_employees(
                [e.id for e in uow.employees.list(include_archived=True)],
                datetime(1900, 1, 1, tzinfo=UTC),
                datetime(2100, 1, 1, tzinfo=UTC),
            ),
            key=lambda e: (e.occurred_at, e.id),
        )


def stored_tasks(crm: crmcore.CRM) -> list[Any]:
    with crm.transaction() as uow:
        return sorted(uow.tasks.find(), key=lambda t: (t.planned_start, t.id))


def reasons(report: ImportReport) -> list[tuple[str, str]]:
    return [(s.component, s.reason) for s in report.skipped]


# ---------------------------------------------------------------- the corpus, file by file


def check_apple_reminder(crm: crmcore.CRM, report: ImportReport) -> None:
    (task,) = stored_tasks(crm)
    assert task.name == "Test"
    assert task.status is TaskStatus.ASSIGNED
    assert task.time_zone == "America/Chicago"
    assert task.planned_end.astimezone(CHICAGO) == datetime(2022, 1, 18, 23, tzinfo=CHICAGO)
    assert task.planned_start == task.planned_end
    (reminder,) = crm.reminders.of(task)
    # TRIGGER;VALUE=DATE-TIME:20220119T050000Z is the due moment itself.
    assert reminder.before == timedelta(0)
    assert reminder.channels == ("in_app",)
    assert report.skipped == ()
    assert report.product == "-//Apple Inc.//iOS 12.1//EN"


def check_exchange(crm: crmcore.CRM, report: ImportReport) -> None:
    events = stored_events(crm)
    subjects = [e.subject for e in events]
    # Two biweekly all-day series (15 July excluded) in Kyiv days, and one timed event.
    assert subjects.count("test123") == 2
    assert subjects.count("test123 - edited event!!!!") == 2
    assert "outlook event with alarm" in subjects
    kyiv = ZoneInfo("Europe/Kyiv")
    days = sorted(
        e.occurred_at.astimezone(kyiv).date().isoformat() for e in events if e.subject == "test123"
    )
    assert days == ["2024-07-01", "2024-07-29"]
    week = next(e for e in events if e.subject == "test123")
    assert week.duration == timedelta(days=7)
    outlook = next(e for e in events if e.subject == "outlook event with alarm")
    # "GMT Standard Time" is Europe/London: 18:30 BST.
    assert outlook.occurred_at.astimezone(LONDON) == datetime(2024, 10, 4, 18, 30, tzinfo=LONDON)
    assert outlook.duration == timedelta(minutes=30)
    assert outlook.details == ""
    assert report.tasks == ()
    assert report.skipped == ()


def check_google_alarms(crm: crmcore.CRM, report: ImportReport) -> None:
    (event,) = stored_events(crm)
    assert event.subject == "event with alarms"
    assert event.occurred_at == datetime(2024, 10, 4, 18, 15, tzinfo=UTC)
    assert event.duration == timedelta(minutes=45)
    assert event.type_code == "Встр"
    assert reasons(report) == [
        (
            "VALARM",
            "crmcore events have no reminders; its 4 alarm(s) were not imported, the event was",
        )
    ]


def check_google_monthly(crm: crmcore.CRM, report: ImportReport) -> None:
    events = stored_events(crm)
    assert {e.subject for e in events} == {"Karaoke"}
    # Every last Friday from November 2021 to the horizon (a year after NOW).
    assert len(events) == 2 + 12 * 4
    local = [e.occurred_at.astimezone(BERLIN) for e in events]
    # The 31 December occurrence was moved to the 17th by its override.
    assert datetime(2021, 12, 17, 21, 30, tzinfo=BERLIN) in local
    assert datetime(2021, 12, 31, 21, 30, tzinfo=BERLIN) not in local
    assert local[0] == datetime(2021, 11, 26, 21, 30, tzinfo=BERLIN)
    assert local[-1] == datetime(2025, 12, 26, 21, 30, tzinfo=BERLIN)
    assert all(e.occurred_at.astimezone(BERLIN).weekday() == 4 for e in events)
    assert 'Jeden letzten Freitag im Monat <a href="https://www.instagram.com' in events[0].details
    assert report.skipped == ()


def check_google_takeout(crm: crmcore.CRM, report: ImportReport) -> None:
    events = stored_events(crm)
    subjects = [e.subject for e in events]
    assert subjects[:3] == ["appointmentTest1", "appointmentTest2", "appointmentTest3"]
    birthdays = [e for e in events if e.subject == "Herzlichen Glückwunsch zum Geburtstag!"]
    kyiv = ZoneInfo("Europe/Kyiv")
    assert [b.occurred_at.astimezone(kyiv).date().isoformat() for b in birthdays] == [
        "2024-04-13",
        "2025-04-13",
    ]
    assert all(b.duration == timedelta(days=1) for b in birthdays)
    assert len(events) == 4 + 2
    assert reasons(report) == [
        (
            "VALARM",
            "crmcore events have no reminders; its 1 alarm(s) were not imported, the event was",
        )
    ]


def check_broken(crm: crmcore.CRM, report: ImportReport) -> None:
    (event,) = stored_events(crm)
    assert event.subject == "Broken Eevnt"
    assert event.occurred_at == datetime(2014, 4, 1, tzinfo=UTC)
    (skip,) = report.skipped
    assert skip.component == "line 13"
    assert "'X' is not a content line" in skip.reason


def check_nextcloud(crm: crmcore.CRM, report: ImportReport) -> None:
    events = stored_events(crm)
    assert len(events) == 4  # every September 20th from 2022 to 2025
    assert {e.subject for e in events} == {"Some more complex event"}
    assert events[0].details == (
        "Event with a tag, a notification\nand a recurrence.\nМесто: Some Hotel, Some Country"
    )
    assert [c for c, _ in reasons(report)] == ["VALARM"]


def check_sabredav(crm: crmcore.CRM, report: ImportReport) -> None:
    events = stored_events(crm)
    # Eight weekly occurrences less the one of 11 March (EXDATE given in UTC).
    assert len(events) == 7
    local = [e.occurred_at.astimezone(BERLIN) for e in events]
    assert datetime(2019, 3, 11, 0, 30, tzinfo=BERLIN) not in local
    assert local[0] == datetime(2019, 3, 4, 0, 30, tzinfo=BERLIN)
    assert local[-1] == datetime(2019, 4, 22, 0, 30, tzinfo=BERLIN)
    assert all(e.duration == timedelta(minutes=30) for e in events)
    assert report.skipped == ()


def check_thunderbird_daily(crm: crmcore.CRM, report: ImportReport) -> None:
    events = stored_events(crm)
    assert [e.occurred_at.astimezone(BERLIN).day for e in events] == list(range(13, 23))
    assert all(e.occurred_at.astimezone(BERLIN).hour == 7 for e in events)
    assert all(e.duration == timedelta(hours=2, minutes=15) for e in events)
    assert report.skipped == ()


def check_thunderbird_alarms(crm: crmcore.CRM, report: ImportReport) -> None:
    (event,) = stored_events(crm)
    assert event.occurred_at.astimezone(LONDON) == datetime(2024, 10, 23, 15, tzinfo=LONDON)
    assert event.duration == timedelta(hours=1)
    assert [c for c, _ in reasons(report)] == ["VALARM"]
    assert "2 alarm(s)" in report.skipped[0].reason


def check_thunderbird_todo(crm: crmcore.CRM, report: ImportReport) -> None:
    (task,) = stored_tasks(crm)
    assert task.name == "Recurring"
    # The override of the first occurrence says it was done.
    assert task.status is TaskStatus.COMPLETED
    assert task.percent_done == 100
    (row,) = crm.tasks.executors(task)
    assert row.status is ExecutorStatus.DONE
    series = crm.tasks.series(task)
    assert series is not None
    assert series.recurrence.to_rrule() == "FREQ=DAILY"
    assert task.planned_start.astimezone(CHICAGO) == datetime(2020, 12, 20, 17, tzinfo=CHICAGO)
    # Past occurrences the file does not override are not made tasks.
    assert series.next_at == datetime(2025, 1, 15, 17, tzinfo=CHICAGO)
    assert report.skipped == ()


def check_empty(crm: crmcore.CRM, report: ImportReport) -> None:
    assert stored_events(crm) == []
    assert stored_tasks(crm) == []
    assert report == ImportReport()


EXPECTED: dict[str, tuple[int, int, Callable[[crmcore.CRM, ImportReport], None]]] = {
    "apple-ios12-reminders-vtodo-due-absolute-trigger-alarm.ics": (1, 0, check_apple_reminder),
    "exchange-2010-allday-biweekly-until-exdate-windows-tzid.ics": (0, 5, check_exchange),
    "google-calendar-event-4-valarms-email-display.ics": (0, 1, check_google_alarms),
    "google-calendar-monthly-last-friday-recurrence-id-override.ics": (
        0,
        50,
        check_google_monthly,
    ),
    "google-takeout-primary-allday-yearly-birthday-attendees-no-final-newline.ics": (
        0,
        6,
        check_google_takeout,
    ),
    "minimal-broken-stray-X-line-no-prodid.ics": (0, 1, check_broken),
    "nextcloud-calendar-app-allday-yearly-valarm-escaped-comma.ics": (0, 4, check_nextcloud),
    "nextcloud-sabredav-thunderbird-weekly-count8-exdate-utc.ics": (0, 7, check_sabredav),
    "thunderbird-daily-count10-europe-berlin.ics": (0, 10, check_thunderbird_daily),
    "thunderbird-event-2-valarms-huge-historic-vtimezone-europe-london.ics": (
        0,
        1,
        check_thunderbird_alarms,
    ),
    "thunderbird-recurring-vtodo-completed-instance-percent-complete-100.ics": (
        1,
        0,
        check_thunderbird_todo,
    ),
    "utf8-bom-empty-vcalendar.ics": (0, 0, check_empty),
}


def corpus_files() -> list[Any]:
    if not CORPUS.is_dir():
        return [
            pytest.param(
                None,
                marks=pytest.mark.skip(reason=f"the shared .ics corpus is not at {CORPUS}"),
                id="no-corpus",
            )
        ]
    return [pytest.param(path, id=path.stem) for path in sorted(CORPUS.glob("*.ics"))]


@pytest.mark.parametrize("path", corpus_files())
def test_every_corpus_file_imports_once_with_what_it_holds(
    crm: crmcore.CRM, iryna: Any, path: Path
) -> None:
    assert path.name in EXPECTED, f"{path.name} is new in the corpus: say what it must import"
    tasks, events, check = EXPECTED[path.name]
    data = path.read_bytes()

    report = crm.calendar.import_ics(data, employee=iryna)

    assert (len(report.tasks), len(report.events)) == (tasks, events), report.describe()
    assert len(stored_tasks(crm)) == tasks
    assert len(stored_events(crm)) == events
    check(crm, report)
    for event in stored_events(crm):
        assert event.employee_id == iryna.id
        assert event.external_ref is not None
        assert event.external_ref.startswith("ical:")

    again = crm.calendar.import_ics(data, employee=iryna)

    assert (again.tasks, again.events, again.updated) == ((), (), ())
    assert again.unchanged == tasks + events
    assert len(stored_tasks(crm)) == tasks
    assert len(stored_events(crm)) == events


def test_the_corpus_and_its_expectations_name_the_same_files() -> None:
    if not CORPUS.is_dir():
        pytest.skip(f"the shared .ics corpus is not at {CORPUS}")
    assert sorted(p.name for p in CORPUS.glob("*.ics")) == sorted(EXPECTED)


# ---------------------------------------------------------------- files written here


def calendar(*lines: str) -> bytes:
    body = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//crmcore tests//UK",
        *lines,
        "END:VCALENDAR",
    ]
    return ("\r\n".join(body) + "\r\n").encode("utf-8")


def vtodo(uid: str, summary: str, *extra: str) -> list[str]:
    return ["BEGIN:VTODO", f"UID:{uid}", "DTSTAMP:20250101T000000Z", f"SUMMARY:{summary}", *extra]


def test_a_cyrillic_todo_with_alarms_becomes_a_task_with_reminders(
    crm: crmcore.CRM, iryna: Any
) -> None:
    client = crm.clients.create(code="06951937", name='Кооператив "Нептун"')
    data = calendar(
        *vtodo(
            "zvit-1@example.com",
            "Звіт з ПДВ для «Нептуна»",
            "DTSTART;TZID=Europe/Kyiv:20250203T090000",
            "DUE;TZID=Europe/Kyiv:20250205T180000",
            "PRIORITY:1",
            "CATEGORIES:ПДВ,Звітність",
            "PERCENT-COMPLETE:40",
            "STATUS:IN-PROCESS",
            "DESCRIPTION:Перевірити накладні\\nі податковий кредит",
            "BEGIN:VALARM",
            "ACTION:DISPLAY",
            "TRIGGER:-PT4H",
            "END:VALARM",
            "BEGIN:VALARM",
            "ACTION:EMAIL",
            "TRIGGER;RELATED=END:-P1D",
            "END:VALARM",
            "BEGIN:VALARM",
            "ACTION:DISPLAY",
            "TRIGGER:PT30M",
            "END:VALARM",
            "END:VTODO",
        )
    )

    report = crm.calendar.import_ics(data, employee=iryna, client=client)

    (task,) = stored_tasks(crm)
    assert report.tasks == (task.id,)
    assert task.name == "Звіт з ПДВ для «Нептуна»"
    assert task.description == "Перевірити накладні\nі податковий кредит"
    assert task.tags == ("ПДВ", "Звітність")
    assert task.priority.value == "urgent"
    assert task.client_id == client.id
    assert task.external_ref == "ical:zvit-1@example.com"
    assert task.status is TaskStatus.IN_PROGRESS
    (row,) = crm.tasks.executors(task)
    assert (row.employee_id, row.status, row.percent_done) == (
        iryna.id,
        ExecutorStatus.IN_PROGRESS,
        40,
    )
    reminders = {(r.before, r.anchor.value, r.channels) for r in crm.reminders.of(task)}
    assert reminders == {
        (timedelta(hours=4), "start", ("in_app",)),
        (timedelta(days=1), "end", ("email", "in_app")),
    }
    (skip,) = report.skipped
    assert skip.component == "VALARM"
    assert "after the task's start" in skip.reason


def test_a_completed_todo_without_an_employee_is_a_completed_task(crm: crmcore.CRM) -> None:
    data = calendar(
        *vtodo("done-1", "Сплатити оренду", "DUE;VALUE=DATE:20250110", "STATUS:COMPLETED"),
        "END:VTODO",
    )

    crm.calendar.import_ics(data)

    (task,) = stored_tasks(crm)
    assert task.status is TaskStatus.COMPLETED
    assert crm.tasks.executors(task) == []
    kyiv = ZoneInfo("Europe/Kyiv")
    # A DUE date is the whole day, where the tasks are planned.
    assert task.planned_end.astimezone(kyiv) == datetime(2025, 1, 11, tzinfo=kyiv)
    assert task.planned_start.astimezone(kyiv) == datetime(2025, 1, 10, tzinfo=kyiv)


def test_a_repeating_todo_makes_tasks_for_its_overrides(crm: crmcore.CRM, iryna: Any) -> None:
    data = calendar(
        *vtodo(
            "weekly-1",
            "Планёрка",
            "DTSTART;TZID=Europe/Kyiv:20250203T090000",
            "DUE;TZID=Europe/Kyiv:20250203T100000",
            "RRULE:FREQ=WEEKLY;COUNT=6",
            "EXDATE;TZID=Europe/Kyiv:20250217T090000",
        ),
        "END:VTODO",
        *vtodo(
            "weekly-1",
            "Планёрка (перенесена)",
            "RECURRENCE-ID;TZID=Europe/Kyiv:20250210T090000",
            "DTSTART;TZID=Europe/Kyiv:20250211T150000",
            "DUE;TZID=Europe/Kyiv:20250211T160000",
            "STATUS:COMPLETED",
        ),
        "END:VTODO",
        *vtodo("weekly-1", "Не та", "RECURRENCE-ID;TZID=Europe/Kyiv:20250212T090000"),
        "END:VTODO",
    )

    report = crm.calendar.import_ics(data, employee=iryna)

    first, moved = stored_tasks(crm)
    assert report.tasks == (first.id, moved.id)
    assert moved.name == "Планёрка (перенесена)"
    kyiv = ZoneInfo("Europe/Kyiv")
    assert moved.planned_start.astimezone(kyiv) == datetime(2025, 2, 11, 15, tzinfo=kyiv)
    assert moved.occurrence == datetime(2025, 2, 10, 9, tzinfo=kyiv)
    assert moved.status is TaskStatus.COMPLETED
    assert first.status is TaskStatus.ASSIGNED
    series = crm.tasks.series(first)
    assert series is not None
    assert series.exceptions == (datetime(2025, 2, 17, 7, tzinfo=UTC),)
    assert reasons(report) == [
        ("VTODO", "RECURRENCE-ID 2025-02-12T09:00:00+02:00 is no occurrence of the rule")
    ]
    # The rest come from the series as usual; the one the file made is not made twice.
    made = crm.tasks.materialise(now=datetime(2025, 3, 31, tzinfo=UTC))
    assert [t.occurrence for t in made] == [
        datetime(2025, 2, 24, 7, tzinfo=UTC),
        datetime(2025, 3, 3, 7, tzinfo=UTC),
        datetime(2025, 3, 10, 7, tzinfo=UTC),
    ]


def test_what_crmcore_cannot_use_is_reported_and_the_rest_imported(
    crm: crmcore.CRM, iryna: Any
) -> None:
    long_uid = "x" * 3000
    data = calendar(
        *vtodo(
            "setpos-1",
            "Останній робочий день",
            "DTSTART:20250131T090000Z",
            "DUE:20250131T100000Z",
            "RRULE:FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1",
        ),
        "END:VTODO",
        *vtodo(
            "backwards-1",
            "Кінець раніше початку",
            "DTSTART:20250210T090000Z",
            "DUE:20250201T090000Z",
        ),
        "END:VTODO",
        "BEGIN:VEVENT",
        f"UID:{long_uid}",
        "DTSTART:20250105T100000Z",
        "SUMMARY:Зустріч\\nз бухгалтером",
        "END:VEVENT",
        "BEGIN:VEVENT",
        "UID:cancelled-1",
        "DTSTART:20250106T100000Z",
        "STATUS:CANCELLED",
        "SUMMARY:Скасована",
        "END:VEVENT",
        "BEGIN:VEVENT",
        "UID:dup-1",
        "DTSTART:20250107T100000Z",
        "SUMMARY:Перша",
        "END:VEVENT",
        "BEGIN:VEVENT",
        "UID:dup-1",
        "DTSTART:20250108T100000Z",
        "SUMMARY:Друга",
        "END:VEVENT",
        *vtodo("year-1", "Давнина", "DUE;TZID=Europe/Kyiv:00010101T000000"),
        "END:VTODO",
        "BEGIN:VJOURNAL",
        "UID:journal-1",
        "END:VJOURNAL",
        "BEGIN:VEVENT",
        "UID:no-date",
        "SUMMARY:Без дати",
        "END:VEVENT",
    )

    report = crm.calendar.import_ics(data, employee=iryna)

    assert len(report.tasks) == 2
    assert len(report.events) == 2
    setpos, backwards = sorted(stored_tasks(crm), key=lambda t: t.name)[::-1]
    assert crm.tasks.series(setpos) is None
    assert backwards.planned_start == backwards.planned_end == datetime(2025, 2, 1, 9, tzinfo=UTC)
    subjects = {e.subject for e in stored_events(crm)}
    assert subjects == {"Зустріч з бухгалтером", "Перша"}
    by_uid = {(s.component, s.uid): s.reason for s in report.skipped}
    assert "BYSETPOS is not supported; imported as one task" in by_uid[("RRULE", "setpos-1")]
    assert "cancelled" in by_uid[("VEVENT", "cancelled-1")]
    assert "same UID" in by_uid[("VEVENT", "dup-1")]
    assert "journal" in by_uid[("VJOURNAL", "journal-1")]
    assert "out of the range of years" in by_uid[("VTODO", "year-1")]
    assert "DTSTART" in by_uid[("VEVENT", "no-date")]
    # The long UID is kept as a digest, and found again by it.
    again = crm.calendar.import_ics(data, employee=iryna)
    assert (again.tasks, again.events) == ((), ())


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (b"", "ics"),
        (b"<html><body>not a calendar</body></html>", "ics"),
        (b"BEGIN:VCALENDAR\r\n\x00\x01\x02END:VCALENDAR\r\n", "ics"),
        ("BEGIN:VCALENDAR\r\nSUMMARY:Зустріч\r\nEND:VCALENDAR\r\n".encode("cp1251"), "ics"),
        (
            ("BEGIN:VCALENDAR\r\n" + "BEGIN:VEVENT\r\n" * 20 + "END:VCALENDAR\r\n").encode(),
            "line 9",
        ),
    ],
    ids=["empty", "html", "binary", "not-utf8", "nested"],
)
def test_a_file_that_is_no_calendar_is_refused_and_nothing_written(
    crm: crmcore.CRM, iryna: Any, data: bytes, field: str
) -> None:
    with pytest.raises(InvalidCalendar) as refused:
        crm.calendar.import_ics(data, employee=iryna)
    assert refused.value.field == field
    assert stored_tasks(crm) == []
    assert stored_events(crm) == []


def both() -> bytes:
    return calendar(
        *vtodo("t-1", "Задача", "DUE:20250120T100000Z"),
        "END:VTODO",
        "BEGIN:VEVENT",
        "UID:e-1",
        "DTSTART:20250110T100000Z",
        "SUMMARY:Подія",
        "END:VEVENT",
    )


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"employee": "no-such-code"}, "employee"),
        ({"client": "no-such-client"}, "client"),
        ({"event_type": "НемаТакого"}, "event_type"),
        ({"expand_until": datetime(2025, 1, 1)}, "expand_until"),
    ],
)
def test_an_unknown_employee_client_or_event_type_is_refused_before_writing(
    crm: crmcore.CRM, iryna: Any, arguments: dict[str, Any], field: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        crm.calendar.import_ics(both(), **arguments)
    assert refused.value.field == field
    assert stored_tasks(crm) == []
    assert stored_events(crm) == []


@attrs.define
class RefuseSecond:
    """An access rule that lets one thing be created, and refuses the next."""

    created: int = 0

    @crmcore.hookimpl
    def crmcore_authorize(self, actor: Any, action: str, entity_kind: str, entity: Any) -> bool:
        if action == "create" and entity_kind in ("task", "event"):
            self.created += 1
            return self.created < 2
        return True


@pytest.mark.parametrize("backend_name", ["memory", "sqlite"])
def test_an_import_whose_second_item_fails_on_write_leaves_nothing(
    open_backend: Callable[[str], Callable[..., crmcore.CRM]], backend_name: str
) -> None:
    rule = RefuseSecond()
    crm = open_backend(backend_name)(clock=lambda: NOW, plugins=[rule])
    employee = crm.employees.create(code="7", name="Петрова Ірина")

    with pytest.raises(PermissionDenied):
        crm.calendar.import_ics(both(), employee=employee)

    assert rule.created == 2
    assert stored_tasks(crm) == []
    assert stored_events(crm) == []
    with crm.transaction() as uow:
        assert uow.executors.find() == []
        assert uow.reminders.find() == []


def test_an_exported_file_imported_again_creates_nothing(crm: crmcore.CRM, iryna: Any) -> None:
    start = datetime(2025, 2, 3, 9, tzinfo=UTC)
    task = crm.tasks.create("Звіт", start=start, end=start + timedelta(hours=2), executors=[iryna])
    event = crm.events.log(type="ВхЗ", subject="Дзвінок", occurred_at=start, employee=iryna)
    data = crm.calendar.export(tasks=[task], events=[event])

    report = crm.calendar.import_ics(data, employee=iryna)

    assert (report.tasks, report.events, report.updated) == ((), (), ())
    assert report.unchanged == 2
    assert [t.id for t in stored_tasks(crm)] == [task.id]


def test_a_uid_that_only_looks_like_crmcores_is_another_programs_uid(
    crm: crmcore.CRM, iryna: Any
) -> None:
    lookalike = "task-" + "f" * 35 + "-@crmcore"  # the shape of crmcore's UIDs, but no UUID
    data = calendar(*vtodo(lookalike, "Чужа задача", "DUE:20250120T100000Z"), "END:VTODO")

    (made,) = crm.calendar.import_ics(data, employee=iryna).tasks
    again = crm.calendar.import_ics(data, employee=iryna)

    assert crm.tasks.get(made).external_ref == f"ical:{lookalike}"
    assert (again.tasks, again.unchanged) == ((), 1)


def test_a_changed_file_imported_again_updates_its_tasks(crm: crmcore.CRM, iryna: Any) -> None:
    first = calendar(*vtodo("upd-1", "Чернетка", "DUE:20250120T100000Z"), "END:VTODO")
    second = calendar(
        *vtodo("upd-1", "Остаточна назва", "DUE:20250121T100000Z", "STATUS:COMPLETED"),
        "END:VTODO",
    )
    (made,) = crm.calendar.import_ics(first, employee=iryna).tasks

    report = crm.calendar.import_ics(second, employee=iryna)

    assert report.updated == (made,)
    task = crm.tasks.get(made)
    assert task.name == "Остаточна назва"
    assert task.planned_end == datetime(2025, 1, 21, 10, tzinfo=UTC)
    assert task.status is TaskStatus.COMPLETED


def test_the_parser_reads_the_same_items_as_the_import_uses(iryna: Any) -> None:
    if not CORPUS.is_dir():
        pytest.skip(f"the shared .ics corpus is not at {CORPUS}")
    kinds = {
        path.name: sorted({item.kind for item in parse_calendar(path.read_bytes()).items})
        for path in CORPUS.glob("*.ics")
    }
    for name, (tasks, events, _) in EXPECTED.items():
        assert ("todo" in kinds[name]) == bool(tasks)
        assert ("event" in kinds[name]) == bool(events)
