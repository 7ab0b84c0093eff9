"""Reminders: "remind N minutes / hours / days before the start (or the end) of a task".

A task has any number of :class:`Reminder` rules (the seed's card: 0 minutes,
4 hours and 3 days before).  Each rule names who is reminded and through
which channels, and may repeat at an interval until every recipient has
acknowledged it.  The moment a reminder fires is computed from the task's
tz-aware planned times, so it is one instant wherever the people are.

Days and weeks are calendar days, as RFC 5545 (section 3.3.6) defines them:
"3 days before" a task at 09:00 is 09:00 three days earlier on the clock of
the zone the task is planned in, even when the clocks changed in between.
Hours and minutes are exact: "72 hours before" is 72 elapsed hours.
"""

from __future__ import annotations

import enum
import re
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

import attrs

from crmcore.domain import checks as check
from crmcore.domain.notifications import IN_APP, channel_names
from crmcore.domain.records import Record
from crmcore.errors import ValidationError

__all__ = ["Anchor", "Recipient", "Reminder", "parse_duration", "parse_offset"]

_UNITS = {
    "m": 60,
    "min": 60,
    "mins": 60,
    "minute": 60,
    "minutes": 60,
    "минут": 60,
    "минуты": 60,
    "минута": 60,
    "h": 3600,
    "hour": 3600,
    "hours": 3600,
    "часов": 3600,
    "часа": 3600,
    "час": 3600,
    "d": 86400,
    "day": 86400,
    "days": 86400,
    "дней": 86400,
    "дня": 86400,
    "день": 86400,
    "w": 604800,
    "week": 604800,
    "weeks": 604800,
    "недель": 604800,
    "недели": 604800,
    "неделя": 604800,
}
_DAY = 86400
_AMOUNT = re.compile(r"^\s*(\d{1,6})\s*([^\d\s]+)\s*$")
_LONGEST = timedelta(days=366)


def parse_duration(value: timedelta | str, field: str = "before") -> timedelta:
    """A duration given as a timedelta or as words: ``"4 hours"``, ``"3 дней"``, ``"15m"``.

    Example:
        >>> parse_duration("4 hours"), parse_duration("3 дней"), parse_duration("0 минут")
        (datetime.timedelta(seconds=14400), datetime.timedelta(days=3), datetime.timedelta(0))
    """
    if isinstance(value, timedelta):
        duration = value
    elif isinstance(value, str):
        match = _AMOUNT.match(value)
        unit = _UNITS.get(match.group(2).lower()) if match else None
        if match is None or unit is None:
            raise ValidationError(
                field, f"{value!r} is not a duration like '15 minutes', '4 hours' or '3 days'"
            )
        duration = timedelta(seconds=int(match.group(1)) * unit)
    else:
        raise ValidationError(field, f"must be a timedelta or text, not {type(value).__name__}")
    if duration < timedelta(0):
        raise ValidationError(field, "must not be negative")
    if duration > _LONGEST:
        raise ValidationError(field, "must not be longer than a year")
    if duration % timedelta(minutes=1):
        raise ValidationError(field, "must be whole minutes")
    return duration


def parse_offset(value: timedelta | str, field: str = "before") -> tuple[timedelta, int]:
    """How long before, and how many of its days are calendar days.

    Days and weeks given as words are calendar days, hours and minutes
    exact.  A timedelta's days are calendar days (a timedelta cannot say
    whether it was meant as 72 hours or 3 days; give ``"72 hours"`` for
    elapsed time).

    Example:
        >>> parse_offset("3 days"), parse_offset("72 hours")
        ((datetime.timedelta(days=3), 3), (datetime.timedelta(days=3), 0))
        >>> parse_offset("1 неделя")
        (datetime.timedelta(days=7), 7)
    """
    duration = parse_duration(value, field)
    if isinstance(value, timedelta):
        return duration, duration.days
    match = _AMOUNT.match(value)
    assert match is not None  # parse_duration has read it
    by_day = _UNITS[match.group(2).lower()] % _DAY == 0
    return duration, duration.days if by_day else 0


def _all_days(instance: Any) -> int:
    """The default of :attr:`Reminder.calendar_days`: the days of ``before``."""
    before = instance.before
    return before.days if isinstance(before, timedelta) and before >= timedelta(0) else 0


class Anchor(enum.StrEnum):
    """What a reminder counts back from."""

    START = "start"
    END = "end"


class Recipient(enum.StrEnum):
    """Who of a task's people a reminder goes to."""

    EXECUTORS = "executors"
    CONTROLLER = "controller"
    AUTHOR = "author"
    WATCHERS = "watchers"


def _to_anchor(value: object) -> object:
    return check.to_enum(Anchor, value)


def _to_recipients(value: object) -> object:
    items = check.as_tuple(value)
    if not isinstance(items, tuple):
        return items
    return tuple(check.to_enum(Recipient, item) for item in items)


def _recipients(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, tuple) or not value:
        raise ValidationError(attribute.name, "must name at least one kind of recipient")
    for item in value:
        if not isinstance(item, Recipient):
            allowed = ", ".join(r.value for r in Recipient)
            raise ValidationError(attribute.name, f"{item!r} is not one of: {allowed}")
    if len(set(value)) != len(value):
        raise ValidationError(attribute.name, "names a recipient twice")


