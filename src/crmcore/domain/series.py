"""A repeating task: its rule, the task every occurrence copies, and how far it has come.

Policy: a series materialises the task of an occurrence ``lead`` before the
occurrence starts (one day unless chosen), when ``crm.tasks.materialise`` or
the dispatcher runs.  Each occurrence becomes a task at most once (the pair
series, occurrence is unique), in order, and never past the rule's end.
Views that need occurrences further ahead compute them on demand
(``crm.tasks.occurrences``) without storing anything.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import attrs

from crmcore.domain import checks as check
from crmcore.domain.records import Record
from crmcore.domain.recurrence import Frequency, Recurrence
from crmcore.errors import ValidationError

__all__ = ["DEFAULT_LEAD", "Series"]

#: How long before an occurrence starts its task is created, unless chosen.
DEFAULT_LEAD = timedelta(days=1)

_RULE_FIELDS = (
    "frequency",
    "interval",
    "weekdays",
    "month_day",
    "nth",
    "month",
    "week_start",
    "count",
    "until",
    "start",
    "time_zone",
)


def _lead(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, timedelta) or value < timedelta(0):
        raise ValidationError(attribute.name, "must be a duration, not negative")
    if value > timedelta(days=366):
        raise ValidationError(attribute.name, "must not be longer than a year")


@attrs.define(kw_only=True)
class Series(Record):
    """The stored form of a repeating task.

    ``template_id`` is the task each new occurrence copies (the series' first
    task, or the task a "this and following" edit started from);
    ``next_at`` is the next occurrence not yet made a task (None: the rule
    has ended).  The rule's fields are those of :class:`Recurrence`.
    """

    template_id: UUID = attrs.field(validator=check.uuid())
    frequency: str
    interval: int
    weekdays: tuple[int, ...]
    month_day: int | None
    nth: int | None
    month: int | None
    week_start: int
    count: int | None
    until: datetime | None
    start: datetime
    time_zone: str
    exceptions: tuple[datetime, ...] = ()
    lead: timedelta = attrs.field(default=DEFAULT_LEAD, validator=_lead)
    next_at: datetime | None = attrs.field(
        default=None, converter=check.to_utc, validator=check.aware_datetime(optional=True)
    )
    #: When the task of ``next_at`` is to be created: ``next_at - lead``.
    materialise_at: datetime | None = attrs.field(
        default=None, converter=check.to_utc, validator=check.aware_datetime(optional=True)
    )
    archived: bool = attrs.field(default=False, validator=check.of_type(bool))

    @classmethod
    def of(cls, recurrence: Recurrence, **fields: Any) -> Series:
        """A series storing ``recurrence``; ``fields`` are the others (``template_id``, ...)."""
        return cls(**cls.rule_fields(recurrence), **fields)

    @staticmethod
    def rule_fields(recurrence: Recurrence) -> dict[str, Any]:
        """The stored fields that hold ``recurrence``."""
        values = {name: getattr(recurrence, name) for name in _RULE_FIELDS}
        values["frequency"] = str(recurrence.frequency)
        values["exceptions"] = tuple(sorted(recurrence.exceptions))
        return values

    @property
    def recurrence(self) -> Recurrence:
        values = {name: getattr(self, name) for name in _RULE_FIELDS}
        values["frequency"] = Frequency(self.frequency)
        return Recurrence(**values, exceptions=frozenset(self.exceptions))
