"""The neutral values of a calendar file: items, alarms, people, and what was skipped.

:class:`CalendarItem` and the values it holds check themselves when made, so
an item read from a hostile file and one a service builds are held to the
same rules: text iCalendar can carry, aware times, a readable RRULE.
"""

from __future__ import annotations

import functools
import re
from datetime import date, datetime, timedelta
from typing import Any

import attrs
import icalendar

from crmcore.adapters.ical.limits import (
    FORBIDDEN_CONTROL,
    LINE_BREAK,
    MAX_LINE,
    MAX_RULE,
    MAX_TEXT,
)
from crmcore.adapters.ical.zones import UTC_NAMES, zone_named
from crmcore.domain import checks as check
from crmcore.errors import ValidationError

__all__ = [
    "Alarm",
    "CalendarItem",
    "ParsedCalendar",
    "Person",
    "RecurrenceDate",
    "Skipped",
    "read_rule",
]

_URI = re.compile(r"\S+")


# ---------------------------------------------------------------- checks


def _text_value(value: Any) -> Any:
    """Line breaks as ``"\\n"``: iCalendar cannot carry a carriage return."""
    return LINE_BREAK.sub("\n", value) if isinstance(value, str) else value


def _canonical_rule(value: Any) -> Any:
    """An RRULE text in icalendar's order of parts; unreadable text is left to the validator."""
    if isinstance(value, str):
        canonical, problem = read_rule(value)
        if problem is None:
            return canonical
    return value


def read_rule(text: str) -> tuple[str, str | None]:
    """An RRULE text in icalendar's order of parts, and what is wrong with it (None if nothing)."""
    if len(text) > MAX_RULE:
        return text, f"it is longer than {MAX_RULE} characters"
    return _read_short_rule(text)


# Reading a rule costs a tenth of a millisecond, and the rules of a file
# repeat: every item checks its rule when it is made.
@functools.lru_cache(maxsize=1024)
def _read_short_rule(text: str) -> tuple[str, str | None]:
    if not text or FORBIDDEN_CONTROL.search(text) or "\n" in text or "\r" in text:
        return text, "it must be one line of text"
    try:
        rule = icalendar.vRecur.from_ical(text)
        canonical = rule.to_ical().decode()
    # icalendar lets some malformed parts through its reading and fails on
    # them with a TypeError when writing.
    except (ValueError, TypeError) as error:
        return text, str(error)
    if not rule.get("FREQ"):
        return text, "it has no FREQ"
    for until in rule.get("UNTIL", ()):
        if isinstance(until, datetime) and until.utcoffset() != timedelta(0):
            return text, "UNTIL must be a date or a UTC date-time (ending in Z)"
    return canonical, None


_free_text = check.text(required=False, max_length=MAX_TEXT)


