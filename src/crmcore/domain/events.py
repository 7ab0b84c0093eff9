"""Event types and events: the history of every contact with a client."""

from __future__ import annotations

import enum
from datetime import datetime, timedelta
from uuid import UUID

import attrs

from crmcore.domain import checks as check
from crmcore.domain.records import Record

__all__ = ["SYSTEM_EVENT_TYPES", "Direction", "Event", "EventCategory", "EventType"]


class EventCategory(enum.StrEnum):
    """The channel of a contact."""

    CALL = "call"
    MEETING = "meeting"
    EMAIL = "email"
    SMS = "sms"
    LETTER = "letter"
    NOTE = "note"
    OTHER = "other"


class Direction(enum.StrEnum):
    """Who started the contact."""

    INCOMING = "incoming"
    OUTGOING = "outgoing"
    NONE = "none"


def _to_eventcategory(value: object) -> object:
    return check.to_enum(EventCategory, value)


def _to_direction(value: object) -> object:
    return check.to_enum(Direction, value)


@attrs.define(kw_only=True)
class EventType(Record):
    """A kind of contact, e.g. ``ВхЗ`` "Входящий звонок" (incoming call).

    System types ship with crmcore and cannot be changed or archived; users and
    plugins add their own.
    """

    code: str = attrs.field(converter=check.strip, validator=check.text(max_length=32))
    name: str = attrs.field(converter=check.strip, validator=check.text(max_length=200))
    category: EventCategory = attrs.field(
        default=EventCategory.OTHER,
        converter=_to_eventcategory,
        validator=check.member_of(EventCategory),
    )
    direction: Direction = attrs.field(
        default=Direction.NONE,
        converter=_to_direction,
        validator=check.member_of(Direction),
    )
    system: bool = attrs.field(default=False, validator=check.of_type(bool))
    archived: bool = attrs.field(default=False, validator=check.of_type(bool))


def _system(code: str, name: str, category: EventCategory, direction: Direction) -> EventType:
    return EventType(code=code, name=name, category=category, direction=direction, system=True)


#: The event types every crmcore database has (names as in the seed system).
SYSTEM_EVENT_TYPES: tuple[EventType, ...] = (
    _system("ВхЗ", "Входящий звонок", EventCategory.CALL, Direction.INCOMING),
    _system("ИсхЗ", "Исходящий звонок", EventCategory.CALL, Direction.OUTGOING),
    _system("ПрЗ", "Пропущенный звонок", EventCategory.CALL, Direction.INCOMING),
    _system("Встр", "Встреча", EventCategory.MEETING, Direction.NONE),
    _system("ВхП", "Входящее письмо (e-mail)", EventCategory.EMAIL, Direction.INCOMING),
    _system("ИсхП", "Исходящее письмо (e-mail)", EventCategory.EMAIL, Direction.OUTGOING),
    _system("ВхСМС", "Входящее SMS", EventCategory.SMS, Direction.INCOMING),
    _system("ИсхСМС", "Исходящее SMS", EventCategory.SMS, Direction.OUTGOING),
    _system("Письмо", "Письмо", EventCategory.LETTER, Direction.NONE),
    _system("Зам", "Заметка", EventCategory.NOTE, Direction.NONE),
)


@attrs.define(kw_only=True)
class Event(Record):
    """One contact with a client: who, with whom, when, how, and what was said."""

    type_code: str = attrs.field(validator=check.text(max_length=32))
    occurred_at: datetime = attrs.field(converter=check.to_utc, validator=check.aware_datetime())
    subject: str = attrs.field(converter=check.strip, validator=check.text(max_length=500))
    client_id: UUID | None = attrs.field(default=None, validator=check.uuid(optional=True))
    contact_id: UUID | None = attrs.field(default=None, validator=check.uuid(optional=True))
    employee_id: UUID | None = attrs.field(default=None, validator=check.uuid(optional=True))
    project_ref: str | None = attrs.field(
        default=None, validator=check.text(optional=True, max_length=200)
    )
    duration: timedelta | None = attrs.field(default=None, validator=check.non_negative_duration)
    details: str = attrs.field(default="", validator=check.long_text)
    outcome: str = attrs.field(default="", validator=check.text(required=False, max_length=500))
    external_ref: str | None = attrs.field(
        default=None, validator=check.text(optional=True, max_length=200)
    )
    archived: bool = attrs.field(default=False, validator=check.of_type(bool))
