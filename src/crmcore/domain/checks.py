"""Field validators for the attrs model; each raises ValidationError naming the field."""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, TypeVar
from uuid import UUID

import attrs

from crmcore.errors import ValidationError

T = TypeVar("T")
Validator = Callable[[Any, "attrs.Attribute[Any]", Any], None]

_EMAIL = re.compile(r"^[^@\s<>,;\"]+@[^@\s<>,;\"]+\.[^@\s<>,;\"]+$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _type_name(expected: type | tuple[type, ...]) -> str:
    if isinstance(expected, tuple):
        return " or ".join(t.__name__ for t in expected)
    return expected.__name__


def of_type(expected: type | tuple[type, ...], *, optional: bool = False) -> Validator:
    """The value is an instance of ``expected`` (or None when ``optional``)."""

    def check(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
        if value is None and optional:
            return
        # bool is an int subclass; an int field must not silently take True.
        if isinstance(value, bool) and bool not in (
            expected if isinstance(expected, tuple) else (expected,)
        ):
            raise ValidationError(attribute.name, f"must be {_type_name(expected)}, not bool")
        if not isinstance(value, expected):
            raise ValidationError(
                attribute.name,
                f"must be {_type_name(expected)}, not {type(value).__name__}",
            )

    return check


def text(*, required: bool = True, max_length: int = 1000, optional: bool = False) -> Validator:
    """A string without control characters; non-blank when ``required``."""

    def check(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
        if value is None and optional:
            return
        if not isinstance(value, str):
            raise ValidationError(attribute.name, f"must be str, not {type(value).__name__}")
        if required and not value.strip():
            raise ValidationError(attribute.name, "must not be empty")
        if len(value) > max_length:
            raise ValidationError(attribute.name, f"is longer than {max_length} characters")
        if _CONTROL.search(value):
            raise ValidationError(attribute.name, "must not contain control characters")

    return check


def long_text(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    """Free text (notes, details): any length, str only."""
    if not isinstance(value, str):
        raise ValidationError(attribute.name, f"must be str, not {type(value).__name__}")


def long_text_or_none(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    """Free text of any length, or None."""
    if value is not None and not isinstance(value, str):
        raise ValidationError(attribute.name, f"must be str, not {type(value).__name__}")


def aware_datetime(*, optional: bool = False) -> Validator:
    """A timezone-aware datetime; naive datetimes are refused, not guessed."""

    def check(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
        if value is None and optional:
            return
        if not isinstance(value, datetime):
            raise ValidationError(attribute.name, f"must be datetime, not {type(value).__name__}")
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValidationError(attribute.name, "must be timezone-aware (got a naive datetime)")

    return check


def day(*, optional: bool = False) -> Validator:
    """A calendar date, not a datetime: money is dated by day."""

    def check(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
        if value is None and optional:
            return
        if not isinstance(value, date) or isinstance(value, datetime):
            raise ValidationError(attribute.name, f"must be a date, not {type(value).__name__}")

    return check


def to_utc(value: Any) -> Any:
    """Normalise aware datetimes to UTC; leave anything else for the validator."""
    if isinstance(value, datetime) and value.tzinfo is not None and value.utcoffset() is not None:
        return value.astimezone(UTC)
    return value


def non_negative_duration(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is None:
        return
    if not isinstance(value, timedelta):
        raise ValidationError(attribute.name, f"must be timedelta, not {type(value).__name__}")
    if value < timedelta(0):
        raise ValidationError(attribute.name, "must not be negative")


def email(*, optional: bool = False) -> Validator:
    def check(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
        if value is None and optional:
            return
        _check_email(attribute.name, value)

    return check


def _check_email(field: str, value: Any) -> None:
    if not isinstance(value, str):
        raise ValidationError(field, f"must be str, not {type(value).__name__}")
    if not _EMAIL.match(value):
        raise ValidationError(field, f"{value!r} is not an e-mail address")


def emails(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, tuple):
        raise ValidationError(attribute.name, f"must be a tuple, not {type(value).__name__}")
    for index, item in enumerate(value):
        _check_email(f"{attribute.name}[{index}]", item)


def tuple_of(item_type: type) -> Validator:
    def check(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
        if not isinstance(value, tuple):
            raise ValidationError(attribute.name, f"must be a tuple, not {type(value).__name__}")
        for index, item in enumerate(value):
            if not isinstance(item, item_type):
                raise ValidationError(
                    f"{attribute.name}[{index}]",
                    f"must be {item_type.__name__}, not {type(item).__name__}",
                )

    return check


def tags(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, tuple):
        raise ValidationError(attribute.name, f"must be a tuple, not {type(value).__name__}")
    for index, item in enumerate(value):
        if not isinstance(item, str) or not item.strip():
            raise ValidationError(f"{attribute.name}[{index}]", "must be a non-empty string")
        if len(item) > 100:
            raise ValidationError(f"{attribute.name}[{index}]", "is longer than 100 characters")


def time_zone(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, str):
        raise ValidationError(attribute.name, f"must be str, not {type(value).__name__}")
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValidationError(attribute.name, f"{value!r} is not an IANA time zone") from None


def uuid(*, optional: bool = False) -> Validator:
    return of_type(UUID, optional=optional)


def positive_version(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ValidationError(attribute.name, "must be a non-negative integer")


def to_enum(enum_type: type[Any], value: object) -> object:
    """A known value (``"customer"``) as the enum member; others are left to the validator."""
    try:
        return enum_type(value)
    except ValueError:
        return value


def member_of(enum_type: type[Any]) -> Validator:
    def check(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
        if not isinstance(value, enum_type):
            allowed = ", ".join(item.value for item in enum_type)
            raise ValidationError(attribute.name, f"{value!r} is not one of: {allowed}")

    return check


def as_tuple(value: Any) -> Any:
    """Accept any iterable (not a lone string) for a tuple field."""
    if isinstance(value, (list, set, frozenset)):
        return tuple(value)
    return value


def strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def to_hours(value: Any) -> Any:
    """Hours as a Decimal to the hundredth; ints, floats and numeric strings are accepted."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, (int, float, str, Decimal)):
        try:
            number = Decimal(str(value)) if not isinstance(value, Decimal) else value
        except InvalidOperation:
            return value
        if not number.is_finite():
            return value
        return number.quantize(_HUNDREDTH, rounding=ROUND_HALF_UP)
    return value


_HUNDREDTH = Decimal("0.01")


def hours(*, optional: bool = False) -> Validator:
    """A non-negative number of hours (a Decimal after :func:`to_hours`)."""

    def check(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
        if value is None and optional:
            return
        if not isinstance(value, Decimal):
            raise ValidationError(attribute.name, f"must be a number of hours, not {value!r}")
        if value < 0:
            raise ValidationError(attribute.name, "must not be negative")
        if value > _MAX_HOURS:
            raise ValidationError(attribute.name, f"must not exceed {_MAX_HOURS} hours")

    return check


_MAX_HOURS = Decimal("1000000")


def percent(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    """A whole percentage from 0 to 100."""
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValidationError(attribute.name, f"must be an integer percentage, not {value!r}")
    if not 0 <= value <= 100:
        raise ValidationError(attribute.name, f"must be between 0 and 100, not {value}")


def identifier(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    """A name code refers to: a letter, then letters, digits or underscores (at most 64)."""
    if not isinstance(value, str) or not _IDENTIFIER.match(value):
        raise ValidationError(
            attribute.name,
            f"{value!r} is not a name: use a letter, then letters, digits or _ (at most 64)",
        )


_IDENTIFIER = re.compile(r"^[^\W\d]\w{0,63}$")
