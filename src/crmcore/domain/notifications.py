"""Notifications: what is said to whom, through which channel, and its delivery state.

A notification is stored as an outbox :class:`Message` in the same unit of
work as its cause (a task assigned, a status change, a mention, a reminder
come due, a deadline passed, a missed call).  A dispatcher delivers stored
messages after commit through channels (``crmcore.ports.Channel``), each of
which receives one :class:`Delivery`.
"""

from __future__ import annotations

import enum
import re
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import attrs

from crmcore.domain import checks as check
from crmcore.domain.records import Record
from crmcore.errors import ValidationError

__all__ = [
    "DEFAULT_CHANNELS",
    "IN_APP",
    "MAX_ATTEMPTS",
    "Delivery",
    "DeliveryFile",
    "InboxItem",
    "Message",
    "MessageStatus",
    "NotificationKind",
    "Preference",
    "channel_names",
    "retry_delay",
]

#: The channel crmcore delivers itself: a row in the employee's inbox.
IN_APP = "in_app"

#: Channels used for a kind of notification an employee has set no preference for.
DEFAULT_CHANNELS: tuple[str, ...] = (IN_APP, "email")

#: Attempts before a message goes to the dead-letter state.
MAX_ATTEMPTS = 8

_FIRST_RETRY = timedelta(minutes=1)
_LONGEST_RETRY = timedelta(hours=1)
_CHANNEL_NAME = r"^[a-z][a-z0-9_\-]{0,31}$"


def retry_delay(attempt: int) -> timedelta:
    """How long to wait after failed attempt number ``attempt`` (1-based).

    Doubles from one minute and stays at one hour, so eight attempts span
    about three and a half hours.

    Example:
        >>> [int(retry_delay(n).total_seconds() // 60) for n in range(1, 9)]
        [1, 2, 4, 8, 16, 32, 60, 60]
    """
    doublings = min(max(attempt, 1) - 1, 16)
    return min(_FIRST_RETRY * (1 << doublings), _LONGEST_RETRY)


def channel_names(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, tuple):
        raise ValidationError(attribute.name, "must be a list of channel names")
    for name in value:
        if not isinstance(name, str) or not re.match(_CHANNEL_NAME, name):
            raise ValidationError(
                attribute.name, f"{name!r} is not a channel name (lowercase letters, digits, _ -)"
            )
    if len(set(value)) != len(value):
        raise ValidationError(attribute.name, "names a channel twice")


class NotificationKind(enum.StrEnum):
    """Why a notification is sent; employees choose channels per kind."""

    TASK_ASSIGNED = "task_assigned"
    TASK_STATUS = "task_status"
    MENTION = "mention"
    REMINDER = "reminder"
    TASK_OVERDUE = "task_overdue"
    MISSED_CALL = "missed_call"

    @property
    def label(self) -> str:
        return _KIND_LABELS[self]


_KIND_LABELS = {
    NotificationKind.TASK_ASSIGNED: "Назначена задача",
    NotificationKind.TASK_STATUS: "Изменено состояние задачи",
    NotificationKind.MENTION: "Упоминание в обсуждении",
    NotificationKind.REMINDER: "Напоминание",
    NotificationKind.TASK_OVERDUE: "Просрочена задача",
    NotificationKind.MISSED_CALL: "Пропущенный звонок",
}


@attrs.frozen(kw_only=True)
class DeliveryFile:
    """A file a message carries (a rendered invoice), with its content."""

    name: str
    media_type: str
    content: bytes


@attrs.frozen(kw_only=True)
class Delivery:
    """One message as a channel receives it.

    Attributes:
        key: the message's idempotency key.  The same key is given on every
            retry of one message and never for another message, so a
            channel whose provider accepts an idempotency key (an SMS
            gateway, an e-mail ``Message-ID``) can make a retry after a
            crash harmless.
        kind: a :class:`NotificationKind` value, or ``"document"`` for a document sent to a client.
        channel: the channel's name (``"email"``, ``"sms"``, ``"in_app"``, ...).
        recipient_id: the employee it is for.
        recipient_name: the employee's name, for a greeting or an address line.
        address: where the channel sends it: an e-mail address for
            ``email``, an E.164 number for ``sms``, empty for ``in_app``.
        subject: one line, no line breaks.
        body: plain text, may span lines.
        entity_kind, entity_id: what the message is about (``"task"``, ...).
        attempt: 1 for the first try, 2 for the first retry, ...
        in_reply_to, references: the ids (normalized, no angle brackets) of
            the e-mail a reply answers and of its thread, for ``In-Reply-To``
            and ``References``; empty for a notice.
        files: the files to attach (a channel that cannot carry files ignores them).
    """

    key: str = attrs.field(validator=check.text(max_length=200))
    kind: str = attrs.field(validator=check.text(max_length=32))
    channel: str = attrs.field(validator=check.text(max_length=32))
    recipient_id: UUID | None = attrs.field(default=None, validator=check.uuid(optional=True))
    recipient_name: str = ""
    address: str = ""
    subject: str = ""
    body: str = ""
    entity_kind: str | None = None
    entity_id: UUID | None = None
    created_at: datetime | None = None
    attempt: int = 1
    in_reply_to: str | None = None
    references: tuple[str, ...] = ()
    files: tuple[DeliveryFile, ...] = ()


