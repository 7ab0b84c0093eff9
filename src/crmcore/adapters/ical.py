"""iCalendar (RFC 5545) files read into, and written from, neutral calendar items.

:func:`parse_calendar` turns the content of an ``.ics`` file into one
:class:`CalendarItem` per VEVENT or VTODO, plus a report of what it could not
use (:class:`Skipped`); :func:`write_calendar` does the reverse.  Neither knows
crmcore's tasks or events: a service maps the items to them.

Reading refuses a file only when it is not an iCalendar text at all, or too
big to read safely; then :class:`~crmcore.errors.InvalidCalendar` is raised
and nothing is returned.  Anything smaller is reported and stepped over: a
content line that is not ``NAME;PARAMS:VALUE`` (as ``line N``), a component
crmcore does not import (VJOURNAL, VFREEBUSY ...), an event or to-do with a
value that cannot be read (named with the property and the value), an alarm
that cannot be read (the item is imported without it).

Times are aware.  A time given with a TZID is in that zone: an IANA name is
looked up in the system time zone database (its VTIMEZONE is not needed), a
Windows name such as ``GMT Standard Time`` is mapped to its IANA name, and an
unknown name falls back to the rules of the file's own VTIMEZONE, read into a
UTC time.  Floating times are read in ``default_time_zone``; DATE values make
an all-day item and come back as :class:`datetime.date`.

Recurrence is carried, not expanded: ``rrule`` holds the rule text and
``exdates`` the excluded occurrences; an item with ``recurrence_id`` overrides
one occurrence of the series with the same ``uid``.

Example:
    >>> from datetime import UTC, datetime
    >>> from crmcore.adapters.ical import CalendarItem, parse_calendar, write_calendar
    >>> call = CalendarItem(
    ...     kind="event",
    ...     uid="call-1@example.com",
    ...     summary="Call Петрова, agree on the price",
    ...     start=datetime(2025, 3, 3, 9, 30, tzinfo=UTC),
    ...     end=datetime(2025, 3, 3, 10, tzinfo=UTC),
    ... )
    >>> ics = write_calendar([call], stamp=datetime(2025, 3, 1, tzinfo=UTC))
    >>> print(ics.decode().splitlines()[0])
    BEGIN:VCALENDAR
    >>> parsed = parse_calendar(ics)
    >>> parsed.items == (call,)
    True
"""

from __future__ import annotations

import codecs
import functools
import hashlib
import importlib
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any, Final, NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import attrs
import icalendar
from dateutil import tz as dateutil_tz

from crmcore.domain import checks as check
from crmcore.errors import InvalidCalendar, ValidationError

__all__ = [
    "DEFAULT_PRODUCT",
    "MAX_NESTING",
    "Alarm",
    "CalendarItem",
    "ParsedCalendar",
    "Person",
    "Skipped",
    "parse_calendar",
    "write_calendar",
]

#: The PRODID :func:`write_calendar` writes unless told otherwise.
DEFAULT_PRODUCT = "-//crmcore//crmcore//EN"

#: How deep components may nest.  Real files need three levels (VCALENDAR,
#: VEVENT, VALARM); deeper chains are refused before they cost anything.
MAX_NESTING = 8

# Text values may hold any character but these (RFC 5545, 3.3.11); line
# breaks travel escaped, as "\n".
_FORBIDDEN_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_LINE_BREAK = re.compile(r"\r\n?")
_PHYSICAL_LINE_END = re.compile(r"\r\n|\r|\n")
_MAX_TEXT = 10 * 1024 * 1024
_MAX_LINE = 10_000
_MAX_RULE = 2_000

_NAME = re.compile(r"[A-Za-z0-9-]+")
# A parameter: its name, then optionally "=" and a comma-separated list of
# values, each quoted or free of the characters that end it.
_PARAMETER = re.compile(r';([A-Za-z0-9-]+)(?:=((?:"[^"]*"|[^";:,]*)(?:,(?:"[^"]*"|[^";:,]*))*))?')
_OFFSET = re.compile(r"[+-](\d{2})(\d{2})(\d{2})?")
_CARET_ESCAPE = re.compile(r"\^([n^'])")
_CARET_ESCAPED: Final = {"n": "\n", "^": "^", "'": '"'}
_TEXT_ESCAPE = re.compile(r"\\(.)", re.DOTALL)
_DATE = re.compile(r"(\d{4})(\d{2})(\d{2})")
_DATE_TIME = re.compile(r"(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(Z?)", re.IGNORECASE)
_URI = re.compile(r"\S+")

#: Zone names that mean UTC: times given in them are UTC times, without a zone.
_UTC_NAMES: Final = frozenset(
    {
        *("UTC", "Etc/UTC", "UCT", "Etc/UCT", "Universal", "Etc/Universal", "Zulu", "Etc/Zulu"),
        *("GMT", "Etc/GMT", "Greenwich", "Etc/Greenwich"),
    }
)

#: Why a component that is not an event or a to-do is not imported.
_NOT_IMPORTED: Final = {
    "VJOURNAL": "journal entries (VJOURNAL) are not imported",
    "VFREEBUSY": "free/busy information (VFREEBUSY) is not imported",
    "VAVAILABILITY": "availability (VAVAILABILITY) is not imported",
}

