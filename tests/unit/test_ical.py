"""iCalendar files: the corpus of real files, round trips, lenient reading, hostile input."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo

import attrs
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from crmcore.adapters import ical
from crmcore.adapters.ical import (
    MAX_NESTING,
    Alarm,
    CalendarItem,
    ParsedCalendar,
    Person,
    parse_calendar,
    write_calendar,
    writing,
)
from crmcore.errors import InvalidCalendar, ValidationError

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus" / "ics"
BERLIN = ZoneInfo("Europe/Berlin")
LONDON = ZoneInfo("Europe/London")
CHICAGO = ZoneInfo("America/Chicago")
MOSCOW = ZoneInfo("Europe/Moscow")
STAMP = datetime(2025, 3, 1, 8, tzinfo=UTC)


def ics(*lines: str) -> str:
    """A VCALENDAR around ``lines``, CRLF line ends."""
    head = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//test//EN"]
    return "\r\n".join([*head, *lines, "END:VCALENDAR", ""])


def event(*lines: str, uid: str = "e-1") -> list[str]:
    return ["BEGIN:VEVENT", f"UID:{uid}", *lines, "END:VEVENT"]


def zone_key(moment: object) -> str | None:
    """The IANA name of an aware datetime's zone (datetimes compare equal across zones)."""
    if isinstance(moment, datetime) and isinstance(moment.tzinfo, ZoneInfo):
        return moment.tzinfo.key
    return None


def offset(moment: object) -> timedelta | None:
    return moment.utcoffset() if isinstance(moment, datetime) else None


def only(parsed: ParsedCalendar) -> CalendarItem:
    (item,) = parsed.items
    return item


def unfolded(data: bytes) -> list[str]:
    return data.decode().replace("\r\n ", "").split("\r\n")


# ---------------------------------------------------------------- the corpus

EXPECTATIONS: dict[str, Callable[[ParsedCalendar], None]] = {}


def expects(name: str) -> Callable[[Callable[[ParsedCalendar], None]], None]:
    def register(check: Callable[[ParsedCalendar], None]) -> None:
        EXPECTATIONS[name] = check

    return register


@expects("apple-ios12-reminders-vtodo-due-absolute-trigger-alarm.ics")
def _apple_reminder(parsed: ParsedCalendar) -> None:
    todo = only(parsed)
    assert todo.kind == "todo"
    assert todo.uid == "A11D558C-3BC3-45FE-B95E-8B1F0023CB17"
    assert todo.time_zone == "America/Chicago"
    assert todo.start == todo.end == datetime(2022, 1, 18, 23, tzinfo=CHICAGO)
    assert zone_key(todo.start) == zone_key(todo.end) == "America/Chicago"
    assert todo.status == "NEEDS-ACTION"
    assert todo.alarms == (
        Alarm(action="DISPLAY", at=datetime(2022, 1, 19, 5, tzinfo=UTC), description="Reminder"),
    )
    assert parsed.product == "-//Apple Inc.//iOS 12.1//EN"


@expects("exchange-2010-allday-biweekly-until-exdate-windows-tzid.ics")
def _exchange(parsed: ParsedCalendar) -> None:
    series, edited, meeting = parsed.items
    assert (series.uid, series.summary, series.sequence) == ("111", "test123", 3)
    assert series.all_day
    assert series.time_zone is None
    assert (series.start, series.end) == (date(2024, 7, 1), date(2024, 7, 8))
    # Exchange wrote the London midnight of the last day in UTC: that day is kept.
    assert series.rrule == "FREQ=WEEKLY;UNTIL=20240729;INTERVAL=2;BYDAY=MO;WKST=MO"
    # Given as a TZID date-time on an all-day series: the date it names.
    assert series.exdates == (date(2024, 7, 15),)
    assert type(series.exdates[0]) is date
    assert edited.uid == (
        "040000008200E00074C5B7101A82E00800000000C41E94C5B4F3DA01000000000000000"
        "0100000007EA1D0AA9DB96545A536FABC0B0C1F5A"
    )
    assert edited.summary == "test123 - edited event!!!!"
    # "GMT Standard Time" is Windows' name for London.
    assert meeting.time_zone == "Europe/London"
    assert meeting.start == datetime(2024, 10, 4, 18, 30, tzinfo=LONDON)
    assert zone_key(meeting.start) == "Europe/London"
    assert offset(meeting.start) == timedelta(hours=1)
    assert meeting.end == datetime(2024, 10, 4, 19, tzinfo=LONDON)
    assert (meeting.description, meeting.location, meeting.priority) == ("\n", "", 5)
    assert (parsed.product, parsed.name) == ("Microsoft Exchange Server 2010", "Kalender")


@expects("google-calendar-event-4-valarms-email-display.ics")
def _google_alarms(parsed: ParsedCalendar) -> None:
    meeting = only(parsed)
    assert meeting.start == datetime(2024, 10, 4, 18, 15, tzinfo=UTC)
    assert meeting.time_zone is None
    assert [(alarm.action, alarm.before) for alarm in meeting.alarms] == [
        ("DISPLAY", timedelta(minutes=10)),  # written -P0DT0H10M0S
        ("DISPLAY", timedelta(minutes=14)),
        ("EMAIL", timedelta(minutes=15)),
        ("DISPLAY", timedelta(minutes=15)),
    ]
    assert {(alarm.related, alarm.at) for alarm in meeting.alarms} == {("start", None)}
    assert meeting.alarms[2].description == "This is an event reminder"
    assert parsed.name == "Nicco Kunzmann"


@expects("google-calendar-monthly-last-friday-recurrence-id-override.ics")
def _google_override(parsed: ParsedCalendar) -> None:
    # The file has the override first; the series comes first here.
    master, override = parsed.items
    assert master.rrule == "FREQ=MONTHLY;BYDAY=-1FR"
    assert master.recurrence_id is None
    assert master.start == master.end == datetime(2021, 11, 26, 21, 30, tzinfo=BERLIN)
    assert override.uid == master.uid == "38m812jicsrer5gorh3mlp7qhc@google.com"
    assert override.recurrence_id == datetime(2021, 12, 31, 21, 30, tzinfo=BERLIN)
    assert zone_key(override.recurrence_id) == "Europe/Berlin"
    assert override.start == datetime(2021, 12, 17, 21, 30, tzinfo=BERLIN)
    assert (override.end, override.rrule, override.sequence) == (None, None, 3)
    assert master.description == (
        'Jeden letzten Freitag im Monat <a href="https://www.instagram.com/p/CWwxmqbKXsC/">'
        "https://www.instagram.com/p/CWwxmqbKXsC/</a>"
    )


