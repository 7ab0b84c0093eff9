"""Reading an iCalendar file into :class:`~crmcore.adapters.ical.items.CalendarItem` values.

:func:`parse_calendar` checks the file against the limits, builds its
component tree, and reads each VEVENT and VTODO; whatever cannot be used is
reported as :class:`~crmcore.adapters.ical.items.Skipped` and stepped over.
"""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any, Final
from zoneinfo import ZoneInfo

import attrs
import icalendar
from dateutil import tz as dateutil_tz

from crmcore.adapters.ical.items import (
    Alarm,
    CalendarItem,
    ParsedCalendar,
    Person,
    RecurrenceDate,
    Skipped,
    read_rule,
)
from crmcore.adapters.ical.limits import FORBIDDEN_CONTROL, LINE_BREAK, decode, shorten
from crmcore.adapters.ical.syntax import (
    Component,
    Property,
    components,
    is_calendar_begin,
    logical_lines,
)
from crmcore.adapters.ical.zones import UTC_NAMES, iana_zone, zone_named
from crmcore.errors import InvalidCalendar, ValidationError

__all__ = ["parse_calendar"]

_OFFSET = re.compile(r"[+-](\d{2})(\d{2})(\d{2})?")
_TEXT_ESCAPE = re.compile(r"\\(.)", re.DOTALL)
_DATE = re.compile(r"(\d{4})(\d{2})(\d{2})")
# A duration in days or weeks (P3D, -P1W, P1DT2H): its days are calendar days.
_NOMINAL = re.compile(r"^[+-]?P\d+[DW]", re.IGNORECASE)
_DATE_TIME = re.compile(r"(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(Z?)", re.IGNORECASE)


#: Why a component that is not an event or a to-do is not imported.
_NOT_IMPORTED: Final = {
    "VJOURNAL": "journal entries (VJOURNAL) are not imported",
    "VFREEBUSY": "free/busy information (VFREEBUSY) is not imported",
    "VAVAILABILITY": "availability (VAVAILABILITY) is not imported",
}


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
    default_zone = zone_named(default_time_zone) if isinstance(default_time_zone, str) else None
    if default_zone is None:
        raise ValidationError(
            "default_time_zone", f"{default_time_zone!r} is not an IANA time zone"
        )
    lines = logical_lines(decode(data, max_bytes))
    if not lines or not is_calendar_begin(lines[0][1]):
        raise InvalidCalendar(
            "ics", "is not an iCalendar file: it does not begin with BEGIN:VCALENDAR"
        )
    roots, skipped = components(lines, max_components)

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


def _skip(component: Component, reason: str) -> Skipped:
    return Skipped(
        component=component.name, uid=_one_line_text(component.get("UID")), reason=reason
    )


def _unescape(value: str) -> str:
    """A TEXT value with its backslash escapes resolved and what TEXT cannot hold dropped."""
    text = _TEXT_ESCAPE.sub(lambda m: "\n" if m.group(1) in "nN" else m.group(1), value)
    return FORBIDDEN_CONTROL.sub("", LINE_BREAK.sub("\n", text))


def _text(prop: Property | None) -> str:
    return "" if prop is None else _unescape(prop.value)


def _one_line_text(prop: Property | None) -> str:
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


def _number(prop: Property | None, low: int, high: int | None) -> int | None:
    if prop is None:
        return None
    try:
        number = int(prop.value.strip())
    except ValueError:
        raise ValidationError(prop.name, f"{shorten(prop.value)} is not a whole number") from None
    if number < low or (high is not None and number > high):
        limits = f"from {low} to {high}" if high is not None else f"{low} or more"
        raise ValidationError(prop.name, f"{number} is out of range: it must be {limits}")
    return number


def _person(prop: Property) -> Person:
    address = prop.value.strip()
    if address[:7].lower() == "mailto:":
        email = address[7:]
    elif "@" in address and ":" not in address:
        email = address
    else:  # urn:uuid:..., Google's "invalid:nomail": the address may be a parameter
        email = prop.params.get("EMAIL", "")

    def single(value: str) -> str:
        return FORBIDDEN_CONTROL.sub("", LINE_BREAK.sub("\n", value)).replace("\n", " ")

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


def _duration(prop: Property) -> timedelta:
    try:
        # icalendar leaves this one unannotated; it returns a timedelta.
        value: timedelta = icalendar.vDuration.from_ical(prop.value.strip())  # type: ignore[no-untyped-call]
    except ValueError:
        raise ValidationError(prop.name, f"{shorten(prop.value)} is not a duration") from None
    return value


