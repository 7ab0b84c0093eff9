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

Recurrence is carried, not expanded: ``rrule`` holds the rule text,
``rdates`` the added occurrences and ``exdates`` the excluded ones; an
item with ``recurrence_id`` overrides one occurrence of the series with the
same ``uid``.

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

from crmcore.adapters.ical import limits, writing
from crmcore.adapters.ical.items import (
    Alarm,
    CalendarItem,
    ParsedCalendar,
    Person,
    RecurrenceDate,
    Skipped,
)
from crmcore.adapters.ical.reading import parse_calendar
from crmcore.adapters.ical.writing import write_calendar

__all__ = [
    "DEFAULT_PRODUCT",
    "MAX_NESTING",
    "Alarm",
    "CalendarItem",
    "ParsedCalendar",
    "Person",
    "RecurrenceDate",
    "Skipped",
    "parse_calendar",
    "write_calendar",
]

# The constants are bound here, not only imported: the API reference reads
# their descriptions from the comments of this module.

#: The PRODID :func:`write_calendar` writes unless told otherwise.
DEFAULT_PRODUCT = writing.DEFAULT_PRODUCT

#: How deep components may nest.  Real files need three levels (VCALENDAR,
#: VEVENT, VALARM); deeper chains are refused before they cost anything.
MAX_NESTING = limits.MAX_NESTING