@expects("google-takeout-primary-allday-yearly-birthday-attendees-no-final-newline.ics")
def _google_takeout(parsed: ParsedCalendar) -> None:
    assert len(parsed.items) == 5
    by_uid = {item.uid: item for item in parsed.items}
    birthday = by_uid["v15jbfn2fvi2l0a79re9ejmfcg@google.com"]
    assert birthday.summary == "Herzlichen Glückwunsch zum Geburtstag!"
    assert birthday.all_day
    assert (birthday.start, birthday.end) == (
        date(2024, 4, 13),
        date(2024, 4, 14),
    )
    assert birthday.rrule == "FREQ=YEARLY"
    # P0DT9H0M0S: nine hours after the start of the day, so "before" is negative.
    assert birthday.alarms == (
        Alarm(
            action="DISPLAY", before=-timedelta(hours=9), description="This is an event reminder"
        ),
    )
    meeting = by_uid["a8e5ef04-4b2e-4371-8929-049f63114667"]
    assert meeting.organizer == Person(email="karin@audriga.com", name="Karin Tran")
    assert meeting.attendees == (
        Person(
            email="audriga.test.readonly@gmail.com",
            name="audriga.test.readonly@gmail.com",
            role="OPT-PARTICIPANT",
            status="NEEDS-ACTION",
        ),
        Person(
            email="karin@audriga.com",
            name="Karin Tran",
            role="REQ-PARTICIPANT",
            status="NEEDS-ACTION",
        ),
    )
    assert meeting.start == datetime(2024, 12, 12, 13, tzinfo=UTC)


@expects("minimal-broken-stray-X-line-no-prodid.ics")
def _stray_line(parsed: ParsedCalendar) -> None:
    broken = only(parsed)
    assert re.fullmatch(r"generated-[0-9a-f]{64}", broken.uid)
    assert broken.summary == "Broken Eevnt"
    assert broken.start == datetime(2014, 4, 1, tzinfo=UTC)
    (stray,) = parsed.skipped
    assert (stray.component, stray.uid) == ("line 13", "")
    assert "'X'" in stray.reason
    assert parsed.product == ""


@expects("nextcloud-calendar-app-allday-yearly-valarm-escaped-comma.ics")
def _nextcloud_app(parsed: ParsedCalendar) -> None:
    holiday = only(parsed)
    assert holiday.location == "Some Hotel, Some Country"
    assert holiday.description == "Event with a tag, a notification\nand a recurrence."
    assert holiday.categories == ("Holiday",)
    assert holiday.all_day
    assert holiday.rrule == "FREQ=YEARLY;BYMONTH=9"
    assert holiday.alarms == (Alarm(action="DISPLAY", before=timedelta(hours=15), related="start"),)


@expects("nextcloud-sabredav-thunderbird-weekly-count8-exdate-utc.ics")
def _sabredav(parsed: ParsedCalendar) -> None:
    weekly = only(parsed)
    assert weekly.rrule == "FREQ=WEEKLY;COUNT=8"
    assert weekly.time_zone == "Europe/Berlin"
    assert weekly.start == datetime(2019, 3, 4, 0, 30, tzinfo=BERLIN)
    # 23:30 UTC on 10 March is the second occurrence, 00:30 in Berlin on 11 March.
    assert weekly.exdates == (datetime(2019, 3, 11, 0, 30, tzinfo=BERLIN),)
    assert offset(weekly.exdates[0]) == timedelta(0)
    assert parsed.name == "test"


@expects("thunderbird-daily-count10-europe-berlin.ics")
def _thunderbird_daily(parsed: ParsedCalendar) -> None:
    daily = only(parsed)
    assert daily.rrule == "FREQ=DAILY;COUNT=10"
    assert daily.time_zone == "Europe/Berlin"
    assert daily.start == datetime(2020, 1, 13, 7, 45, tzinfo=BERLIN)
    assert daily.end == datetime(2020, 1, 13, 10, tzinfo=BERLIN)
    assert zone_key(daily.start) == "Europe/Berlin"


@expects("thunderbird-event-2-valarms-huge-historic-vtimezone-europe-london.ics")
def _thunderbird_alarms(parsed: ParsedCalendar) -> None:
    meeting = only(parsed)
    assert meeting.time_zone == "Europe/London"
    assert meeting.start == datetime(2024, 10, 23, 15, tzinfo=LONDON)
    assert offset(meeting.start) == timedelta(hours=1)
    assert [alarm.before for alarm in meeting.alarms] == [
        timedelta(minutes=15),
        timedelta(minutes=45),
    ]


@expects("thunderbird-recurring-vtodo-completed-instance-percent-complete-100.ics")
def _thunderbird_todo(parsed: ParsedCalendar) -> None:
    master, done = parsed.items
    assert (master.kind, master.rrule, master.status) == ("todo", "FREQ=DAILY", "")
    assert master.start == master.end == datetime(2020, 12, 20, 17, tzinfo=CHICAGO)
    assert done.uid == master.uid
    assert done.recurrence_id == datetime(2020, 12, 20, 17, tzinfo=CHICAGO)
    assert (done.status, done.percent_complete, done.sequence) == ("COMPLETED", 100, 1)
    assert done.completed == datetime(2020, 12, 20, 22, 1, 39, tzinfo=UTC)


@expects("utf8-bom-empty-vcalendar.ics")
def _empty(parsed: ParsedCalendar) -> None:
    assert parsed == ParsedCalendar(items=(), skipped=())


def _corpus() -> list[object]:
    if not CORPUS.is_dir():
        reason = f"the corpus of real calendar files is not at {CORPUS}"
        return [pytest.param(None, marks=pytest.mark.skip(reason=reason), id="no-corpus")]
    return [pytest.param(path, id=path.name) for path in sorted(CORPUS.glob("*.ics"))]