class MessageStatus(enum.StrEnum):
    """Where an outbox message is in its delivery."""

    PENDING = "pending"  # stored, not yet tried
    FAILED = "failed"  # tried and failed; tried again at ``next_attempt_at``
    SENT = "sent"
    DEAD = "dead"  # given up: a permanent failure or too many attempts


def _to_message_status(value: object) -> object:
    return check.to_enum(MessageStatus, value)


@attrs.define(kw_only=True)
class Message(Record):
    """One notification in the outbox: for one employee, through one channel.

    ``key`` is the idempotency key: storing a second message with a key that
    is already stored is a no-op, so a cause queued twice (a retried
    transaction, two workers firing one reminder) yields one message.
    """

    key: str = attrs.field(validator=check.text(max_length=200))
    kind: str = attrs.field(validator=check.text(max_length=32))
    channel: str = attrs.field(validator=check.text(max_length=32))
    recipient_id: UUID | None = attrs.field(default=None, validator=check.uuid(optional=True))
    recipient_name: str = attrs.field(
        default="", validator=check.text(required=False, max_length=300)
    )
    address: str = attrs.field(default="", validator=check.text(required=False, max_length=320))
    subject: str = attrs.field(default="", validator=check.text(required=False, max_length=500))
    body: str = attrs.field(default="", validator=check.long_text)
    entity_kind: str | None = attrs.field(
        default=None, validator=check.text(optional=True, max_length=32)
    )
    entity_id: UUID | None = attrs.field(default=None, validator=check.uuid(optional=True))
    status: MessageStatus = attrs.field(
        default=MessageStatus.PENDING,
        converter=_to_message_status,
        validator=check.member_of(MessageStatus),
    )
    attempts: int = attrs.field(default=0, validator=check.of_type(int))
    #: When the dispatcher may (next) try it; a claimed message is moved a lease ahead.
    next_attempt_at: datetime = attrs.field(
        converter=check.to_utc, validator=check.aware_datetime()
    )
    last_error: str = attrs.field(default="", validator=check.long_text)
    sent_at: datetime | None = attrs.field(
        default=None, converter=check.to_utc, validator=check.aware_datetime(optional=True)
    )
    provider_id: str | None = attrs.field(
        default=None, validator=check.text(optional=True, max_length=300)
    )
    #: For a reply to an e-mail: the id it answers and the ids of its thread.
    in_reply_to: str | None = attrs.field(
        default=None, validator=check.text(optional=True, max_length=1000)
    )
    references: tuple[str, ...] = attrs.field(
        default=(), converter=check.as_tuple, validator=check.tuple_of(str)
    )
    #: The stored attachments (:class:`~crmcore.domain.collaboration.Attachment` ids) it carries.
    attachments: tuple[UUID, ...] = attrs.field(default=(), converter=check.as_tuple)

    def delivery(self, files: tuple[DeliveryFile, ...] = ()) -> Delivery:
        """What the channel is given for the current attempt, with the attachments' files."""
        return Delivery(
            key=self.key,
            kind=self.kind,
            channel=self.channel,
            recipient_id=self.recipient_id,
            recipient_name=self.recipient_name,
            address=self.address,
            subject=self.subject,
            body=self.body,
            entity_kind=self.entity_kind,
            entity_id=self.entity_id,
            created_at=self.created_at,
            attempt=self.attempts,
            in_reply_to=self.in_reply_to,
            references=self.references,
            files=files,
        )


def _to_kind(value: object) -> object:
    return check.to_enum(NotificationKind, value)


@attrs.define(kw_only=True)
class Preference(Record):
    """Which channels one employee wants for one kind of notification (none: opted out)."""

    employee_id: UUID = attrs.field(validator=check.uuid())
    kind: NotificationKind = attrs.field(
        converter=_to_kind, validator=check.member_of(NotificationKind)
    )
    channels: tuple[str, ...] = attrs.field(converter=check.as_tuple, validator=channel_names)


@attrs.define(kw_only=True)
class InboxItem(Record):
    """A notification delivered in the application: the employee's inbox."""

    employee_id: UUID = attrs.field(validator=check.uuid())
    message_id: UUID = attrs.field(validator=check.uuid())
    kind: str = attrs.field(validator=check.text(max_length=32))
    subject: str = attrs.field(default="", validator=check.long_text)
    body: str = attrs.field(default="", validator=check.long_text)
    entity_kind: str | None = attrs.field(
        default=None, validator=check.text(optional=True, max_length=32)
    )
    entity_id: UUID | None = attrs.field(default=None, validator=check.uuid(optional=True))
    read_at: datetime | None = attrs.field(
        default=None, converter=check.to_utc, validator=check.aware_datetime(optional=True)
    )

    @property
    def unread(self) -> bool:
        return self.read_at is None
