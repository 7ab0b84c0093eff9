"""The words a recurrence rule is made of: frequencies, weekdays and months."""

from __future__ import annotations

import enum

__all__ = ["DAY_NAMES", "MONTH_DAYS", "MONTH_NAMES", "WEEKDAY_CODES", "Frequency"]


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