def assert_sane(parsed: ParsedCalendar) -> None:
    for item in parsed.items:
        assert item.uid
        assert item.kind in ("todo", "event")
        moments = [item.start, item.end, item.recurrence_id, *item.exdates]
        moments += [item.completed, item.last_modified, *(alarm.at for alarm in item.alarms)]
        for moment in moments:
            if isinstance(moment, datetime):
                assert moment.utcoffset() is not None, item
    for skipped in parsed.skipped:
        assert skipped.component
        assert skipped.reason


@pytest.mark.parametrize("path", _corpus())
def test_every_corpus_file_is_read_as_its_expectations_say(path: Path) -> None:
    check = EXPECTATIONS.get(path.name)
    if check is None:
        pytest.fail(f"{path.name} is new in the corpus: add what it must give to EXPECTATIONS")
    parsed = parse_calendar(path.read_bytes())
    assert_sane(parsed)
    check(parsed)


def test_every_expectation_has_its_corpus_file() -> None:
    if not CORPUS.is_dir():
        pytest.skip(f"the corpus of real calendar files is not at {CORPUS}")
    assert set(EXPECTATIONS) == {path.name for path in CORPUS.glob("*.ics")}


def _as_written(item: CalendarItem) -> CalendarItem:
    """The item as it reads back: DISPLAY and EMAIL alarms need a description."""
    alarms = tuple(
        attrs.evolve(alarm, description=item.summary or "Reminder")
        if alarm.action in ("DISPLAY", "EMAIL") and not alarm.description
        else alarm
        for alarm in item.alarms
    )
    return attrs.evolve(item, alarms=alarms)


@pytest.mark.parametrize("path", _corpus())
def test_corpus_items_read_back_the_same_after_writing(path: Path) -> None:
    items = parse_calendar(path.read_bytes()).items
    again = parse_calendar(write_calendar(items, stamp=STAMP)).items
    assert again == tuple(_as_written(item) for item in items)
    assert [zone_key(item.start) for item in again] == [zone_key(item.start) for item in items]


# ---------------------------------------------------------------- round trips

ITEMS = (
    CalendarItem(
        kind="todo",
        uid="task-1@crm.example",
        summary="Подготовить договор; срочно, к пятнице",
        description="Строка 1\nСтрока 2 с \\ обратной косой\n\nи пустой строкой",
        location="Москва, ул. Тверская, д. 1",
        start=datetime(2025, 3, 3, 9, tzinfo=MOSCOW),
        end=datetime(2025, 3, 7, 18, tzinfo=MOSCOW),
        time_zone="Europe/Moscow",
        status="IN-PROCESS",
        percent_complete=40,
        priority=1,
        categories=("Договоры", "Отдел продаж, Москва"),
        organizer=Person(email="ivanov@example.com", name="Иванов Пётр", role="CHAIR"),
        attendees=(
            Person(
                email="petrova@example.com",
                name="Петрова Ірина",
                role="REQ-PARTICIPANT",
                status="NEEDS-ACTION",
            ),
            Person(email="", name="Гость без адреса", status="ACCEPTED"),
        ),
        alarms=(
            Alarm(action="DISPLAY", before=timedelta(minutes=30), description="Договор!"),
            Alarm(action="EMAIL", before=-timedelta(hours=1), related="end", description="Срок"),
            Alarm(action="AUDIO", at=datetime(2025, 3, 7, 12, tzinfo=UTC)),
        ),
        sequence=3,
        last_modified=datetime(2025, 3, 1, 8, 15, 30, tzinfo=UTC),
        url="https://crm.example/tasks/1?tab=main&view=full",
        related_to="project-7@crm.example",
    ),
    CalendarItem(
        kind="event",
        uid="vacation@crm.example",
        summary="Отпуск",
        start=date(2025, 7, 1),
        end=date(2025, 7, 15),
        all_day=True,
        rrule="FREQ=YEARLY;UNTIL=20300701",
        exdates=(date(2026, 7, 1), date(2027, 7, 1)),
        status="CONFIRMED",
        priority=0,
    ),
    CalendarItem(
        kind="event",
        uid="standup@crm.example",
        summary="Планёрка",
        start=datetime(2025, 3, 31, 10, tzinfo=BERLIN),
        end=datetime(2025, 3, 31, 10, 15, tzinfo=BERLIN),
        time_zone="Europe/Berlin",
        rrule="FREQ=WEEKLY;UNTIL=20251231T230000Z;BYDAY=MO,WE",
        exdates=(datetime(2025, 4, 2, 10, tzinfo=BERLIN), datetime(2025, 4, 7, 8, tzinfo=UTC)),
        alarms=(Alarm(action="DISPLAY", before=timedelta(0), description="Сейчас"),),
        status="TENTATIVE",
    ),
    CalendarItem(kind="todo", uid="someday@crm.example", summary="Без сроков"),
    CalendarItem(
        kind="event",
        uid="call@crm.example",
        start=datetime(2025, 5, 5, 12, 30, 15, tzinfo=UTC),
        end=datetime(2025, 5, 5, 13, tzinfo=UTC),
        status="CANCELLED",
    ),
    CalendarItem(
        kind="todo",
        uid="task-1@crm.example",
        summary="Подготовить договор",
        start=datetime(2025, 3, 3, 9, tzinfo=MOSCOW),
        end=datetime(2025, 3, 7, 18, tzinfo=MOSCOW),
        time_zone="Europe/Moscow",
        recurrence_id=datetime(2025, 3, 3, 9, tzinfo=MOSCOW),
        status="COMPLETED",
        percent_complete=100,
        completed=datetime(2025, 3, 6, 16, 45, tzinfo=MOSCOW),
    ),
)


def test_items_covering_every_field_read_back_equal_after_writing() -> None:
    data = write_calendar(ITEMS, name="Отдел продаж", stamp=STAMP)
    parsed = parse_calendar(data)
    assert parsed.items == ITEMS
    assert parsed.skipped == ()
    assert (parsed.product, parsed.name) == (ical.DEFAULT_PRODUCT, "Отдел продаж")
    for written, read in zip(ITEMS, parsed.items, strict=True):
        assert zone_key(read.start) == written.time_zone