def _non_empty_channels(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    channel_names(instance, attribute, value)
    if not value:
        raise ValidationError(attribute.name, "must name at least one channel")


def _repeat(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is None:
        return
    if not isinstance(value, timedelta):
        raise ValidationError(attribute.name, "must be a duration")
    if value < timedelta(minutes=1) or value % timedelta(minutes=1):
        raise ValidationError(attribute.name, "must be whole minutes, at least one")


def _before(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    parse_duration(value, attribute.name)


def _calendar_days(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValidationError(attribute.name, f"must be a whole number, not {value!r}")
    if not 0 <= value <= instance.before.days:
        raise ValidationError(
            attribute.name, f"must be from 0 to the {instance.before.days} days of before"
        )


@attrs.define(kw_only=True)
class Reminder(Record):
    """One reminder rule of a task, and where it stands.

    Attributes:
        before: how long before the anchor it fires (``timedelta(0)``: at it).
        calendar_days: how many of ``before``'s days are calendar days,
            counted on the clock of the task's zone; the rest is exact.
            By default all of them.
        anchor: the task's planned start or its planned end.
        recipients: which of the task's people get it.
        channels: how they get it (``"in_app"``, ``"email"``, ``"sms"``, ...).
        repeat_every: fire again at this interval until every recipient
            acknowledges it or the task is closed; None fires once.
        next_at: when it fires next; None once it is done.
        fired: how many times it has fired for the current planned times.
        acknowledged_by: the employees who said "seen" (they get no repeats).
    """

    task_id: UUID = attrs.field(validator=check.uuid())
    before: timedelta = attrs.field(validator=_before)
    calendar_days: int = attrs.field(
        default=attrs.Factory(_all_days, takes_self=True), validator=_calendar_days
    )
    anchor: Anchor = attrs.field(
        default=Anchor.START, converter=_to_anchor, validator=check.member_of(Anchor)
    )
    recipients: tuple[Recipient, ...] = attrs.field(
        default=(Recipient.EXECUTORS, Recipient.CONTROLLER),
        converter=_to_recipients,
        validator=_recipients,
    )
    channels: tuple[str, ...] = attrs.field(
        default=(IN_APP, "email"), converter=check.as_tuple, validator=_non_empty_channels
    )
    repeat_every: timedelta | None = attrs.field(default=None, validator=_repeat)
    next_at: datetime | None = attrs.field(
        default=None, converter=check.to_utc, validator=check.aware_datetime(optional=True)
    )
    fired: int = attrs.field(default=0, validator=check.of_type(int))
    acknowledged_by: tuple[UUID, ...] = attrs.field(
        default=(), converter=check.as_tuple, validator=check.tuple_of(UUID)
    )

    def moment(self, planned_start: datetime, planned_end: datetime, time_zone: str) -> datetime:
        """When it first fires for a task planned from ``planned_start`` to ``planned_end``
        in ``time_zone``: the calendar days back on that zone's clock, then the exact rest.

        A wall time the clocks skip that day is read with the offset before
        the jump (it lands later), a repeated one as the anchor's own.

        Example:
            >>> from datetime import datetime, timedelta
            >>> from uuid import uuid4
            >>> from zoneinfo import ZoneInfo
            >>> kyiv = ZoneInfo("Europe/Kyiv")
            >>> task_start = datetime(2026, 10, 26, 9, tzinfo=kyiv)  # the clocks went back on 10-25
            >>> rule = Reminder(task_id=uuid4(), before=timedelta(days=3))
            >>> rule.moment(task_start, task_start, "Europe/Kyiv").astimezone(kyiv).hour
            9
        """
        anchor = planned_start if self.anchor is Anchor.START else planned_end
        exact = self.before - timedelta(days=self.calendar_days)
        if self.calendar_days:
            zone = ZoneInfo(time_zone)
            local = anchor.astimezone(zone)
            wall = local.replace(tzinfo=None) - timedelta(days=self.calendar_days)
            anchor = wall.replace(tzinfo=zone, fold=local.fold).astimezone(UTC)
        return anchor - exact

    def due_anew(self, planned_start: datetime, planned_end: datetime, time_zone: str) -> Reminder:
        """This rule as if never fired, due at its :meth:`moment` for these planned times."""
        return attrs.evolve(
            self,
            next_at=self.moment(planned_start, planned_end, time_zone),
            fired=0,
            acknowledged_by=(),
        )

    def after_firing(self, now: datetime, everyone_acknowledged: bool) -> datetime | None:
        """When it fires next once it has fired at ``now``: None when it is done.

        A repeat skips the moments that passed while nobody dispatched, so a
        worker that was down does not send a burst of repeats.
        """
        if self.repeat_every is None or everyone_acknowledged or self.next_at is None:
            return None
        missed = (now - self.next_at) // self.repeat_every
        return self.next_at + self.repeat_every * (missed + 1)

    def describe(self) -> str:
        """The rule in the seed's words, e.g. ``"4 часов до начала"``."""
        minutes = int(self.before.total_seconds() // 60) - self.calendar_days * 1440
        parts = [f"{self.calendar_days} дней"] if self.calendar_days else []
        if minutes and minutes % 60 == 0:
            parts.append(f"{minutes // 60} часов")
        elif minutes or not parts:
            parts.append(f"{minutes} минут")
        amount = " ".join(parts)
        return f"{amount} до {'начала' if self.anchor is Anchor.START else 'окончания'}"
