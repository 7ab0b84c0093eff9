"""Writing :class:`~crmcore.adapters.ical.items.CalendarItem` values as an iCalendar file."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import attrs
import icalendar

from crmcore.adapters.ical.items import Alarm, CalendarItem, Person
from crmcore.adapters.ical.limits import FORBIDDEN_CONTROL
from crmcore.adapters.ical.syntax import NAME
from crmcore.errors import ValidationError

__all__ = ["DEFAULT_PRODUCT", "write_calendar"]

#: The PRODID :func:`write_calendar` writes unless told otherwise.
DEFAULT_PRODUCT = "-//crmcore//crmcore//EN"


# The years VTIMEZONE rules are written for: these at least, wider when
# items need it, but never beyond the outer pair (icalendar cannot reach the
# ends of the calendar, and centuries of rules only make the file long).
_ZONE_RULES_FROM = date(1970, 1, 1)
_ZONE_RULES_UNTIL = date(2038, 1, 1)
_ZONE_RULES_EARLIEST = date(1800, 1, 1)
_ZONE_RULES_LATEST = date(2300, 1, 1)

# Writing TZID times needs VTIMEZONE components, which recent icalendar
# releases generate from the zone database; with older ones times are
# written in UTC.
_WRITES_TIME_ZONES = hasattr(icalendar.Calendar, "add_missing_timezones")


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
        if not isinstance(value, str) or FORBIDDEN_CONTROL.search(value) or "\n" in value:
            raise ValidationError(field, "must be one line of text")
    if method is not None and (not isinstance(method, str) or not NAME.fullmatch(method)):
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
            trigger = icalendar.prop.vInline(_duration(-alarm.before, alarm.calendar_days))
            component.add("trigger", trigger, related)
        reminder = self.item.summary or "Reminder"
        needs_text = alarm.action.upper() in ("DISPLAY", "EMAIL")
        description = alarm.description or (reminder if needs_text else "")
        if description:
            component.add("description", description)
        if alarm.action.upper() == "EMAIL":
            component.add("summary", reminder)
        return component


def _duration(value: timedelta, calendar_days: int) -> str:
    """``value`` as an RFC 5545 duration: its first ``calendar_days`` days as days,
    the rest as hours, minutes and seconds.

    ``-P3D`` is three calendar days, which a calendar program counts on the
    clock, and ``-PT72H`` three exact days; a reminder says which it is.

    Example:
        >>> _duration(-timedelta(days=3), 0), _duration(-timedelta(days=3), 3)
        ('-PT72H', '-P3D')
        >>> _duration(timedelta(days=1, minutes=90), 1)
        'P1DT1H30M'
    """
    sign = "-" if value < timedelta(0) else ""
    seconds = int(abs(value).total_seconds()) - calendar_days * 86400
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    parts = [f"{hours}H" if hours else "", f"{minutes}M" if minutes else ""]
    parts.append(f"{seconds}S" if seconds or not (any(parts) or calendar_days) else "")
    days = f"{calendar_days}D" if calendar_days else ""
    clock = "".join(parts)
    return f"{sign}P{days}{'T' + clock if clock else ''}"


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