def test_written_file_is_folded_crlf_icalendar_with_zones_and_parameters() -> None:
    data = write_calendar(ITEMS, name="Отдел продаж", method="publish", stamp=STAMP)
    assert data.endswith(b"\r\n")
    physical = data.split(b"\r\n")[:-1]
    assert all(len(line) <= 75 and b"\n" not in line and b"\r" not in line for line in physical)
    lines = unfolded(data)
    assert lines[:1] == ["BEGIN:VCALENDAR"]
    for expected in (
        "VERSION:2.0",
        f"PRODID:{ical.DEFAULT_PRODUCT}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "X-WR-CALNAME:Отдел продаж",
        "TZID:Europe/Moscow",
        "TZID:Europe/Berlin",
        "DTSTART;TZID=Europe/Moscow:20250303T090000",
        "DUE;TZID=Europe/Moscow:20250307T180000",
        "DTSTART;VALUE=DATE:20250701",
        "EXDATE;VALUE=DATE:20260701,20270701",
        "EXDATE;TZID=Europe/Berlin:20250402T100000,20250407T100000",
        "RECURRENCE-ID;TZID=Europe/Moscow:20250303T090000",
        "DTSTART:20250505T123015Z",
        "DTSTAMP:20250301T080000Z",
        "COMPLETED:20250306T134500Z",
        "TRIGGER;RELATED=END:PT1H",
        "TRIGGER;VALUE=DATE-TIME:20250307T120000Z",
        "SUMMARY:Подготовить договор\\; срочно\\, к пятнице",
        "CATEGORIES:Договоры,Отдел продаж\\, Москва",
        "RELATED-TO:project-7@crm.example",
        "URL:https://crm.example/tasks/1?tab=main&view=full",
    ):
        assert expected in lines
    assert sum(line.startswith("BEGIN:VTIMEZONE") for line in lines) == 2
    attendee = next(line for line in lines if "petrova@example.com" in line)
    assert attendee.startswith("ATTENDEE;")
    assert attendee.endswith(":mailto:petrova@example.com")
    assert 'CN="Петрова Ірина"' in attendee or "CN=Петрова Ірина" in attendee
    assert "ROLE=REQ-PARTICIPANT" in attendee
    assert "PARTSTAT=NEEDS-ACTION" in attendee


def test_writing_the_same_items_with_a_stamp_gives_the_same_bytes() -> None:
    assert write_calendar(ITEMS, stamp=STAMP) == write_calendar(ITEMS, stamp=STAMP)


