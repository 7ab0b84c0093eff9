"""Recurrence rules: tasks that repeat daily, weekly, monthly or yearly.

A :class:`Recurrence` is an immutable value holding one rule in the terms of
RFC 5545 (the ``RRULE`` of iCalendar) that a task card can offer: a
frequency with an interval, the weekdays of a week, a day of the month or the
n-th weekday of a month, an end after a number of occurrences or on a date,
and occurrences skipped one by one.  Its occurrences are the ones
python-dateutil's ``rrule`` gives for the same rule and start, less the
skipped ones; they are computed from the window asked for, so a series
started years ago costs no more than a new one.

Wall-clock times are kept in the rule's zone: a task at 09:00 stays at 09:00
when daylight saving time begins or ends.  On the day a wall time does not
exist (the clocks jump over it) the occurrence falls that much later, and
where a wall time happens twice it is the first of the two.

Example:
    >>> from datetime import datetime
    >>> from zoneinfo import ZoneInfo
    >>> kyiv = ZoneInfo("Europe/Kyiv")
    >>> rule = Recurrence.weekly(
    ...     datetime(2026, 3, 23, 9, 0, tzinfo=kyiv), "Europe/Kyiv", weekdays=(0, 2, 4)
    ... )
    >>> rule.to_rrule()
    'FREQ=WEEKLY;BYDAY=MO,WE,FR'
    >>> [
    ...     o.strftime("%a %d %H:%M %z")
    ...     for o in rule.occurrences(
    ...         datetime(2026, 3, 27, tzinfo=kyiv), datetime(2026, 4, 2, tzinfo=kyiv)
    ...     )
    ... ]
    ['Fri 27 09:00 +0200', 'Mon 30 09:00 +0300', 'Wed 01 09:00 +0300']
"""

from __future__ import annotations

from crmcore.domain.recurrence.rule import Recurrence
from crmcore.domain.recurrence.vocabulary import Frequency

__all__ = ["Frequency", "Recurrence"]