def _rules_of(definition: Component) -> tzinfo | None:
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
    definitions: Mapping[str, Component]  # its VTIMEZONEs by TZID
    lines: Sequence[tuple[int, str]]
    _zones: dict[str, tuple[tzinfo, str | None]] = attrs.Factory(dict)

    def item(self, node: Component) -> tuple[CalendarItem | Skipped, list[Skipped]]:
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

    def _item(self, node: Component) -> tuple[CalendarItem, list[Skipped]]:
        kind = "event" if node.name == "VEVENT" else "todo"
        uid = _one_line_text(node.get("UID")).strip() or self._generated_uid(node)
        start, start_zone = self._optional(node.get("DTSTART"))
        end, end_zone = self._optional(node.get("DTEND" if kind == "event" else "DUE"))
        duration = node.get("DURATION")
        if end is None and start is not None and duration is not None:
            length = _duration(duration)
            if length < timedelta(0):
                raise ValidationError("DURATION", f"{shorten(duration.value)} is negative")
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
            rdates=tuple(
                added for prop in node.every("RDATE") for added in self._rdates(prop, all_day)
            ),
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

    def _alarm(self, node: Component) -> Alarm:
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
        before = -_duration(trigger)
        return Alarm(
            action=action,
            before=before,
            calendar_days=abs(before).days if _NOMINAL.search(value) else 0,
            related=related,
            description=description,
        )

    def _parent(self, node: Component) -> str:
        for prop in node.every("RELATED-TO"):
            if prop.params.get("RELTYPE", "PARENT").upper() == "PARENT":
                return _one_line_text(prop).strip()
        return ""

    def _generated_uid(self, node: Component) -> str:
        """A UID from the component's content, the same on every import of it.

        DTSTAMP is left out: exporters write the time of the export there.
        """
        digest = hashlib.sha256()
        for _, text in self.lines[node.first : node.last + 1]:
            if not re.match(r"DTSTAMP[;:]", text, re.IGNORECASE):
                digest.update(text.encode() + b"\n")
        return "generated-" + digest.hexdigest()

    def _rule(self, prop: Property, start: date | None) -> str | None:
        """The RRULE text with UNTIL made a date or a UTC time; None for an empty rule.

        Feeds write ``RRULE:`` with nothing after it: no rule, so one occurrence.
        """
        text = prop.value.strip()
        if not text:
            return None
        parts = text.split(";")
        for index, part in enumerate(parts):
            name, _, value = part.partition("=")
            until = _date_value(value.strip()) if name.strip().upper() == "UNTIL" else None
            if (
                isinstance(until, datetime)
                and start is not None
                and not isinstance(start, datetime)
            ):
                parts[index] = f"UNTIL={_last_day(until):%Y%m%d}"
            elif isinstance(until, datetime) and until.tzinfo is None:
                # A floating UNTIL is in the zone of DTSTART; it is kept in UTC.
                zone = start.tzinfo if isinstance(start, datetime) else self.default_zone
                parts[index] = f"UNTIL={until.replace(tzinfo=zone).astimezone(UTC):%Y%m%dT%H%M%SZ}"
        canonical, problem = read_rule(";".join(parts))
        if problem is not None:
            raise ValidationError("RRULE", f"{shorten(text)} cannot be read: {problem}")
        return canonical

    def _rdates(self, prop: Property, all_day: bool) -> list[RecurrenceDate]:
        """The occurrences an RDATE adds: dates, date-times or periods (start/end, start/length)."""
        periods = prop.params.get("VALUE", "").upper() == "PERIOD"
        found = []
        for value in prop.value.split(","):
            first, slash, last = value.strip().partition("/")
            if not first:
                continue
            if periods != bool(slash):
                problem = (
                    "is not a period (start/end)" if periods else "is a period without VALUE=PERIOD"
                )
                raise ValidationError("RDATE", f"{shorten(value)} {problem}")
            start, _ = self._moment(prop._replace(value=first))
            end: date | None = None
            if slash:
                if not isinstance(start, datetime):
                    raise ValidationError(
                        "RDATE", f"{shorten(value)}: a period starts at a date-time"
                    )
                if last.lstrip("+-")[:1].upper() == "P":
                    end = start + _duration(prop._replace(value=last))
                else:
                    end, _ = self._moment(prop._replace(value=last))
                if not isinstance(end, datetime) or end < start:
                    raise ValidationError("RDATE", f"{shorten(value)} does not end after it starts")
            found.append(
                RecurrenceDate(
                    start=self._settle(start, all_day=all_day),
                    end=None if all_day else self._settle(end, all_day=False),
                )
            )
        return found

    def _optional(self, prop: Property | None) -> tuple[date | None, str | None]:
        return (None, None) if prop is None else self._moment(prop)

    def _moments(self, prop: Property) -> list[date]:
        return [
            self._moment(prop._replace(value=value))[0]
            for value in prop.value.split(",")
            if value.strip()
        ]

    def _moment(self, prop: Property) -> tuple[date, str | None]:
        """A DATE or DATE-TIME value, and the IANA name of the zone it was given in.

        A date-time comes back aware in the zone it was given in: UTC,
        the zone of its TZID, or the default zone when floating.
        """
        value = prop.value.strip()
        moment = _date_value(value)
        if moment is None:
            raise ValidationError(prop.name, f"{shorten(value)} is not a date or a date-time")
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
        zone = iana_zone(tzid)
        definition = self.definitions.get(tzid)
        if zone is None and definition is not None:
            # Some writers name the IANA zone of a private TZID here.
            zone = iana_zone(_one_line_text(definition.get("X-LIC-LOCATION")))
            rules = _rules_of(definition) if zone is None else None
            if rules is not None:
                return rules, None
        if zone is None:
            return self.default_zone, None
        if zone.key in UTC_NAMES:
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

    def _instant(self, prop: Property | None) -> datetime | None:
        if prop is None:
            return None
        moment, _ = self._moment(prop)
        if not isinstance(moment, datetime):
            moment = datetime.combine(moment, time(), tzinfo=self.default_zone)
        return moment.astimezone(UTC)


def _last_day(until: datetime) -> date:
    """The last day an all-day series with a date-time UNTIL was meant to have.

    Outlook and Exchange write the author's local midnight of that day in
    UTC: the same date for authors west of Greenwich (``...T050000Z``), the
    evening before for authors east of it (``...T220000Z``).  So a time from
    noon on, in whole minutes, is the next day's midnight; an earlier one, or
    the end of a day (``T235959Z``), is its own date.  Whatever the reader's zone.
    """
    moment = until.replace(tzinfo=None) if until.tzinfo is None else until.astimezone(UTC)
    if moment.hour >= 12 and moment.second == 0:
        return moment.date() + timedelta(days=1)
    return moment.date()


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