def test_dtstamp_is_the_stamp_else_last_modified_else_now() -> None:
    changed = CalendarItem(kind="todo", uid="a", last_modified=datetime(2024, 1, 2, tzinfo=UTC))
    plain = CalendarItem(kind="todo", uid="b")
    assert "DTSTAMP:20250301T080000Z" in unfolded(write_calendar([changed], stamp=STAMP))
    assert "DTSTAMP:20240102T000000Z" in unfolded(write_calendar([changed]))
    before = datetime.now(UTC).replace(microsecond=0)
    (stamp,) = [line for line in unfolded(write_calendar([plain])) if line.startswith("DTSTAMP")]
    written = datetime.strptime(stamp, "DTSTAMP:%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    assert before <= written <= datetime.now(UTC)


def test_display_and_email_alarms_without_description_get_the_summary() -> None:
    item = CalendarItem(
        kind="event",
        uid="a",
        summary="Звонок клиенту",
        start=datetime(2025, 1, 1, 9, tzinfo=UTC),
        alarms=(
            Alarm(action="DISPLAY", before=timedelta(minutes=5)),
            Alarm(action="EMAIL", before=timedelta(minutes=10)),
            Alarm(action="AUDIO", before=timedelta(minutes=1)),
        ),
    )
    alarms = only(parse_calendar(write_calendar([item], stamp=STAMP))).alarms
    assert [alarm.description for alarm in alarms] == ["Звонок клиенту", "Звонок клиенту", ""]
    assert "SUMMARY:Звонок клиенту" in unfolded(write_calendar([item], stamp=STAMP))


def test_without_vtimezone_support_times_are_written_in_utc(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(writing, "_WRITES_TIME_ZONES", False)
    data = write_calendar(ITEMS, stamp=STAMP)
    lines = unfolded(data)
    assert not any(line.startswith(("BEGIN:VTIMEZONE", "TZID", "DTSTART;TZID")) for line in lines)
    assert "DTSTART:20250303T060000Z" in lines
    read = parse_calendar(data).items
    assert read == tuple(attrs.evolve(item, time_zone=None) for item in ITEMS)


def test_a_hostile_summary_reads_back_as_the_same_text_and_adds_no_component() -> None:
    hostile = "Встреча\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:evil\r\nEND:VCALENDAR\rX"
    item = CalendarItem(
        kind="event",
        uid="a",
        summary=hostile,
        description=hostile,
        location=hostile,
        start=datetime(2025, 1, 1, tzinfo=UTC),
    )
    # iCalendar has one line break, so CR LF and a lone CR are kept as "\n".
    assert item.summary == "Встреча\nEND:VEVENT\nBEGIN:VEVENT\nUID:evil\nEND:VCALENDAR\nX"
    data = write_calendar([item], stamp=STAMP)
    lines = unfolded(data)
    assert lines.count("BEGIN:VEVENT") == lines.count("END:VEVENT") == 1
    assert lines.count("END:VCALENDAR") == 1
    assert "UID:evil" not in lines
    parsed = parse_calendar(data)
    assert parsed.items == (item,)
    assert parsed.skipped == ()


def test_hostile_names_urls_and_uids_are_refused_rather_than_written() -> None:
    with pytest.raises(ValidationError) as refused:
        CalendarItem(kind="todo", uid="a\r\nEND:VTODO")
    assert refused.value.field == "uid"
    with pytest.raises(ValidationError) as refused:
        CalendarItem(kind="todo", uid="a", url="https://x.example/\r\nBEGIN:VTODO")
    assert refused.value.field == "url"
    with pytest.raises(ValidationError) as refused:
        Person(email="a@b.example", name="Иван\nEND:VEVENT")
    assert refused.value.field == "name"
    with pytest.raises(ValidationError) as refused:
        write_calendar([], name="Календарь\r\nEND:VCALENDAR")
    assert refused.value.field == "name"


# ---------------------------------------------------------------- hypothesis

_FORBIDDEN = "".join(map(chr, [*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F]))
TEXT = st.text(st.characters(exclude_categories=["Cs"], exclude_characters=_FORBIDDEN))
ZONES = (
    "Europe/Moscow",
    "Europe/Berlin",
    "America/New_York",
    "Asia/Kathmandu",
    "Australia/Lord_Howe",
)


def _unique_wall_clock(moment: datetime, zone: tzinfo) -> bool:
    """Whether the local time of ``moment`` in ``zone`` names only that instant."""
    local = moment.astimezone(zone)
    return local.replace(fold=0).astimezone(UTC) == local.replace(fold=1).astimezone(UTC)


@settings(max_examples=60, deadline=None)
@given(
    summary=TEXT,
    description=TEXT,
    location=TEXT,
    start=st.datetimes(
        min_value=datetime(1900, 1, 1),
        max_value=datetime(2200, 12, 31),
        timezones=st.sampled_from([UTC, *map(ZoneInfo, ZONES)]),
    )
    .map(lambda moment: moment.replace(microsecond=0))
    # A wall time a clock change repeats or skips never equals an instant
    # of another zone in Python's comparison (PEP 495), so leave those out.
    .filter(lambda moment: moment.replace(fold=1).utcoffset() == moment.utcoffset()),
    length=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=400)),
    time_zone=st.none() | st.sampled_from(ZONES),
    kind=st.sampled_from(["todo", "event"]),
)
def test_any_text_and_aware_times_read_back_equal_after_writing(
    summary: str,
    description: str,
    location: str,
    start: datetime,
    length: timedelta,
    time_zone: str | None,
    kind: str,
) -> None:
    end = start + timedelta(seconds=length // timedelta(seconds=1))
    if time_zone is not None:
        # A local time repeated by a DST change cannot say which one it means.
        assume(all(_unique_wall_clock(moment, ZoneInfo(time_zone)) for moment in (start, end)))
    item = CalendarItem(
        kind=kind,
        uid="hypothesis@crm.example",
        summary=summary,
        description=description,
        location=location,
        start=start,
        end=end,
        time_zone=time_zone,
    )
    parsed = parse_calendar(write_calendar([item], stamp=STAMP))
    assert parsed.items == (item,)
    assert zone_key(parsed.items[0].start) == time_zone


# ---------------------------------------------------------------- reading


def test_line_ends_folding_and_escapes_are_read_alike() -> None:
    crlf = ics(
        *event(
            "SUMMARY:Счёт\\, акт\\; накладная\\nвторая строка\\Nтретья \\\\ конец",
            "DESCRIPTION:сложенная",
            "\tстрока, продолжение",
            " и ещё",
            "DTSTART:20250101T090000Z",
        )
    )
    expected = only(parse_calendar(crlf))
    assert expected.summary == "Счёт, акт; накладная\nвторая строка\nтретья \\ конец"
    assert expected.description == "сложеннаястрока, продолжениеи ещё"
    for variant in (
        crlf.replace("\r\n", "\n"),
        crlf.replace("\r\n", "\r"),
        crlf.rstrip("\r\n"),
        "\ufeff" + crlf,
        crlf.encode(),
        b"\xef\xbb\xbf" + crlf.encode(),
    ):
        assert only(parse_calendar(variant)) == expected


def test_floating_times_are_read_in_the_default_time_zone() -> None:
    data = ics(*event("DTSTART:20250301T090000", "DTEND:20250301T100000"))
    meeting = only(parse_calendar(data, default_time_zone="Europe/Moscow"))
    assert meeting.start == datetime(2025, 3, 1, 9, tzinfo=MOSCOW)
    assert zone_key(meeting.start) == "Europe/Moscow"
    assert meeting.time_zone is None
    assert only(parse_calendar(data)).start == datetime(2025, 3, 1, 9, tzinfo=UTC)


def test_unknown_tzid_falls_back_to_the_rules_of_its_vtimezone() -> None:
    data = ics(
        "BEGIN:VTIMEZONE",
        "TZID:Company Time",
        "BEGIN:STANDARD",
        "DTSTART:19701025T030000",
        "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU",
        "TZOFFSETFROM:+0400",
        "TZOFFSETTO:+0300",
        "END:STANDARD",
        "BEGIN:DAYLIGHT",
        "DTSTART:19700329T020000",
        "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU",
        "TZOFFSETFROM:+0300",
        "TZOFFSETTO:+0400",
        "END:DAYLIGHT",
        "END:VTIMEZONE",
        *event("DTSTART;TZID=Company Time:20250115T120000", uid="winter"),
        *event("DTSTART;TZID=Company Time:20250715T120000", uid="summer"),
    )
    winter, summer = parse_calendar(data).items
    assert winter.start == datetime(2025, 1, 15, 9, tzinfo=UTC)
    assert summer.start == datetime(2025, 7, 15, 8, tzinfo=UTC)
    assert winter.time_zone is summer.time_zone is None


@pytest.mark.parametrize(
    ("tzid", "extra", "expected"),
    [
        ("/mozilla.org/20050126_1/Europe/Berlin", [], "Europe/Berlin"),
        ("W. Europe Standard Time", [], "Europe/Berlin"),
        ("Russian Standard Time", [], "Europe/Moscow"),
        (
            "Office",
            ["BEGIN:VTIMEZONE", "TZID:Office", "X-LIC-LOCATION:Europe/Berlin"],
            "Europe/Berlin",
        ),
    ],
)
def test_tzids_that_name_an_iana_zone_indirectly_are_resolved(
    tzid: str, extra: list[str], expected: str
) -> None:
    closing = ["END:VTIMEZONE"] if extra else []
    data = ics(*extra, *closing, *event(f"DTSTART;TZID={tzid}:20250115T120000"))
    meeting = only(parse_calendar(data))
    assert meeting.time_zone == expected
    assert meeting.start == datetime(2025, 1, 15, 12, tzinfo=ZoneInfo(expected))


@pytest.mark.parametrize(
    "observance",
    [
        # Rules that would expand every second are not evaluated.
        [
            "DTSTART:19700101T000000",
            "RRULE:FREQ=SECONDLY",
            "TZOFFSETFROM:+0300",
            "TZOFFSETTO:+0300",
        ],
        # An offset of a day or more is not an offset.
        ["DTSTART:19700101T000000", "TZOFFSETFROM:+2400", "TZOFFSETTO:+2400"],
        ["DTSTART:19700101T000000", "TZOFFSETFROM:soon", "TZOFFSETTO:+0300"],
    ],
)
def test_unusable_vtimezone_rules_fall_back_to_the_default_zone(observance: list[str]) -> None:
    data = ics(
        "BEGIN:VTIMEZONE",
        "TZID:Odd",
        "BEGIN:STANDARD",
        *observance,
        "END:STANDARD",
        "END:VTIMEZONE",
        *event("DTSTART;TZID=Odd:20250115T120000"),
    )
    meeting = only(parse_calendar(data, default_time_zone="Europe/Moscow"))
    assert meeting.start == datetime(2025, 1, 15, 12, tzinfo=MOSCOW)


def test_unknown_tzid_without_vtimezone_is_read_in_the_default_zone() -> None:
    data = ics(*event("DTSTART;TZID=Nowhere Standard Time:20250115T120000"))
    meeting = only(parse_calendar(data, default_time_zone="Europe/Moscow"))
    assert meeting.start == datetime(2025, 1, 15, 12, tzinfo=MOSCOW)
    assert meeting.time_zone is None


def test_duration_gives_the_end_counting_days_on_the_calendar() -> None:
    data = ics(
        # 30 March 2025 is 23 hours long in Berlin.
        *event("DTSTART;TZID=Europe/Berlin:20250329T120000", "DURATION:P1DT1H", uid="dst"),
        *event("DTSTART;VALUE=DATE:20250301", "DURATION:P3D", uid="days"),
        "BEGIN:VTODO",
        "UID:todo",
        "DTSTART:20250301T090000Z",
        "DURATION:PT90M",
        "END:VTODO",
    )
    dst, days, todo = parse_calendar(data).items
    assert dst.end == datetime(2025, 3, 30, 13, tzinfo=BERLIN)
    assert (days.end, days.all_day) == (date(2025, 3, 4), True)
    assert todo.end == datetime(2025, 3, 1, 10, 30, tzinfo=UTC)


def test_exdates_from_several_properties_and_values_keep_their_kind() -> None:
    data = ics(
        *event(
            "DTSTART;TZID=Europe/Berlin:20250106T090000",
            "RRULE:FREQ=DAILY;UNTIL=20250131T090000",
            "EXDATE;TZID=Europe/Berlin:20250107T090000,20250108T090000",
            "EXDATE:20250109T080000Z",
            "EXDATE;VALUE=DATE:20250110",
        )
    )
    series = only(parse_calendar(data))
    assert series.exdates == (
        datetime(2025, 1, 7, 9, tzinfo=BERLIN),
        datetime(2025, 1, 8, 9, tzinfo=BERLIN),
        datetime(2025, 1, 9, 9, tzinfo=BERLIN),
        date(2025, 1, 10),
    )
    assert [zone_key(moment) for moment in series.exdates[:2]] == ["Europe/Berlin"] * 2
    # The floating UNTIL is in the zone of DTSTART, kept in UTC.
    assert series.rrule == "FREQ=DAILY;UNTIL=20250131T080000Z"


def test_an_override_before_its_master_comes_after_it() -> None:
    data = ics(
        *event("RECURRENCE-ID:20250108T090000Z", "DTSTART:20250108T110000Z", uid="s"),
        *event("DTSTART:20250106T090000Z", "RRULE:FREQ=DAILY;COUNT=5", uid="s"),
        *event("DTSTART:20250301T090000Z", uid="other"),
    )
    master, other, override = parse_calendar(data).items
    assert (master.rrule, other.uid) == ("FREQ=DAILY;COUNT=5", "other")
    assert override.recurrence_id == datetime(2025, 1, 8, 9, tzinfo=UTC)


def test_a_todo_needs_no_dates_but_an_event_does() -> None:
    data = ics(
        "BEGIN:VTODO",
        "UID:t",
        "SUMMARY:Когда-нибудь",
        "END:VTODO",
        *event("SUMMARY:Без даты", uid="e"),
        *event("DTEND:20250101T100000Z", uid="end-only"),
    )
    parsed = parse_calendar(data)
    assert [(item.uid, item.start, item.end) for item in parsed.items] == [
        ("t", None, None),
        ("end-only", None, datetime(2025, 1, 1, 10, tzinfo=UTC)),
    ]
    (skipped,) = parsed.skipped
    assert (skipped.component, skipped.uid) == ("VEVENT", "e")
    assert "DTSTART" in skipped.reason


def test_components_without_uid_get_a_stable_uid_from_their_content() -> None:
    def one(*lines: str) -> str:
        return only(parse_calendar(ics("BEGIN:VEVENT", *lines, "END:VEVENT"))).uid

    first = one("DTSTAMP:20250101T000000Z", "DTSTART:20250301T090000Z", "SUMMARY:A")
    assert first.startswith("generated-")
    assert one("DTSTAMP:20260101T000000Z", "DTSTART:20250301T090000Z", "SUMMARY:A") == first
    assert one("DTSTAMP:20250101T000000Z", "DTSTART:20250301T090000Z", "SUMMARY:B") != first


def test_components_that_are_not_events_or_todos_are_reported() -> None:
    data = ics(
        "BEGIN:VJOURNAL",
        "UID:j",
        "END:VJOURNAL",
        "BEGIN:VFREEBUSY",
        "UID:f",
        "END:VFREEBUSY",
        "BEGIN:VAVAILABILITY",
        "BEGIN:AVAILABLE",
        "END:AVAILABLE",
        "END:VAVAILABILITY",
        "BEGIN:X-CUSTOM",
        "END:X-CUSTOM",
        *event("DTSTART:20250101T000000Z"),
    )
    parsed = parse_calendar(data)
    assert [item.uid for item in parsed.items] == ["e-1"]
    assert [(s.component, s.uid) for s in parsed.skipped] == [
        ("VJOURNAL", "j"),
        ("VFREEBUSY", "f"),
        ("VAVAILABILITY", ""),
        ("X-CUSTOM", ""),
    ]
    assert "journal" in parsed.skipped[0].reason
    assert "free/busy" in parsed.skipped[1].reason


@pytest.mark.parametrize(
    ("line", "named"),
    [
        ("DTSTART:2024-13-45", "DTSTART"),
        ("DTSTART:20241345T000000Z", "DTSTART"),
        ("DTEND;TZID=Europe/Berlin:tomorrow", "DTEND"),
        ("RRULE:FREQ=SOMETIMES", "RRULE"),
        ("RRULE:BYDAY=MO", "RRULE"),
        ("EXDATE:20250101T000000Z,never", "EXDATE"),
        ("PERCENT-COMPLETE:150", "PERCENT-COMPLETE"),
        ("PRIORITY:high", "PRIORITY"),
        ("SEQUENCE:-1", "SEQUENCE"),
        ("DURATION:forever", "DURATION"),
    ],
)
def test_an_unreadable_value_skips_its_item_naming_property_and_value(
    line: str, named: str
) -> None:
    value = line.partition(":")[2].split(",")[-1]
    has_start = line.startswith("DTSTART")
    data = ics(
        *event(line, *([] if has_start else ["DTSTART:20250101T090000Z"]), uid="bad"),
        *event("DTSTART:20250101T090000Z", uid="good"),
    )
    parsed = parse_calendar(data)
    assert [item.uid for item in parsed.items] == ["good"]
    (skipped,) = parsed.skipped
    assert (skipped.component, skipped.uid) == ("VEVENT", "bad")
    assert skipped.reason.startswith(named)
    assert value in skipped.reason


def test_an_unreadable_alarm_is_reported_and_its_item_still_imported() -> None:
    data = ics(
        *event(
            "DTSTART:20250101T090000Z",
            "BEGIN:VALARM",
            "ACTION:DISPLAY",
            "TRIGGER:soon",
            "END:VALARM",
            "BEGIN:VALARM",
            "TRIGGER:-PT5M",
            "END:VALARM",
            "BEGIN:VALARM",
            "ACTION:AUDIO",
            "TRIGGER;RELATED=END:PT5M",
            "END:VALARM",
        )
    )
    parsed = parse_calendar(data)
    assert only(parsed).alarms == (
        Alarm(action="AUDIO", before=-timedelta(minutes=5), related="end"),
    )
    assert [(s.component, s.uid) for s in parsed.skipped] == [("VALARM", "e-1")] * 2
    assert "TRIGGER" in parsed.skipped[0].reason
    assert "'soon'" in parsed.skipped[0].reason
    assert "ACTION" in parsed.skipped[1].reason


def test_stray_lines_are_reported_by_line_number_and_the_rest_is_read() -> None:
    data = ics(
        *event("DTSTART:20250101T090000Z", "Hello there", ";X", "END:VTODO"),
        "stray outside",
    )
    parsed = parse_calendar(data)
    assert only(parsed).uid == "e-1"
    assert [s.component for s in parsed.skipped] == ["line 7", "line 8", "line 9", "line 11"]
    assert "END:VTODO does not close the open VEVENT" in parsed.skipped[2].reason


def test_a_truncated_component_is_reported_not_half_imported() -> None:
    cut = ["BEGIN:VEVENT", "UID:cut", "DTSTART:20250101T090000Z", "SUMMARY:Обрыв"]
    data = "\r\n".join(["BEGIN:VCALENDAR", *event("DTSTART:20250101T090000Z", uid="whole"), *cut])
    parsed = parse_calendar(data)
    assert [item.uid for item in parsed.items] == ["whole"]
    (skipped,) = parsed.skipped
    assert (skipped.component, skipped.uid) == ("VEVENT", "cut")
    assert "ends before END:VEVENT" in skipped.reason


def test_a_time_beyond_the_range_of_years_skips_its_item() -> None:
    data = ics(*event("DTSTART:20250101T090000Z", "COMPLETED:00010101T000000"))
    (skipped,) = parse_calendar(data, default_time_zone="Asia/Tokyo").skipped
    assert (skipped.component, skipped.uid) == ("VEVENT", "e-1")
    assert "range of years" in skipped.reason
    late = CalendarItem(
        kind="event",
        uid="a",
        start=datetime(9999, 12, 31, 23, tzinfo=UTC),
        time_zone="Pacific/Kiritimati",
    )
    with pytest.raises(ValidationError) as refused:
        write_calendar([late], stamp=STAMP)
    assert refused.value.field == "items[0]"


LINE_NAMES = ["DTSTART", "DTEND", "DUE", "EXDATE", "RRULE", "DURATION", "TRIGGER", "BEGIN", "END"]
LINE_NAMES += ["ATTENDEE", "CATEGORIES", "PERCENT-COMPLETE", "RECURRENCE-ID", "UID", "X"]
LINE_PARTS = st.sampled_from(
    [
        *("20250101", "T090000", "Z", ";TZID=", "Europe/Berlin", ";VALUE=DATE", ":", ",", "\\"),
        *('"', "VEVENT", "VALARM", "VTODO", "FREQ=DAILY", ";UNTIL=", "-P1D", "PT15M", "mailto:"),
        "^n",
    ]
)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(LINE_NAMES), st.lists(LINE_PARTS | st.text(max_size=3))),
        max_size=25,
    )
)
def test_any_lines_inside_a_calendar_are_read_or_refused_never_crash(
    lines: list[tuple[str, list[str]]],
) -> None:
    body = [name + "".join(parts) for name, parts in lines]
    try:
        parsed = parse_calendar(ics("BEGIN:VEVENT", *body, "END:VEVENT"))
    except InvalidCalendar:
        return
    assert_sane(parsed)
    again = parse_calendar(write_calendar(parsed.items, stamp=STAMP))
    assert again.items == tuple(_as_written(item) for item in parsed.items)