# The years VTIMEZONE rules are written for: these at least, wider when
# items need it, but never beyond the outer pair (icalendar cannot reach the
# ends of the calendar, and centuries of rules only make the file long).
_ZONE_RULES_FROM = date(1970, 1, 1)
_ZONE_RULES_UNTIL = date(2038, 1, 1)
_ZONE_RULES_EARLIEST = date(1800, 1, 1)
_ZONE_RULES_LATEST = date(2300, 1, 1)


def _windows_zones() -> Mapping[str, str]:
    """icalendar's table of Windows zone names to IANA names (moved in icalendar 6)."""
    for module in ("icalendar.timezone.windows_to_olson", "icalendar.windows_to_olson"):
        try:
            table = importlib.import_module(module).WINDOWS_TO_OLSON
        except (ImportError, AttributeError):
            continue
        return {str(windows): str(iana) for windows, iana in table.items()}
    return {}


_WINDOWS_ZONES: Final = _windows_zones()

# Writing TZID times needs VTIMEZONE components, which recent icalendar
# releases generate from the zone database; with older ones times are
# written in UTC.
_WRITES_TIME_ZONES = hasattr(icalendar.Calendar, "add_missing_timezones")


# ---------------------------------------------------------------- values


def _text_value(value: Any) -> Any:
    """Line breaks as ``"\\n"``: iCalendar cannot carry a carriage return."""
    return _LINE_BREAK.sub("\n", value) if isinstance(value, str) else value


def _canonical_rule(value: Any) -> Any:
    """An RRULE text in icalendar's order of parts; unreadable text is left to the validator."""
    if isinstance(value, str):
        canonical, problem = _read_rule(value)
        if problem is None:
            return canonical
    return value


def _read_rule(text: str) -> tuple[str, str | None]:
    """An RRULE text in icalendar's order of parts, and what is wrong with it (None if nothing)."""
    if len(text) > _MAX_RULE:
        return text, f"it is longer than {_MAX_RULE} characters"
    return _read_short_rule(text)


# Reading a rule costs a tenth of a millisecond, and the rules of a file
# repeat: every item checks its rule when it is made.
@functools.lru_cache(maxsize=1024)
def _read_short_rule(text: str) -> tuple[str, str | None]:
    if not text or _FORBIDDEN_CONTROL.search(text) or "\n" in text or "\r" in text:
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


_free_text = check.text(required=False, max_length=_MAX_TEXT)


def _one_line(*, required: bool = False) -> check.Validator:
    """Text without line breaks (and without other control characters)."""
    text = check.text(required=required, max_length=_MAX_LINE)

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
        if _FORBIDDEN_CONTROL.search(label) or "\n" in label:
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
    if value and (not _URI.fullmatch(value) or _FORBIDDEN_CONTROL.search(value)):
        raise ValidationError(attribute.name, "must not contain whitespace or control characters")


def _zone_named(name: str) -> ZoneInfo | None:
    """The IANA zone ``name``, or None when the zone database has no such zone."""
    try:
        return ZoneInfo(name)
    # An unknown key is a KeyError; a malformed one a ValueError; a key that is
    # a directory of the database ("Europe") or absurdly long an OSError.
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return None


def _zone_name(value: Any) -> Any:
    """None for a name of UTC: UTC times carry no zone."""
    return None if value in _UTC_NAMES else value


