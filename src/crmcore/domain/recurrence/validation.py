"""The checks of a recurrence rule: its fields one by one, the rule as a whole, its arguments.

The field validators and converters raise
:class:`~crmcore.errors.ValidationError` naming the field; :func:`check_rule`
names the part at fault for parts that do not go together.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import attrs

from crmcore.domain import checks as check
from crmcore.domain.recurrence.vocabulary import Frequency, RuleParts
from crmcore.errors import ValidationError

__all__ = [
    "as_utc",
    "at_least_one",
    "aware_instants",
    "check_rule",
    "to_frequency",
    "to_instants",
    "to_weekdays",
    "valid_days",
    "within",
    "yearly_month",
]


# ---------------------------------------------------------------- field checks


def within(low: int, high: int, *, optional: bool = False, zero: bool = True) -> check.Validator:
    """An int from ``low`` to ``high``; ``zero=False`` leaves 0 out of the range."""

    def validate(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
        if value is None and optional:
            return
        if not isinstance(value, int) or isinstance(value, bool):
            raise ValidationError(attribute.name, f"must be a whole number, not {value!r}")
        if zero:
            if not low <= value <= high:
                raise ValidationError(
                    attribute.name, f"must be between {low} and {high}, not {value}"
                )
        elif value == 0 or not low <= value <= high:
            raise ValidationError(attribute.name, f"must be 1..{high} or -{high}..-1, not {value}")

    return validate


def at_least_one(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    """A whole number from 1 up, or None."""
    if value is None:
        return
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValidationError(attribute.name, f"must be a whole number, not {value!r}")
    if value < 1:
        raise ValidationError(attribute.name, f"must be at least 1, not {value}")


def to_weekdays(value: Any) -> Any:
    """Weekdays in any order, repeated or not, as the sorted tuple of distinct days."""
    if isinstance(value, Iterable) and not isinstance(value, str | bytes):
        items = tuple(value)
        if all(isinstance(day, int) and not isinstance(day, bool) for day in items):
            return tuple(sorted(set(items)))
        return items
    return value


def valid_days(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    """A tuple of weekdays, 0 (Monday) to 6 (Sunday)."""
    if not isinstance(value, tuple):
        raise ValidationError(attribute.name, f"must be a tuple, not {type(value).__name__}")
    for day in value:
        if not isinstance(day, int) or isinstance(day, bool) or not 0 <= day <= 6:
            raise ValidationError(
                attribute.name, f"must hold weekdays 0 (Monday) to 6 (Sunday), not {day!r}"
            )


def to_instants(value: Any) -> Any:
    """Aware datetimes as a frozenset of UTC instants; anything else for the validator."""
    if isinstance(value, Iterable) and not isinstance(value, str | bytes):
        items = tuple(value)
        if all(isinstance(item, datetime) and item.utcoffset() is not None for item in items):
            return frozenset(item.astimezone(UTC) for item in items)
        return items
    return value


def aware_instants(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    """Timezone-aware datetimes only."""
    for item in value if isinstance(value, frozenset | tuple) else (value,):
        if not isinstance(item, datetime) or item.utcoffset() is None:
            raise ValidationError(
                attribute.name, f"must hold timezone-aware datetimes, not {item!r}"
            )


def to_frequency(value: object) -> object:
    """A frequency from its name in any case; anything else for the validator."""
    return check.to_enum(Frequency, value.lower() if isinstance(value, str) else value)


# ---------------------------------------------------------------- arguments


def as_utc(field: str, value: object) -> datetime:
    """A method argument as a UTC instant; naive datetimes are refused."""
    if not isinstance(value, datetime):
        raise ValidationError(field, f"must be datetime, not {type(value).__name__}")
    if value.utcoffset() is None:
        raise ValidationError(field, "must be timezone-aware (got a naive datetime)")
    try:
        return value.astimezone(UTC)
    except OverflowError:  # datetime.max or .min in a zone: as far as UTC goes
        return (datetime.max if value.year == datetime.max.year else datetime.min).replace(
            tzinfo=UTC
        )


def yearly_month(
    month: int | None, day: int | None, nth: int | None, start: object, time_zone: str
) -> int | None:
    """The month of a yearly rule: ``month``, or the start's (in ``time_zone``) when a
    ``day`` or an ``nth`` weekday is given without one.

    None when the start or the zone is unusable: the rule says why.
    """
    if month is not None or (day is None and nth is None) or not isinstance(start, datetime):
        return month
    try:
        return start.astimezone(ZoneInfo(time_zone)).month
    except (ValueError, KeyError, OverflowError):
        return None


# ---------------------------------------------------------------- the rule as a whole


def _shape(rule: RuleParts) -> None:
    """The parts that go together for the rule's frequency (field errors name the part)."""
    frequency = rule.frequency
    if frequency in (Frequency.DAILY, Frequency.WEEKLY):
        adjective = frequency.value
        if rule.weekdays and frequency is Frequency.DAILY:
            raise ValidationError(
                "weekdays", "are not used by a daily rule (a weekly one picks weekdays)"
            )
        for name in ("month_day", "nth", "month"):
            if getattr(rule, name) is not None:
                raise ValidationError(name, f"is not used by a {adjective} rule")
        return
    if frequency is Frequency.MONTHLY and rule.month is not None:
        raise ValidationError("month", "is not used by a monthly rule (a yearly one has it)")
    if rule.nth is not None:
        if rule.month_day is not None:
            raise ValidationError("nth", "cannot be combined with month_day")
        if len(rule.weekdays) != 1:
            raise ValidationError(
                "nth", f"needs exactly one weekday (as in the last Friday), not {rule.weekdays}"
            )
    elif rule.weekdays:
        raise ValidationError(
            "weekdays", f"a {frequency.value} rule takes one weekday, together with nth"
        )
    # A yearly rule on a day its month never has (30 February) is valid and
    # yields nothing, as RFC 5545 and dateutil have it: an empty series.
    if (
        frequency is Frequency.YEARLY
        and rule.month is None
        and (rule.month_day is not None or rule.nth is not None)
    ):
        raise ValidationError("month", "is needed by a yearly rule on a day of the month")


def check_rule(rule: RuleParts) -> None:
    """The checks of parts taken together: the ends, and the parts the frequency takes."""
    if rule.count is not None and rule.until is not None:
        raise ValidationError(
            "until", "cannot be combined with count: a series ends after N times or on a date"
        )
    if rule.until is not None and rule.until < rule.start:
        raise ValidationError("until", "is before start")
    _shape(rule)