def test_text_controls_are_dropped_when_read_and_refused_when_made() -> None:
    data = ics(*event("DTSTART:20250101T090000Z", "SUMMARY:Tab\tand bell\x07 and escape\x1b"))
    assert only(parse_calendar(data)).summary == "Tab\tand bell and escape"
    with pytest.raises(ValidationError) as refused:
        CalendarItem(kind="todo", uid="a", summary="bell\x07")
    assert refused.value.field == "summary"


# ---------------------------------------------------------------- refusals


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"hello, world\n",
        b'{"summary": "not a calendar"}',
        b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Petrova\r\nEND:VCARD\r\n",
        b"X\r\nBEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n",
    ],
)
def test_text_that_is_not_icalendar_is_refused(data: bytes) -> None:
    with pytest.raises(InvalidCalendar) as refused:
        parse_calendar(data)
    assert refused.value.field == "ics"
    assert "BEGIN:VCALENDAR" in refused.value.problem


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (bytes(range(256)) * 8, "NUL"),
        (b"BEGIN:VCALENDAR\r\nSUMMARY:\x00\r\nEND:VCALENDAR\r\n", "NUL"),
        ("BEGIN:VCALENDAR\nX-A:\x00\nEND:VCALENDAR\n", "NUL"),
        (b"BEGIN:VCALENDAR\r\nSUMMARY:caf\xe9\r\nEND:VCALENDAR\r\n", "UTF-8"),
        (b"\x89PNG\r\n\x1a\n" + b"\xff" * 100, "UTF-8"),
        ("BEGIN:VCALENDAR\nX-A:\ud800\nEND:VCALENDAR\n", "surrogate"),
    ],
)
def test_content_that_is_not_text_is_refused(data: bytes | str, problem: str) -> None:
    with pytest.raises(InvalidCalendar) as refused:
        parse_calendar(data)
    assert problem in refused.value.problem