def _time_zone(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is None:
        return
    if not isinstance(value, str) or _zone_named(value) is None:
        raise ValidationError(attribute.name, f"{value!r} is not an IANA time zone")


# ---------------------------------------------------------------- types


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
        related: the anchor of ``before``: ``"start"`` or ``"end"``.
        at: the fixed time it fires (UTC), instead of ``before``.
        description: the text shown or sent.
    """

    action: str = attrs.field(validator=_one_line(required=True))
    before: timedelta | None = attrs.field(
        default=None, validator=check.of_type(timedelta, optional=True)
    )
    related: str = attrs.field(default="start", validator=_one_of("start", "end"))
    at: datetime | None = attrs.field(
        default=None, converter=check.to_utc, validator=check.aware_datetime(optional=True)
    )
    description: str = attrs.field(default="", converter=_text_value, validator=_free_text)

    def __attrs_post_init__(self) -> None:
        if (self.before is None) == (self.at is None):
            raise ValidationError("before", "an alarm needs either before or at, and not both")


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
        _, problem = _read_rule(value)
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


# ---------------------------------------------------------------- reading


class _Property(NamedTuple):
    name: str  # upper case
    params: dict[str, str]  # upper-case names; the values unquoted and decoded
    value: str  # as written, escapes and all
    line: int


@attrs.define
class _Component:
    name: str
    line: int  # physical line of its BEGIN
    first: int  # index of its BEGIN among the logical lines
    last: int = -1  # index of its END
    complete: bool = True  # False when the file ended before its END
    properties: list[_Property] = attrs.Factory(list)
    children: list[_Component] = attrs.Factory(list)

    def get(self, name: str) -> _Property | None:
        return next((p for p in self.properties if p.name == name), None)

    def every(self, name: str) -> list[_Property]:
        return [p for p in self.properties if p.name == name]


def parse_calendar(
    data: bytes | str,
    *,
    default_time_zone: str = "UTC",
    max_bytes: int = 10 * 1024 * 1024,
    max_components: int = 10_000,
) -> ParsedCalendar:
    """Read the events and to-dos of an iCalendar file.

    Args:
        data: the file's content; UTF-8 (with or without a byte order mark) when bytes.
        default_time_zone: the IANA zone floating times (and times with an
            unknown TZID and no VTIMEZONE) are read in.
        max_bytes: larger files are refused.
        max_components: files with more components (of any kind, alarms and
            time-zone rules included) are refused.

    Returns:
        The items, what was skipped and why, and the calendar's PRODID and name.

    Raises:
        InvalidCalendar: the file is not iCalendar text (it does not start
            with BEGIN:VCALENDAR, holds NUL bytes or is not UTF-8), is larger
            than ``max_bytes``, holds more than ``max_components`` components
            or nests them deeper than :data:`MAX_NESTING`.
        ValidationError: ``default_time_zone`` is not an IANA zone.

    Example:
        >>> parsed = parse_calendar(
        ...     "BEGIN:VCALENDAR\\nBEGIN:VTODO\\nUID:1\\nSUMMARY:Send the offer\\\\, today\\n"
        ...     "DUE;VALUE=DATE:20250301\\nEND:VTODO\\nBEGIN:VJOURNAL\\nUID:2\\nEND:VJOURNAL\\n"
        ...     "END:VCALENDAR\\n"
        ... )
        >>> [(item.kind, item.summary, item.end, item.all_day) for item in parsed.items]
        [('todo', 'Send the offer, today', datetime.date(2025, 3, 1), True)]
        >>> [(skip.component, skip.uid, skip.reason) for skip in parsed.skipped]
        [('VJOURNAL', '2', 'journal entries (VJOURNAL) are not imported')]
    """
    default_zone = _zone_named(default_time_zone) if isinstance(default_time_zone, str) else None
    if default_zone is None:
        raise ValidationError(
            "default_time_zone", f"{default_time_zone!r} is not an IANA time zone"
        )
    lines = _logical_lines(_decode(data, max_bytes))
    if not lines or not _is_calendar_begin(lines[0][1]):
        raise InvalidCalendar(
            "ics", "is not an iCalendar file: it does not begin with BEGIN:VCALENDAR"
        )
    roots, skipped = _components(lines, max_components)

    items: list[CalendarItem] = []
    product = name = ""
    for index, root in enumerate(roots):
        if root.name != "VCALENDAR":
            skipped.append(_skip(root, "it is outside of the VCALENDAR"))
            continue
        if index == 0:
            product = _one_line_text(root.get("PRODID"))
            name = _one_line_text(root.get("X-WR-CALNAME"))
        reader = _Reader(
            default_zone=default_zone,
            definitions={
                _one_line_text(child.get("TZID")): child
                for child in root.children
                if child.name == "VTIMEZONE"
            },
            lines=lines,
        )
        for child in root.children:
            if child.name in ("VEVENT", "VTODO"):
                item, alarm_skips = reader.item(child)
                if isinstance(item, CalendarItem):
                    items.append(item)
                else:
                    skipped.append(item)
                skipped.extend(alarm_skips)
            elif child.name != "VTIMEZONE":
                reason = _NOT_IMPORTED.get(
                    child.name,
                    f"{child.name} components are not imported (only VEVENT and VTODO are)",
                )
                skipped.append(_skip(child, reason))
    # A series before its overrides, whatever order the file had.
    items.sort(key=lambda item: item.recurrence_id is not None)
    return ParsedCalendar(items=tuple(items), skipped=tuple(skipped), product=product, name=name)


def _decode(data: bytes | str, max_bytes: int) -> str:
    if isinstance(data, str):
        if len(data) > max_bytes:  # a character is at least one byte
            raise InvalidCalendar("ics", f"is larger than the limit of {max_bytes} bytes")
        try:
            raw = data.encode("utf-8")
        except UnicodeEncodeError:
            raise InvalidCalendar("ics", "is not Unicode text: it holds lone surrogates") from None
    elif isinstance(data, bytes):
        raw = data
    else:
        raise ValidationError("data", f"must be bytes or str, not {type(data).__name__}")
    if len(raw) > max_bytes:
        raise InvalidCalendar("ics", f"is {len(raw)} bytes, more than the limit of {max_bytes}")
    raw = raw.removeprefix(codecs.BOM_UTF8)
    if b"\x00" in raw:
        raise InvalidCalendar("ics", "holds NUL bytes: it is a binary file, not iCalendar text")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InvalidCalendar(
            "ics", f"is not UTF-8 text: byte {error.start} cannot be decoded"
        ) from None


def _logical_lines(text: str) -> list[tuple[int, str]]:
    """The unfolded content lines, each with the number of the physical line it starts on.

    Blank lines are dropped.
    """
    lines: list[tuple[int, str]] = []
    pieces: list[str] = []
    first = 0
    for number, physical in enumerate(_PHYSICAL_LINE_END.split(text), start=1):
        if pieces and physical[:1] in (" ", "\t"):
            pieces.append(physical[1:])
            continue
        if pieces:
            lines.append((first, "".join(pieces)))
            pieces = []
        if physical.strip():
            first = number
            pieces = [physical]
    if pieces:
        lines.append((first, "".join(pieces)))
    return lines


def _split(line: str) -> tuple[str, dict[str, str], str] | None:
    """A content line as (NAME, {PARAM: value}, value), or None when it is not one."""
    name = _NAME.match(line)
    if name is None:
        return None
    params: dict[str, str] = {}
    position = name.end()
    while position < len(line) and line[position] == ";":
        parameter = _PARAMETER.match(line, position)
        if parameter is None:
            return None
        # Quotes only protect ";:," inside a value; RFC 6868 escapes the rest.
        value = (parameter.group(2) or "").replace('"', "")
        value = _CARET_ESCAPE.sub(lambda m: _CARET_ESCAPED[m.group(1)], value)
        params.setdefault(parameter.group(1).upper(), value)
        position = parameter.end()
    if position >= len(line) or line[position] != ":":
        return None
    return name.group().upper(), params, line[position + 1 :]


def _is_calendar_begin(line: str) -> bool:
    parts = _split(line)
    return parts is not None and parts[0] == "BEGIN" and parts[2].strip().upper() == "VCALENDAR"


def _components(
    lines: Sequence[tuple[int, str]], max_components: int
) -> tuple[list[_Component], list[Skipped]]:
    """The component tree of the lines, and the lines that did not fit in it."""
    roots: list[_Component] = []
    skipped: list[Skipped] = []
    stack: list[_Component] = []
    count = 0

    def skip_line(number: int, reason: str) -> None:
        skipped.append(Skipped(component=f"line {number}", uid="", reason=reason))

    for index, (number, text) in enumerate(lines):
        parts = _split(text)
        if parts is None:
            skip_line(
                number, f"{_shorten(text)} is not a content line (NAME:VALUE); it was ignored"
            )
            continue
        name, params, value = parts
        if name == "BEGIN":
            kind = value.strip().upper()
            if not _NAME.fullmatch(kind):
                skip_line(number, f"{_shorten(text)} names no component; it was ignored")
                continue
            count += 1
            if count > max_components:
                raise InvalidCalendar("ics", f"holds more than {max_components} components")
            if len(stack) >= MAX_NESTING:
                raise InvalidCalendar(
                    f"line {number}", f"nests components more than {MAX_NESTING} deep"
                )
            stack.append(_Component(name=kind, line=number, first=index))
        elif name == "END":
            kind = value.strip().upper()
            if not stack or stack[-1].name != kind:
                open_one = f"the open {stack[-1].name}" if stack else "any open component"
                skip_line(number, f"END:{kind} does not close {open_one}; it was ignored")
                continue
            done = stack.pop()
            done.last = index
            (stack[-1].children if stack else roots).append(done)
        elif stack:
            stack[-1].properties.append(_Property(name, params, value, number))
        else:
            skip_line(number, f"{_shorten(text)} is outside of any component; it was ignored")
    while stack:
        cut = stack.pop()
        cut.last = len(lines) - 1
        cut.complete = False
        (stack[-1].children if stack else roots).append(cut)
    return roots, skipped


def _skip(component: _Component, reason: str) -> Skipped:
    return Skipped(
        component=component.name, uid=_one_line_text(component.get("UID")), reason=reason
    )


def _shorten(value: str, limit: int = 80) -> str:
    return repr(value if len(value) <= limit else value[: limit - 3] + "...")


def _unescape(value: str) -> str:
    """A TEXT value with its backslash escapes resolved and what TEXT cannot hold dropped."""
    text = _TEXT_ESCAPE.sub(lambda m: "\n" if m.group(1) in "nN" else m.group(1), value)
    return _FORBIDDEN_CONTROL.sub("", _LINE_BREAK.sub("\n", text))


def _text(prop: _Property | None) -> str:
    return "" if prop is None else _unescape(prop.value)


def _one_line_text(prop: _Property | None) -> str:
    return _text(prop).replace("\n", " ")


def _text_list(value: str) -> list[str]:
    """A comma-separated TEXT list (CATEGORIES), split at the unescaped commas."""
    parts: list[str] = []
    start = index = 0
    while index < len(value):
        if value[index] == "\\":
            index += 2
            continue
        if value[index] == ",":
            parts.append(value[start:index])
            start = index + 1
        index += 1
    parts.append(value[start:])
    return [_unescape(part).replace("\n", " ") for part in parts]


def _number(prop: _Property | None, low: int, high: int | None) -> int | None:
    if prop is None:
        return None
    try:
        number = int(prop.value.strip())
    except ValueError:
        raise ValidationError(prop.name, f"{_shorten(prop.value)} is not a whole number") from None
    if number < low or (high is not None and number > high):
        limits = f"from {low} to {high}" if high is not None else f"{low} or more"
        raise ValidationError(prop.name, f"{number} is out of range: it must be {limits}")
    return number


def _person(prop: _Property) -> Person:
    address = prop.value.strip()
    if address[:7].lower() == "mailto:":
        email = address[7:]
    elif "@" in address and ":" not in address:
        email = address
    else:  # urn:uuid:..., Google's "invalid:nomail": the address may be a parameter
        email = prop.params.get("EMAIL", "")

    def single(value: str) -> str:
        return _FORBIDDEN_CONTROL.sub("", _LINE_BREAK.sub("\n", value)).replace("\n", " ")

    return Person(
        email=single(email).strip(),
        name=single(prop.params.get("CN", "")),
        role=single(prop.params.get("ROLE", "")).upper(),
        status=single(prop.params.get("PARTSTAT", "")).upper(),
    )


def _add_duration(start: date, duration: timedelta) -> date:
    """``start`` plus a DURATION: days move the calendar (a day of 23 hours
    across a DST change is still a day), hours and less are elapsed time."""
    if isinstance(start, datetime):
        later = start + timedelta(days=duration.days)
        return (later.astimezone(UTC) + timedelta(seconds=duration.seconds)).astimezone(
            start.tzinfo
        )
    return start + timedelta(days=duration.days)


def _exact_duration(value: timedelta) -> str:
    """``value`` as an RFC 5545 duration of hours, minutes and seconds only.

    ``-P3D`` would be three calendar days, which a calendar program moves
    with a clock change; crmcore's reminders are exact durations, so three
    days are written ``-PT72H``.

    Example:
        >>> _exact_duration(-timedelta(days=3)), _exact_duration(timedelta(minutes=90))
        ('-PT72H', 'PT1H30M')
    """
    sign = "-" if value < timedelta(0) else ""
    seconds = int(abs(value).total_seconds())
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    parts = [f"{hours}H" if hours else "", f"{minutes}M" if minutes else ""]
    parts.append(f"{seconds}S" if seconds or not any(parts) else "")
    return f"{sign}PT{''.join(parts)}"


def _duration(prop: _Property) -> timedelta:
    try:
        # icalendar leaves this one unannotated; it returns a timedelta.
        value: timedelta = icalendar.vDuration.from_ical(prop.value.strip())  # type: ignore[no-untyped-call]
    except ValueError:
        raise ValidationError(prop.name, f"{_shorten(prop.value)} is not a duration") from None
    return value


def _rules_of(definition: _Component) -> tzinfo | None:
    """The rules of a VTIMEZONE the zone database does not know, or None when unusable.

    dateutil reads them; only yearly RRULEs are passed on, which is what
    time-zone rules are, so a hostile rule cannot make a lookup expand
    millions of occurrences.
    """
    text = ["BEGIN:VTIMEZONE", "TZID:zone"]
    for observance in definition.children:
        if observance.name not in ("STANDARD", "DAYLIGHT") or not observance.complete:
            return None
        text.append(f"BEGIN:{observance.name}")
        for prop in observance.properties:
            value = prop.value.strip()
            if prop.name == "RRULE" and f";{value.upper()};".find(";FREQ=YEARLY;") < 0:
                return None
            offset = _OFFSET.fullmatch(value)
            if prop.name.startswith("TZOFFSET") and (offset is None or int(offset[1]) > 23):
                return None
            if prop.name in ("DTSTART", "RRULE", "RDATE", "TZOFFSETFROM", "TZOFFSETTO"):
                text.append(f"{prop.name}:{value}")
        text.append(f"END:{observance.name}")
    text.append("END:VTIMEZONE")
    try:
        zone = dateutil_tz.tzical(io.StringIO("\n".join(text))).get()
        # The rules are read when a time is looked up: try one now.
        if zone is not None:
            zone.utcoffset(datetime(2000, 1, 1))
    # dateutil reports malformed rules with whichever error its parsing meets.
    except (ValueError, TypeError, IndexError, KeyError, OverflowError):
        return None
    return zone


@attrs.define
class _Reader:
    """Reads the events and to-dos of one VCALENDAR."""

    default_zone: ZoneInfo
    definitions: Mapping[str, _Component]  # its VTIMEZONEs by TZID
    lines: Sequence[tuple[int, str]]
    _zones: dict[str, tuple[tzinfo, str | None]] = attrs.Factory(dict)

    def item(self, node: _Component) -> tuple[CalendarItem | Skipped, list[Skipped]]:
        """The item of a VEVENT or VTODO (or why it was skipped), and its alarms that were not."""
        label = "event" if node.name == "VEVENT" else "to-do"
        if not node.complete:
            reason = f"the file ends before END:{node.name}, so the {label} may be cut short"
            return _skip(node, reason + "; it was not imported"), []
        try:
            return self._item(node)
        except ValidationError as error:
            return _skip(node, f"{error}; the {label} was not imported"), []
        except OverflowError:
            reason = f"a time in it is out of the range of years; the {label} was not imported"
            return _skip(node, reason), []

    def _item(self, node: _Component) -> tuple[CalendarItem, list[Skipped]]:
        kind = "event" if node.name == "VEVENT" else "todo"
        uid = _one_line_text(node.get("UID")).strip() or self._generated_uid(node)
        start, start_zone = self._optional(node.get("DTSTART"))
        end, end_zone = self._optional(node.get("DTEND" if kind == "event" else "DUE"))
        duration = node.get("DURATION")
        if end is None and start is not None and duration is not None:
            length = _duration(duration)
            if length < timedelta(0):
                raise ValidationError("DURATION", f"{_shorten(duration.value)} is negative")
            end = _add_duration(start, length)
        if kind == "event" and start is None and end is None:
            raise ValidationError("DTSTART", "is missing, and so is DTEND: an event needs a date")
        anchor = start if start is not None else end
        all_day = anchor is not None and not isinstance(anchor, datetime)

        alarms: list[Alarm] = []
        skipped: list[Skipped] = []
        for child in node.children:
            if child.name != "VALARM":
                continue
            try:
                alarms.append(self._alarm(child))
            except ValidationError as error:
                label = "event" if kind == "event" else "to-do"
                reason = f"{error}; the alarm was not imported, the {label} was"
                skipped.append(Skipped(component="VALARM", uid=uid, reason=reason))

        recurrence_id, _ = self._optional(node.get("RECURRENCE-ID"))
        rrule = node.get("RRULE")
        item = CalendarItem(
            kind=kind,
            uid=uid,
            summary=_text(node.get("SUMMARY")),
            description=_text(node.get("DESCRIPTION")),
            location=_text(node.get("LOCATION")),
            start=self._settle(start, all_day=False),
            end=self._settle(end, all_day=False),
            time_zone=None if all_day else start_zone or end_zone,
            all_day=all_day,
            status=_one_line_text(node.get("STATUS")).strip().upper(),
            percent_complete=_number(node.get("PERCENT-COMPLETE"), 0, 100),
            completed=self._instant(node.get("COMPLETED")),
            priority=_number(node.get("PRIORITY"), 0, 9),
            categories=tuple(
                category
                for prop in node.every("CATEGORIES")
                for category in _text_list(prop.value)
                if category.strip()
            ),
            rrule=None if rrule is None else self._rule(rrule, start),
            exdates=tuple(
                self._settle(moment, all_day=all_day)
                for prop in node.every("EXDATE")
                for moment in self._moments(prop)
            ),
            recurrence_id=self._settle(recurrence_id, all_day=all_day),
            organizer=_person(organizer) if (organizer := node.get("ORGANIZER")) else None,
            attendees=tuple(_person(prop) for prop in node.every("ATTENDEE")),
            alarms=tuple(alarms),
            sequence=_number(node.get("SEQUENCE"), 0, None) or 0,
            last_modified=self._instant(node.get("LAST-MODIFIED")),
            url=url.value.strip() if (url := node.get("URL")) else "",
            related_to=self._parent(node),
        )
        return item, skipped

    def _alarm(self, node: _Component) -> Alarm:
        action = _one_line_text(node.get("ACTION")).strip().upper()
        if not action:
            raise ValidationError("ACTION", "is missing")
        trigger = node.get("TRIGGER")
        if trigger is None:
            raise ValidationError("TRIGGER", "is missing")
        description = _text(node.get("DESCRIPTION"))
        value = trigger.value.strip()
        if trigger.params.get("VALUE", "").upper() == "DATE-TIME" or _DATE_TIME.fullmatch(value):
            return Alarm(action=action, at=self._instant(trigger), description=description)
        related = "end" if trigger.params.get("RELATED", "").upper() == "END" else "start"
        return Alarm(
            action=action, before=-_duration(trigger), related=related, description=description
        )

    def _parent(self, node: _Component) -> str:
        for prop in node.every("RELATED-TO"):
            if prop.params.get("RELTYPE", "PARENT").upper() == "PARENT":
                return _one_line_text(prop).strip()
        return ""

    def _generated_uid(self, node: _Component) -> str:
        """A UID from the component's content, the same on every import of it.

        DTSTAMP is left out: exporters write the time of the export there.
        """
        digest = hashlib.sha256()
        for _, text in self.lines[node.first : node.last + 1]:
            if not re.match(r"DTSTAMP[;:]", text, re.IGNORECASE):
                digest.update(text.encode() + b"\n")
        return "generated-" + digest.hexdigest()

    def _rule(self, prop: _Property, start: date | None) -> str:
        text = prop.value.strip()
        parts = text.split(";")
        for index, part in enumerate(parts):
            name, _, value = part.partition("=")
            until = _date_value(value.strip()) if name.strip().upper() == "UNTIL" else None
            if isinstance(until, datetime) and until.tzinfo is None:
                # A floating UNTIL is in the zone of DTSTART; it is kept in UTC.
                zone = start.tzinfo if isinstance(start, datetime) else self.default_zone
                parts[index] = f"UNTIL={until.replace(tzinfo=zone).astimezone(UTC):%Y%m%dT%H%M%SZ}"
        canonical, problem = _read_rule(";".join(parts))
        if problem is not None:
            raise ValidationError("RRULE", f"{_shorten(text)} cannot be read: {problem}")
        return canonical

    def _optional(self, prop: _Property | None) -> tuple[date | None, str | None]:
        return (None, None) if prop is None else self._moment(prop)

    def _moments(self, prop: _Property) -> list[date]:
        return [
            self._moment(prop._replace(value=value))[0]
            for value in prop.value.split(",")
            if value.strip()
        ]

    def _moment(self, prop: _Property) -> tuple[date, str | None]:
        """A DATE or DATE-TIME value, and the IANA name of the zone it was given in.

        A date-time comes back aware in the zone it was given in: UTC,
        the zone of its TZID, or the default zone when floating.
        """
        value = prop.value.strip()
        moment = _date_value(value)
        if moment is None:
            raise ValidationError(prop.name, f"{_shorten(value)} is not a date or a date-time")
        if not isinstance(moment, datetime) or moment.tzinfo is not None:
            return moment, None
        zone, name = self._zone(prop.params.get("TZID", ""))
        return moment.replace(tzinfo=zone), name

    def _zone(self, tzid: str) -> tuple[tzinfo, str | None]:
        """The zone a TZID stands for, and its IANA name (None for UTC and the fallbacks)."""
        if not tzid:
            return self.default_zone, None
        if tzid not in self._zones:
            self._zones[tzid] = self._find_zone(tzid)
        return self._zones[tzid]

    def _find_zone(self, tzid: str) -> tuple[tzinfo, str | None]:
        zone = _iana_zone(tzid)
        definition = self.definitions.get(tzid)
        if zone is None and definition is not None:
            # Some writers name the IANA zone of a private TZID here.
            zone = _iana_zone(_one_line_text(definition.get("X-LIC-LOCATION")))
            rules = _rules_of(definition) if zone is None else None
            if rules is not None:
                return rules, None
        if zone is None:
            return self.default_zone, None
        if zone.key in _UTC_NAMES:
            return UTC, None
        return zone, zone.key

    def _settle(self, moment: date | None, *, all_day: bool) -> Any:
        """A parsed moment as the item holds it.

        On an all-day series a date-time becomes the date it falls on where
        it was given (a UTC one: in the default zone); times in a zone known
        only from the file's VTIMEZONE become UTC times.
        """
        if not isinstance(moment, datetime):
            return moment
        if all_day:
            return (moment.astimezone(self.default_zone) if moment.tzinfo is UTC else moment).date()
        if moment.tzinfo is UTC or isinstance(moment.tzinfo, ZoneInfo):
            return moment
        return moment.astimezone(UTC)

    def _instant(self, prop: _Property | None) -> datetime | None:
        if prop is None:
            return None
        moment, _ = self._moment(prop)
        if not isinstance(moment, datetime):
            moment = datetime.combine(moment, time(), tzinfo=self.default_zone)
        return moment.astimezone(UTC)


def _iana_zone(tzid: str) -> ZoneInfo | None:
    """The IANA zone behind a TZID: the name itself, a Windows name, or the
    tail of a "globally unique" one like ``/mozilla.org/20050126_1/Europe/Berlin``."""
    name = tzid.strip().strip("/")
    if not name:
        return None
    if name in _WINDOWS_ZONES:
        return _zone_named(_WINDOWS_ZONES[name])
    parts = name.split("/")
    for first in range(len(parts)):
        zone = _zone_named("/".join(parts[first:]))
        if zone is not None:
            return zone
    return None


def _date_value(value: str) -> date | None:
    """A DATE or DATE-TIME value as a date, a UTC datetime (``Z``) or a naive
    one (floating or with a TZID); None when it is neither."""
    try:
        if found := _DATE.fullmatch(value):
            return date(*map(int, found.groups()))
        if found := _DATE_TIME.fullmatch(value):
            year, month, day, hour, minute, second = map(int, found.groups()[:6])
            # A leap second (60) is a valid value; Python has no room for it.
            wall = datetime(year, month, day, hour, minute, min(second, 59))
            return wall.replace(tzinfo=UTC) if found.group(7) else wall
    except ValueError:
        return None
    return None


# ---------------------------------------------------------------- writing


def write_calendar(
    items: Iterable[CalendarItem],
    *,
    product: str = DEFAULT_PRODUCT,
    name: str = "",
    method: str | None = None,
    stamp: datetime | None = None,
) -> bytes:
    """An iCalendar file (VERSION 2.0, CRLF line ends, folded lines) holding ``items``.

    Each item becomes a VTODO or VEVENT.  Times are written in the item's
    ``time_zone`` with a TZID and a VTIMEZONE for it, or in UTC when it has
    none (or the installed icalendar cannot write VTIMEZONEs); all-day dates
    as DATE values.  A DISPLAY or EMAIL alarm without a description gets the
    item's summary, which RFC 5545 requires.  People without an e-mail
    address are written with the address ``invalid:nomail``, as Google does.

    Args:
        items: the events and to-dos.
        product: the PRODID.
        name: the calendar name (X-WR-CALNAME); none when empty.
        method: the iTIP METHOD (``PUBLISH``, ``REQUEST`` ...), if any.
        stamp: the DTSTAMP of every item.  Without it an item's DTSTAMP is
            its ``last_modified``, or the current time; pass it to make the
            output depend on the items only.

    Returns:
        The file's bytes, UTF-8.

    Raises:
        ValidationError: an item is not a :class:`CalendarItem`, or a
            keyword argument is unusable (naming it).

    Example:
        >>> from datetime import UTC, date, datetime
        >>> task = CalendarItem(
        ...     kind="todo",
        ...     uid="t-1",
        ...     summary="Quarterly VAT return",
        ...     end=date(2025, 4, 25),
        ...     all_day=True,
        ... )
        >>> lines = write_calendar([task], stamp=datetime(2025, 4, 1, tzinfo=UTC)).split(b"\\r\\n")
        >>> for line in lines:
        ...     if line.startswith((b"BEGIN", b"DUE", b"SUMMARY")):
        ...         print(line.decode())
        BEGIN:VCALENDAR
        BEGIN:VTODO
        DUE;VALUE=DATE:20250425
        SUMMARY:Quarterly VAT return
    """
    for field, value in (("product", product), ("name", name)):
        if not isinstance(value, str) or _FORBIDDEN_CONTROL.search(value) or "\n" in value:
            raise ValidationError(field, "must be one line of text")
    if method is not None and (not isinstance(method, str) or not _NAME.fullmatch(method)):
        raise ValidationError("method", f"{method!r} is not an iTIP method such as PUBLISH")
    if stamp is not None and (not isinstance(stamp, datetime) or stamp.utcoffset() is None):
        raise ValidationError("stamp", "must be a timezone-aware datetime")

    calendar = icalendar.Calendar()
    calendar.add("prodid", product or DEFAULT_PRODUCT)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    if method:
        calendar.add("method", method.upper())
    if name:
        calendar.add("x-wr-calname", name)
    now = datetime.now(UTC)
    local_dates: list[date] = []
    for index, item in enumerate(items):
        if not isinstance(item, CalendarItem):
            raise ValidationError(
                f"items[{index}]", f"must be a CalendarItem, not {type(item).__name__}"
            )
        try:
            component = _Writer(item, local_dates).component(stamp or item.last_modified or now)
        except OverflowError:
            raise ValidationError(
                f"items[{index}]", "holds a time that is out of the range of years in its zone"
            ) from None
        calendar.add_component(component)
    if local_dates:
        first = max(min(min(local_dates), _ZONE_RULES_FROM), _ZONE_RULES_EARLIEST)
        last = min(max(local_dates), _ZONE_RULES_LATEST) + timedelta(days=1)
        calendar.add_missing_timezones(first_date=first, last_date=max(last, _ZONE_RULES_UNTIL))
    return bytes(calendar.to_ical())


@attrs.define
class _Writer:
    """Writes one item; notes the local dates its zoned times fall on."""

    item: CalendarItem
    local_dates: list[date]
    zone: ZoneInfo | None = attrs.field(init=False)

    def __attrs_post_init__(self) -> None:
        name = self.item.time_zone
        self.zone = ZoneInfo(name) if name is not None and _WRITES_TIME_ZONES else None

    def component(self, stamp: datetime) -> icalendar.Component:
        item = self.item
        component: icalendar.Component = (
            icalendar.Todo() if item.kind == "todo" else icalendar.Event()
        )
        component.add("uid", item.uid)
        component.add("dtstamp", stamp.astimezone(UTC))
        for field, value in (
            ("summary", item.summary),
            ("description", item.description),
            ("location", item.location),
            ("status", item.status),
            ("url", item.url),
            ("related-to", item.related_to),
        ):
            if value:
                component.add(field, value)
        self._moments(component, "dtstart", [item.start])
        self._moments(component, "due" if item.kind == "todo" else "dtend", [item.end])
        if item.rrule is not None:
            component.add("rrule", icalendar.vRecur.from_ical(item.rrule))
        self._moments(component, "exdate", [d for d in item.exdates if not _is_time(d)], many=True)
        self._moments(component, "exdate", [d for d in item.exdates if _is_time(d)], many=True)
        self._moments(component, "recurrence-id", [item.recurrence_id])
        for field, number in (
            ("percent-complete", item.percent_complete),
            ("priority", item.priority),
        ):
            if number is not None:
                component.add(field, number)
        component.add("sequence", item.sequence)
        if item.completed is not None:
            component.add("completed", item.completed)
        if item.last_modified is not None:
            component.add("last-modified", item.last_modified)
        if item.categories:
            component.add("categories", list(item.categories))
        if item.organizer is not None:
            component.add("organizer", _address(item.organizer))
        for attendee in item.attendees:
            component.add("attendee", _address(attendee))
        for alarm in item.alarms:
            component.add_component(self._alarm(alarm))
        return component

    def _moments(
        self,
        component: icalendar.Component,
        field: str,
        moments: Sequence[date | None],
        *,
        many: bool = False,
    ) -> None:
        """Add ``moments`` as one property: dates as DATE, times in the item's zone or UTC."""
        present = [moment for moment in moments if moment is not None]
        if not present:
            return
        if not _is_time(present[0]):
            component.add(field, present if many else present[0])
            return
        times = [moment for moment in present if isinstance(moment, datetime)]
        if self.zone is None:
            utc = [moment.astimezone(UTC) for moment in times]
            component.add(field, utc if many else utc[0])
            return
        local = [moment.astimezone(self.zone).replace(tzinfo=None) for moment in times]
        self.local_dates.extend(moment.date() for moment in local)
        component.add(field, local if many else local[0], parameters={"TZID": self.zone.key})

    def _alarm(self, alarm: Alarm) -> icalendar.Alarm:
        component = icalendar.Alarm()
        component.add("action", alarm.action)
        if alarm.at is not None:
            component.add("trigger", alarm.at, parameters={"VALUE": "DATE-TIME"})
        elif alarm.before is not None:
            related = {"RELATED": "END"} if alarm.related == "end" else {}
            trigger = icalendar.prop.vInline(_exact_duration(-alarm.before))
            component.add("trigger", trigger, related)
        reminder = self.item.summary or "Reminder"
        needs_text = alarm.action.upper() in ("DISPLAY", "EMAIL")
        description = alarm.description or (reminder if needs_text else "")
        if description:
            component.add("description", description)
        if alarm.action.upper() == "EMAIL":
            component.add("summary", reminder)
        return component


def _is_time(moment: date) -> bool:
    return isinstance(moment, datetime)


def _address(person: Person) -> icalendar.vCalAddress:
    address = icalendar.vCalAddress(f"mailto:{person.email}" if person.email else "invalid:nomail")
    for parameter, value in (
        ("CN", person.name),
        ("ROLE", person.role),
        ("PARTSTAT", person.status),
    ):
        if value:
            address.params[parameter] = value
    return address
