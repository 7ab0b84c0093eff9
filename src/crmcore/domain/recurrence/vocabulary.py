"""The words a recurrence rule is made of: frequencies, weekdays and months."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Protocol

__all__ = ["DAY_NAMES", "MONTH_DAYS", "MONTH_NAMES", "WEEKDAY_CODES", "Frequency", "RuleParts"]


class Frequency(enum.StrEnum):
    """How often a series repeats (``FREQ`` of RFC 5545), before its interval."""

    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"
    YEARLY = "yearly"


#: The RFC 5545 codes of the weekdays, Monday (0) first.
WEEKDAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
#: The English short names of the weekdays, Monday (0) first.
DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
#: The English short names of the months, January first.
MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
#: The most days each month can have (February in a leap year), January first.
MONTH_DAYS = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


class RuleParts(Protocol):
    """The parts of a rule, as the checks, the arithmetic, the RRULE text and the words read them.

    :class:`~crmcore.domain.recurrence.Recurrence` is one; see it for what
    each part means.
    """

    @property
    def frequency(self) -> Frequency: ...
    @property
    def start(self) -> datetime: ...
    @property
    def interval(self) -> int: ...
    @property
    def weekdays(self) -> tuple[int, ...]: ...
    @property
    def month_day(self) -> int | None: ...
    @property
    def nth(self) -> int | None: ...
    @property
    def month(self) -> int | None: ...
    @property
    def week_start(self) -> int: ...
    @property
    def count(self) -> int | None: ...
    @property
    def until(self) -> datetime | None: ...
    @property
    def exceptions(self) -> frozenset[datetime]: ...