def test_a_file_larger_than_the_limit_is_refused() -> None:
    big = ics(*event("DTSTART:20250101T090000Z", "DESCRIPTION:" + "x" * (11 * 1024 * 1024)))
    for data in (big, big.encode()):
        with pytest.raises(InvalidCalendar) as refused:
            parse_calendar(data)
        assert str(10 * 1024 * 1024) in refused.value.problem
    small = ics(*event("DTSTART:20250101T090000Z"))
    assert parse_calendar(small, max_bytes=len(small)).items
    with pytest.raises(InvalidCalendar):
        parse_calendar(small, max_bytes=len(small) - 1)


def test_a_file_with_more_components_than_the_limit_is_refused() -> None:
    many = [line for n in range(20_000) for line in event("DTSTART:20250101T090000Z", uid=str(n))]
    with pytest.raises(InvalidCalendar) as refused:
        parse_calendar(ics(*many))
    assert "10000 components" in refused.value.problem
    four = ics(*many[: 4 * 4])
    assert len(parse_calendar(four, max_components=5).items) == 4  # and the VCALENDAR
    with pytest.raises(InvalidCalendar):
        parse_calendar(four, max_components=4)


def test_components_nested_too_deep_are_refused() -> None:
    chain = ["BEGIN:VEVENT"] * 100 + ["END:VEVENT"] * 100
    with pytest.raises(InvalidCalendar) as refused:
        parse_calendar(ics(*chain))
    assert str(MAX_NESTING) in refused.value.problem
    assert refused.value.field == f"line {3 + MAX_NESTING}"


