"""RRULE text: a rule read from and written as an RFC 5545 ``RRULE`` value.

Reading gives the keyword arguments of the rule class, or a
:class:`~crmcore.errors.ValidationError` on the field ``"rrule"`` saying which
part is wrong and why; writing takes any value with the parts of a rule.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from crmcore.domain.recurrence.vocabulary import DAY_NAMES, WEEKDAY_CODES, Frequency, RuleParts
from crmcore.errors import ValidationError

__all__ = ["read_rrule", "rrule_errors", "write_rrule"]

# Where an error of a rule's field comes from in RRULE text.
_PARTS = {
    "frequency": "FREQ",
    "interval": "INTERVAL",
    "count": "COUNT",
    "until": "UNTIL",
    "weekdays": "BYDAY",
    "nth": "BYDAY",
    "month_day": "BYMONTHDAY",
    "month": "BYMONTH",
    "week_start": "WKST",
}
_KNOWN = {"FREQ", "INTERVAL", "COUNT", "UNTIL", "BYDAY", "BYMONTHDAY", "BYMONTH", "WKST"}
_UNSUPPORTED = {"BYSECOND", "BYMINUTE", "BYHOUR", "BYWEEKNO", "BYYEARDAY", "BYSETPOS"}
_NAME = re.compile(r"^[A-Z][A-Z-]*$")
_NUMBER = re.compile(r"^[+-]?\d{1,9}$")
_BYDAY = re.compile(r"^(?P<nth>[+-]?\d{1,2})?(?P<code>MO|TU|WE|TH|FR|SA|SU)$")
_UNTIL = re.compile(r"^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})(Z?))?$")


# ---------------------------------------------------------------- reading


def _fail(problem: str) -> ValidationError:
    return ValidationError("rrule", problem)


def _number(name: str, value: str) -> int:
    if not _NUMBER.match(value):
        raise _fail(f"{name}={value} is not a whole number (of at most 9 digits)")
    return int(value)


def _until(value: str, zone: ZoneInfo, at: time) -> datetime:
    found = _UNTIL.match(value)
    if not found:
        raise _fail(f"UNTIL={value} is not a date (YYYYMMDD) or date-time (YYYYMMDDTHHMMSS[Z])")
    year, month, day, hour, minute, second, utc = found.groups()
    try:
        if hour is None:
            # A date: RFC 5545 asks for one only with a date start; readers
            # take it as that date at the start's time of day, where the
            # series is kept, which includes an occurrence on that date.
            return datetime.combine(date(int(year), int(month), int(day)), at, tzinfo=zone)
        moment = datetime(int(year), int(month), int(day), int(hour), int(minute), int(second))
    except (ValueError, OverflowError):
        raise _fail(f"UNTIL={value} is not a valid date") from None
    return moment.replace(tzinfo=UTC if utc else zone)


def read_rrule(text: str, zone: ZoneInfo, start: object) -> dict[str, Any]:
    """The rule's keyword arguments for an RRULE value; ``UNTIL`` is read in ``zone``,
    a date ``UNTIL`` at the time of day ``start`` has there."""
    if not isinstance(text, str):
        raise _fail(f"must be str, not {type(text).__name__}")
    body = text.strip().upper()
    if body.startswith("RRULE:"):
        body = body[len("RRULE:") :]
    if not body:
        raise _fail("is empty")
    parts: dict[str, str] = {}
    for piece in body.split(";"):
        name, equals, value = piece.partition("=")
        if not equals or not value or "=" in value or not _NAME.match(name):
            raise _fail(f"{piece!r} is not a NAME=VALUE part")
        if name not in _KNOWN | _UNSUPPORTED:
            raise _fail(f"{name} is not an RRULE part")
        if name in parts:
            raise _fail(f"{name} is given twice")
        parts[name] = value
    if "FREQ" not in parts:
        raise _fail("FREQ is missing")
    freq = parts["FREQ"]
    _check_combination(parts)
    for name in sorted(parts.keys() & _UNSUPPORTED):
        raise _fail(f"{name} is not supported")
    if freq in ("SECONDLY", "MINUTELY", "HOURLY"):
        raise _fail(f"FREQ={freq} is not supported (daily is the most frequent)")
    if freq.lower() not in {member.value for member in Frequency}:
        raise _fail(f"FREQ={freq} is not a frequency")
    fields: dict[str, Any] = {"frequency": Frequency(freq.lower())}
    if "INTERVAL" in parts:
        fields["interval"] = _number("INTERVAL", parts["INTERVAL"])
    if "COUNT" in parts:
        fields["count"] = _number("COUNT", parts["COUNT"])
    if "UNTIL" in parts:
        fields["until"] = _until(parts["UNTIL"], zone, _time_of_day(start, zone))
    if "BYMONTH" in parts:
        if "," in parts["BYMONTH"]:
            raise _fail("several months in BYMONTH are not supported")
        fields["month"] = _number("BYMONTH", parts["BYMONTH"])
    if "BYMONTHDAY" in parts:
        if "," in parts["BYMONTHDAY"]:
            raise _fail("several days in BYMONTHDAY are not supported")
        fields["month_day"] = _number("BYMONTHDAY", parts["BYMONTHDAY"])
    if "WKST" in parts:
        if parts["WKST"] not in WEEKDAY_CODES:
            raise _fail(f"WKST={parts['WKST']} is not a weekday (MO, TU, ... SU)")
        fields["week_start"] = WEEKDAY_CODES.index(parts["WKST"])
    if "BYDAY" in parts:
        fields.update(_byday(parts["BYDAY"], fields))
    return fields


def _time_of_day(start: object, zone: ZoneInfo) -> time:
    """The wall time of ``start`` in ``zone``; midnight for a start the rule will refuse."""
    if not isinstance(start, datetime) or start.utcoffset() is None:
        return time()
    try:
        return start.astimezone(zone).time()
    except OverflowError:
        return time()


def _check_combination(parts: dict[str, str]) -> None:
    """The combinations RFC 5545 rules out, whether crmcore holds the parts or not."""
    freq = parts["FREQ"]
    if "BYWEEKNO" in parts and freq != "YEARLY":
        raise _fail(f"BYWEEKNO is only valid with FREQ=YEARLY, not FREQ={freq}")
    if "BYYEARDAY" in parts and freq in ("DAILY", "WEEKLY", "MONTHLY"):
        raise _fail(f"BYYEARDAY is not valid with FREQ={freq}")
    if "BYMONTHDAY" in parts and freq == "WEEKLY":
        raise _fail("BYMONTHDAY is not valid with FREQ=WEEKLY")
    if "BYSETPOS" in parts and not any(
        name.startswith("BY") and name != "BYSETPOS" for name in parts
    ):
        raise _fail("BYSETPOS needs another BY part (BYDAY, BYMONTHDAY, ...) to pick from")


def _byday(value: str, fields: dict[str, Any]) -> dict[str, Any]:
    days: list[tuple[int | None, int]] = []
    for item in value.split(","):
        found = _BYDAY.match(item)
        if not found:
            raise _fail(f"BYDAY: {item!r} is not a weekday such as MO, 2TU or -1FR")
        nth = found["nth"]
        days.append((None if nth is None else int(nth), WEEKDAY_CODES.index(found["code"])))
    frequency = fields["frequency"]
    if frequency in (Frequency.DAILY, Frequency.WEEKLY):
        if any(nth is not None for nth, _ in days):
            raise _fail(f"BYDAY: {value} has an ordinal, which only monthly and yearly rules take")
        if frequency is Frequency.DAILY and not {"month", "month_day"} & fields.keys():
            if fields.get("interval", 1) != 1:
                raise _fail("BYDAY with FREQ=DAILY is supported only with INTERVAL=1")
            # Every day that is one of these weekdays: the same series, kept as weekly.
            return {"frequency": Frequency.WEEKLY, "weekdays": tuple(day for _, day in days)}
        return {"weekdays": tuple(day for _, day in days)}
    if len(days) != 1:
        raise _fail(f"BYDAY: several weekdays are not supported with FREQ={frequency.upper()}")
    nth, day = days[0]
    if nth is None:
        raise _fail(
            f"BYDAY: {value} without an ordinal (every {DAY_NAMES[day]} of the month) is not "
            f"supported; give one, e.g. 1{value} or -1{value}"
        )
    return {"nth": nth, "weekdays": (day,)}


@contextmanager
def rrule_errors() -> Iterator[None]:
    """Errors of the fields of a rule made from RRULE text, as errors of the text's parts.

    An error of ``interval`` becomes one of ``"rrule"`` naming ``INTERVAL``;
    errors of fields the text does not give (``start``, ...) pass unchanged.
    """
    try:
        yield
    except ValidationError as error:
        part = _PARTS.get(error.field)
        if part is None:
            raise
        raise ValidationError("rrule", f"{part}: {error.problem}") from None


# ---------------------------------------------------------------- writing


def write_rrule(rule: RuleParts) -> str:
    """``rule`` as an RRULE value, without ``DTSTART`` and exceptions; ``UNTIL`` in UTC."""
    parts = [f"FREQ={rule.frequency.value.upper()}"]
    if rule.interval != 1:
        parts.append(f"INTERVAL={rule.interval}")
    if rule.month is not None:
        parts.append(f"BYMONTH={rule.month}")
    if rule.month_day is not None:
        parts.append(f"BYMONTHDAY={rule.month_day}")
    if rule.weekdays:
        prefix = "" if rule.nth is None else str(rule.nth)
        parts.append("BYDAY=" + ",".join(prefix + WEEKDAY_CODES[day] for day in rule.weekdays))
    if rule.week_start != 0:
        parts.append(f"WKST={WEEKDAY_CODES[rule.week_start]}")
    if rule.count is not None:
        parts.append(f"COUNT={rule.count}")
    if rule.until is not None:
        parts.append(f"UNTIL={rule.until:%Y%m%dT%H%M%SZ}")
    return ";".join(parts)