def _one_line(*, required: bool = False) -> check.Validator:
    """Text without line breaks (and without other control characters)."""
    text = check.text(required=required, max_length=MAX_LINE)

    def validate(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
        text(instance, attribute, value)
        if "\n" in value or "\r" in value:
            raise ValidationError(attribute.name, "must be a single line")

    return validate


def _one_of(*allowed: str) -> check.Validator:
    def validate(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
        if value not in allowed:
            choices = " or ".join(repr(choice) for choice in allowed)
            raise ValidationError(attribute.name, f"must be {choices}, not {value!r}")

    return validate


def _check_moment(field: str, value: object) -> None:
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValidationError(field, "must be timezone-aware (got a naive datetime)")
    elif not isinstance(value, date):
        raise ValidationError(field, f"must be a date or a datetime, not {type(value).__name__}")


def _moment(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    """None, a date (all day) or an aware datetime."""
    if value is not None:
        _check_moment(attribute.name, value)


def _moments(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, tuple):
        raise ValidationError(attribute.name, f"must be a tuple, not {type(value).__name__}")
    for index, item in enumerate(value):
        _check_moment(f"{attribute.name}[{index}]", item)


def _labels(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, tuple):
        raise ValidationError(attribute.name, f"must be a tuple, not {type(value).__name__}")
    for index, label in enumerate(value):
        field = f"{attribute.name}[{index}]"
        if not isinstance(label, str) or not label.strip():
            raise ValidationError(field, "must be a non-empty string")
        if FORBIDDEN_CONTROL.search(label) or "\n" in label:
            raise ValidationError(field, "must be one line without control characters")


def _priority(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is None:
        return
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 9:
        raise ValidationError(attribute.name, f"must be an integer from 0 to 9, not {value!r}")


def _uri(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    # A URI is written as it is, unescaped: whitespace would end it.
    if not isinstance(value, str):
        raise ValidationError(attribute.name, f"must be str, not {type(value).__name__}")
    if value and (not _URI.fullmatch(value) or FORBIDDEN_CONTROL.search(value)):
        raise ValidationError(attribute.name, "must not contain whitespace or control characters")


def _zone_name(value: Any) -> Any:
    """None for a name of UTC: UTC times carry no zone."""
    return None if value in UTC_NAMES else value


def _time_zone(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is None:
        return
    if not isinstance(value, str) or zone_named(value) is None:
        raise ValidationError(attribute.name, f"{value!r} is not an IANA time zone")


# ---------------------------------------------------------------- values


@attrs.frozen(kw_only=True)
class Person:
    """An ORGANIZER or ATTENDEE.

    Attributes:
        email: the address without ``mailto:``; ``""`` when the file gives none.
        name: the CN parameter.
        role: the ROLE parameter, e.g. ``REQ-PARTICIPANT``.
        status: the PARTSTAT parameter, e.g. ``ACCEPTED`` or ``NEEDS-ACTION``.
    """

    email: str = attrs.field(validator=_one_line())
    name: str = attrs.field(default="", validator=_one_line())
    role: str = attrs.field(default="", validator=_one_line())
    status: str = attrs.field(default="", validator=_one_line())


@attrs.frozen(kw_only=True)
class Alarm:
    """A VALARM: a reminder relative to the item's start or end, or at a fixed time.

    Attributes:
        action: ``DISPLAY``, ``EMAIL`` or ``AUDIO``.
        before: how long before the anchor it fires; negative fires after it.
        calendar_days: how many of ``before``'s days are calendar days
            (``-P3D``), not exact 24 hours (``-PT72H``).
        related: the anchor of ``before``: ``"start"`` or ``"end"``.
        at: the fixed time it fires (UTC), instead of ``before``.
        description: the text shown or sent.
    """

    action: str = attrs.field(validator=_one_line(required=True))
    before: timedelta | None = attrs.field(
        default=None, validator=check.of_type(timedelta, optional=True)
    )
    calendar_days: int = attrs.field(default=0, validator=check.of_type(int))
    related: str = attrs.field(default="start", validator=_one_of("start", "end"))
    at: datetime | None = attrs.field(
        default=None, converter=check.to_utc, validator=check.aware_datetime(optional=True)
    )
    description: str = attrs.field(default="", converter=_text_value, validator=_free_text)

    def __attrs_post_init__(self) -> None:
        if (self.before is None) == (self.at is None):
            raise ValidationError("before", "an alarm needs either before or at, and not both")
        if not 0 <= self.calendar_days <= abs(self.before or timedelta(0)).days:
            raise ValidationError("calendar_days", "must be from 0 to the days of before")


@attrs.frozen(kw_only=True)
class RecurrenceDate:
    """One RDATE value: an occurrence added to a series (or to a single item).

    Attributes:
        start: when it starts; a date on an all-day item, else an aware datetime.
        end: the end of a ``VALUE=PERIOD`` value (its own length); None when
            the occurrence lasts as long as the item.
    """

    start: datetime | date = attrs.field(validator=_moment)
    end: datetime | None = attrs.field(default=None, validator=_moment)

    def __attrs_post_init__(self) -> None:
        if self.end is not None and (not isinstance(self.start, datetime) or self.end < self.start):
            raise ValidationError("end", "a period must end at or after its start date-time")


@attrs.frozen(kw_only=True)
class CalendarItem:
    """One VTODO or VEVENT, as neutral values.

    Attributes:
        kind: ``"todo"`` (VTODO) or ``"event"`` (VEVENT).
        uid: the UID; the same for a series and its overrides.
        start: DTSTART; an aware datetime, or a date when all day.
        end: DTEND of an event, DUE of a to-do (computed when the file gives a DURATION).
        time_zone: the IANA zone the times were given in; None for UTC
            (``"UTC"`` and its aliases become None), floating and all-day times.
        status: STATUS in capitals (NEEDS-ACTION, IN-PROCESS, COMPLETED, CONFIRMED ...).
        percent_complete: 0 to 100.
        completed: when the to-do was done (UTC).
        priority: 0 (undefined) and 1 (highest) to 9 (lowest).
        rrule: the RRULE text, e.g. ``"FREQ=WEEKLY;BYDAY=MO"``, with its parts in
            icalendar's order and UNTIL a date or a UTC time.
        exdates: the occurrences the rule skips; dates on an all-day series.
        rdates: the occurrences added to the rule's (RDATE), in the file's order.
        recurrence_id: the occurrence this item overrides.
        related_to: the UID of the parent (RELATED-TO).

    Text fields keep their line breaks as ``"\\n"`` (a carriage return is
    turned into one) and refuse other control characters, which iCalendar
    cannot carry.
    """

    kind: str = attrs.field(validator=_one_of("todo", "event"))
    uid: str = attrs.field(validator=_one_line(required=True))
    summary: str = attrs.field(default="", converter=_text_value, validator=_free_text)
    description: str = attrs.field(default="", converter=_text_value, validator=_free_text)
    location: str = attrs.field(default="", converter=_text_value, validator=_free_text)
    start: datetime | date | None = attrs.field(default=None, validator=_moment)
    end: datetime | date | None = attrs.field(default=None, validator=_moment)
    time_zone: str | None = attrs.field(default=None, converter=_zone_name, validator=_time_zone)
    all_day: bool = attrs.field(default=False, validator=check.of_type(bool))
    status: str = attrs.field(default="", validator=_one_line())
    percent_complete: int | None = attrs.field(
        default=None, validator=attrs.validators.optional(check.percent)
    )
    completed: datetime | None = attrs.field(
        default=None, converter=check.to_utc, validator=check.aware_datetime(optional=True)
    )
    priority: int | None = attrs.field(default=None, validator=_priority)
    categories: tuple[str, ...] = attrs.field(
        default=(), converter=check.as_tuple, validator=_labels
    )
    rrule: str | None = attrs.field(default=None, converter=_canonical_rule)
    exdates: tuple[datetime | date, ...] = attrs.field(
        default=(), converter=check.as_tuple, validator=_moments
    )
    rdates: tuple[RecurrenceDate, ...] = attrs.field(
        default=(), converter=check.as_tuple, validator=check.tuple_of(RecurrenceDate)
    )
    recurrence_id: datetime | date | None = attrs.field(default=None, validator=_moment)
    organizer: Person | None = attrs.field(
        default=None, validator=check.of_type(Person, optional=True)
    )
    attendees: tuple[Person, ...] = attrs.field(
        default=(), converter=check.as_tuple, validator=check.tuple_of(Person)
    )
    alarms: tuple[Alarm, ...] = attrs.field(
        default=(), converter=check.as_tuple, validator=check.tuple_of(Alarm)
    )
    sequence: int = attrs.field(default=0, validator=check.positive_version)
    last_modified: datetime | None = attrs.field(
        default=None, converter=check.to_utc, validator=check.aware_datetime(optional=True)
    )
    url: str = attrs.field(default="", validator=_uri)
    related_to: str = attrs.field(default="", validator=_one_line())

    @rrule.validator
    def _check_rrule(self, attribute: attrs.Attribute[Any], value: Any) -> None:
        if value is None:
            return
        if not isinstance(value, str):
            raise ValidationError(attribute.name, f"must be str, not {type(value).__name__}")
        _, problem = read_rule(value)
        if problem is not None:
            raise ValidationError(attribute.name, f"{value!r} is not a recurrence rule: {problem}")


@attrs.frozen(kw_only=True)
class Skipped:
    """Something of a file that was not imported, and why.

    Attributes:
        component: ``"VEVENT"``, ``"VTODO"``, ``"VALARM"``, ``"VJOURNAL"`` ... or
            ``"line 12"`` for a line that could not be read.
        uid: the UID of the component (or of the item an alarm belongs to);
            ``""`` when unknown.
        reason: what was wrong, in words a person understands.
    """

    component: str
    uid: str
    reason: str


@attrs.frozen(kw_only=True)
class ParsedCalendar:
    """What :func:`parse_calendar` read.

    Attributes:
        items: the events and to-dos; overrides (items with a
            ``recurrence_id``) come after all the others.
        skipped: what was not imported, in the order it was met.
        product: the PRODID of the program that wrote the file.
        name: the calendar's name (X-WR-CALNAME).
    """

    items: tuple[CalendarItem, ...]
    skipped: tuple[Skipped, ...]
    product: str = ""
    name: str = ""
