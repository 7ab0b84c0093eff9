"""The words of a rule: the short English description a task card shows."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from crmcore.domain.recurrence.vocabulary import DAY_NAMES, MONTH_NAMES, Frequency, RuleParts

__all__ = ["describe"]


def describe(rule: RuleParts, first: date, zone: ZoneInfo) -> str:
    """``rule`` in a few English words; ``first`` is the start's date in ``zone``."""
    units = {
        Frequency.DAILY: "day",
        Frequency.WEEKLY: "week",
        Frequency.MONTHLY: "month",
        Frequency.YEARLY: "year",
    }
    unit = units[rule.frequency]
    text = f"every {unit}" if rule.interval == 1 else f"every {rule.interval} {unit}s"
    if rule.frequency is Frequency.WEEKLY:
        days = rule.weekdays or (first.weekday(),)
        text += " on " + ", ".join(DAY_NAMES[day] for day in days)
    elif rule.frequency is Frequency.MONTHLY:
        text += " on " + _day_words(rule, first)
    elif rule.frequency is Frequency.YEARLY:
        month = MONTH_NAMES[(rule.month or first.month) - 1]
        if rule.month_day is None and rule.nth is None:
            text += f" on {month} {first.day}"
        elif rule.month_day is not None and rule.month_day > 0:
            text += f" on {month} {rule.month_day}"
        else:
            text += f" on {_day_words(rule, first)} of {month}"
    if rule.count is not None:
        text += ", once" if rule.count == 1 else f", {rule.count} times"
    if rule.until is not None:
        text += f", until {rule.until.astimezone(zone).date().isoformat()}"
    if rule.exceptions:
        text += f", {len(rule.exceptions)} skipped"
    return text


def _day_words(rule: RuleParts, first: date) -> str:
    if rule.nth is not None:
        which = "last" if rule.nth == -1 else _from_end(rule.nth)
        return f"the {which} {DAY_NAMES[rule.weekdays[0]]}"
    day = rule.month_day if rule.month_day is not None else first.day
    if day == -1:
        return "the last day"
    return f"the {_from_end(day)}" if day > 0 else f"the {_from_end(day)} day"


def _from_end(n: int) -> str:
    """``2`` -> ``"2nd"``, ``-2`` -> ``"2nd-to-last"``."""
    size = abs(n)
    suffix = "th" if 10 <= size % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(size % 10, "th")
    return f"{size}{suffix}" + ("-to-last" if n < 0 else "")