def test_bad_arguments_are_refused_naming_them() -> None:
    with pytest.raises(ValidationError) as refused:
        parse_calendar(ics(), default_time_zone="Mars/Olympus")
    assert refused.value.field == "default_time_zone"
    with pytest.raises(ValidationError) as refused:
        parse_calendar(123)  # type: ignore[arg-type]
    assert refused.value.field == "data"
    with pytest.raises(ValidationError) as refused:
        write_calendar(["not an item"])  # type: ignore[list-item]
    assert refused.value.field == "items[0]"
    with pytest.raises(ValidationError) as refused:
        write_calendar([], method="PUBLISH\r\nX")
    assert refused.value.field == "method"
    with pytest.raises(ValidationError) as refused:
        write_calendar([], stamp=datetime(2025, 1, 1))
    assert refused.value.field == "stamp"


# ---------------------------------------------------------------- the types


def test_an_rrule_is_checked_and_kept_in_one_order_of_parts() -> None:
    item = CalendarItem(kind="todo", uid="a", rrule="BYDAY=MO,FR;INTERVAL=2;FREQ=WEEKLY")
    assert item.rrule == "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,FR"
    for bad in ("BYDAY=MO", "FREQ=HOURLY;UNTIL=20250101T000000", "FREQ=DAILY\r\nX:1"):
        with pytest.raises(ValidationError) as refused:
            CalendarItem(kind="todo", uid="a", rrule=bad)
        assert refused.value.field == "rrule"


@pytest.mark.parametrize(
    ("make", "field"),
    [
        (lambda: CalendarItem(kind="note", uid="a"), "kind"),
        (lambda: CalendarItem(kind="todo", uid=" "), "uid"),
        (lambda: CalendarItem(kind="todo", uid="a", start=datetime(2025, 1, 1)), "start"),
        (lambda: CalendarItem(kind="todo", uid="a", exdates=(datetime(2025, 1, 1),)), "exdates[0]"),
        (lambda: CalendarItem(kind="todo", uid="a", time_zone="Europe"), "time_zone"),
        (lambda: CalendarItem(kind="todo", uid="a", priority=10), "priority"),
        (lambda: CalendarItem(kind="todo", uid="a", percent_complete=101), "percent_complete"),
        (lambda: CalendarItem(kind="todo", uid="a", categories=("",)), "categories[0]"),
        (lambda: CalendarItem(kind="todo", uid="a", sequence=-1), "sequence"),
        (lambda: Alarm(action="DISPLAY"), "before"),
        (
            lambda: Alarm(
                action="DISPLAY", before=timedelta(0), at=datetime(2025, 1, 1, tzinfo=UTC)
            ),
            "before",
        ),
        (lambda: Alarm(action="DISPLAY", before=timedelta(0), related="middle"), "related"),
    ],
)
def test_values_the_types_cannot_hold_are_refused_naming_the_field(
    make: Callable[[], object], field: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        make()
    assert refused.value.field == field


def test_utc_is_no_time_zone() -> None:
    for name in ("UTC", "Etc/UTC", "GMT"):
        assert CalendarItem(kind="todo", uid="a", time_zone=name).time_zone is None
    assert CalendarItem(kind="todo", uid="a", time_zone="Asia/Almaty").time_zone == "Asia/Almaty"


def test_times_that_are_utc_by_definition_are_kept_in_utc() -> None:
    moment = datetime(2025, 3, 1, 12, tzinfo=MOSCOW)
    item = CalendarItem(kind="todo", uid="a", completed=moment, last_modified=moment)
    alarm = Alarm(action="DISPLAY", at=moment)
    for value in (item.completed, item.last_modified, alarm.at):
        assert value == moment
        assert value is not None
        assert value.tzinfo is UTC
