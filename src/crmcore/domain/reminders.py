"""Reminders: "remind N minutes / hours / days before the start (or the end) of a task".

A task has any number of :class:`Reminder` rules (the seed's card: 0 minutes,
4 hours and 3 days before).  Each rule names who is reminded and through
which channels, and may repeat at an interval until every recipient has
acknowledged it.  The moment a reminder fires is computed from the task's
tz-aware planned times, so it is one instant wherever the people are.
"""

from __future__ import annotations

import enum
import re
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import attrs

from crmcore.domain import checks as check
from crmcore.domain.notifications import IN_APP, channel_names
from crmcore.domain.records import Record
from crmcore.errors import ValidationError

__all__ = ["Anchor", "Recipient", "Reminder", "parse_duration"]

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


@attrs.define(kw_only=True)
class Reminder(Record):
    """One reminder rule of a task, and where it stands.

    Attributes:
        before: how long before the anchor it fires (``timedelta(0)``: at it).
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

    def moment(self, planned_start: datetime, planned_end: datetime) -> datetime:
        """When it first fires for a task planned from ``planned_start`` to ``planned_end``."""
        anchor = planned_start if self.anchor is Anchor.START else planned_end
        return anchor - self.before

    def due_anew(self, planned_start: datetime, planned_end: datetime) -> Reminder:
        """This rule as if never fired, due at its :meth:`moment` for these planned times."""
        return attrs.evolve(
            self, next_at=self.moment(planned_start, planned_end), fired=0, acknowledged_by=()
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
        minutes = int(self.before.total_seconds() // 60)
        if minutes and minutes % 1440 == 0:
            amount = f"{minutes // 1440} дней"
        elif minutes and minutes % 60 == 0:
            amount = f"{minutes // 60} часов"
        else:
            amount = f"{minutes} минут"
        return f"{amount} до {'начала' if self.anchor is Anchor.START else 'окончания'}"
