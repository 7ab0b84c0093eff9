"""A message as a reader makes it of the raw mail, and as crmcore keeps it."""

from __future__ import annotations

import enum
from datetime import datetime
from uuid import UUID

import attrs

from crmcore.domain import checks as check
from crmcore.domain.events import Direction
from crmcore.domain.mail.addresses import MailAddress
from crmcore.domain.mail.classification import MailKind
from crmcore.domain.records import Record

__all__ = [
    "LastContact",
    "MailMessage",
    "MailPart",
    "MailboxState",
    "MatchReason",
    "ParsedMail",
]


def _to_kind(value: object) -> object:
    return check.to_enum(MailKind, value)


def _to_direction(value: object) -> object:
    return check.to_enum(Direction, value)


class MatchReason(enum.StrEnum):
    """Why a message was put on a client's timeline (or why not)."""

    CONTACT = "contact"  # the address of one of the client's contact persons
    CLIENT = "client"  # one of the client's own addresses
    DOMAIN = "domain"  # the domain of the client's addresses (not a public one)
    MANUAL = "manual"  # a person assigned it
    UNMATCHED = "unmatched"  # nobody's: kept in the list to review

    @property
    def matched(self) -> bool:
        return self is not MatchReason.UNMATCHED


def _to_reason(value: object) -> object:
    return check.to_enum(MatchReason, value)


@attrs.frozen
class MailPart:
    """An attachment as read from a message: its file name, media type and content."""

    name: str
    media_type: str
    content: bytes


@attrs.frozen(kw_only=True)
class ParsedMail:
    """What a reader made of one raw message; nothing is stored yet.

    ``message_id`` and the references are normalized
    (:func:`~crmcore.domain.mail.threads.normalize_message_id`).
    ``content_hash`` covers what the message says (sender, date, subject,
    text, attachments), not its transport headers, so one message delivered
    to two mailboxes has one hash.  ``problems`` says what was repaired
    (an unknown charset, broken base64, an attachment over the limit, ...).
    ``original_ids`` are other ids of the same message (a relay's
    ``X-Original-Message-ID``); ``reported_id`` is the message a bounce
    reports on and ``failed_recipients`` whom it could not reach;
    ``crmcore_key`` the outbox key of an e-mail crmcore sent.
    """

    message_id: str | None
    content_hash: str
    subject: str
    sender: MailAddress | None
    to: tuple[MailAddress, ...] = ()
    cc: tuple[MailAddress, ...] = ()
    sent_at: datetime | None = None
    in_reply_to: tuple[str, ...] = ()
    references: tuple[str, ...] = ()
    text: str = ""
    attachments: tuple[MailPart, ...] = ()
    kind: MailKind = MailKind.MESSAGE
    original_ids: tuple[str, ...] = ()
    reported_id: str | None = None
    failed_recipients: tuple[MailAddress, ...] = ()
    crmcore_key: str | None = None
    size: int = 0
    problems: tuple[str, ...] = ()

    @property
    def participants(self) -> tuple[MailAddress, ...]:
        """Sender, then To and Cc, each once."""
        seen: dict[str, MailAddress] = {}
        for address in (*((self.sender,) if self.sender else ()), *self.to, *self.cc):
            seen.setdefault(address.key, address)
        return tuple(seen.values())


@attrs.define(kw_only=True)
class MailMessage(Record):
    """One e-mail in a client's history (or in the list of unmatched ones).

    ``event_id`` is the e-mail event on the timeline (``ВхП`` or ``ИсхП``);
    ``thread_id`` the conversation; ``message_key`` what makes it unique
    (its ``Message-ID``, or ``sha256:<hash>`` without one).  ``text`` is what
    was said in it, ``quoted`` the history it carried, ``signature`` the
    sender's signature.  ``match_reason`` and ``matched_address`` say why it
    belongs to ``client_id``.
    """

    message_key: str = attrs.field(validator=check.text(max_length=1000))
    message_id: str | None = attrs.field(
        default=None, validator=check.text(optional=True, max_length=1000)
    )
    content_hash: str = attrs.field(validator=check.text(max_length=64))
    thread_id: UUID = attrs.field(validator=check.uuid())
    event_id: UUID | None = attrs.field(default=None, validator=check.uuid(optional=True))
    kind: MailKind = attrs.field(
        default=MailKind.MESSAGE, converter=_to_kind, validator=check.member_of(MailKind)
    )
    direction: Direction = attrs.field(
        default=Direction.INCOMING, converter=_to_direction, validator=check.member_of(Direction)
    )
    subject: str = attrs.field(default="", validator=check.text(required=False, max_length=1000))
    subject_key: str = attrs.field(default="", validator=check.text(required=False, max_length=500))
    sent_at: datetime = attrs.field(converter=check.to_utc, validator=check.aware_datetime())
    sender: str = attrs.field(default="", validator=check.text(required=False, max_length=1000))
    to: tuple[str, ...] = attrs.field(
        default=(), converter=check.as_tuple, validator=check.tuple_of(str)
    )
    cc: tuple[str, ...] = attrs.field(
        default=(), converter=check.as_tuple, validator=check.tuple_of(str)
    )
    participants: tuple[str, ...] = attrs.field(
        default=(), converter=check.as_tuple, validator=check.tuple_of(str)
    )
    text: str = attrs.field(default="", validator=check.long_text)
    quoted: str = attrs.field(default="", validator=check.long_text)
    signature: str = attrs.field(default="", validator=check.long_text)
    in_reply_to: str | None = attrs.field(
        default=None, validator=check.text(optional=True, max_length=1000)
    )
    references: tuple[str, ...] = attrs.field(
        default=(), converter=check.as_tuple, validator=check.tuple_of(str)
    )
    client_id: UUID | None = attrs.field(default=None, validator=check.uuid(optional=True))
    contact_id: UUID | None = attrs.field(default=None, validator=check.uuid(optional=True))
    employee_id: UUID | None = attrs.field(default=None, validator=check.uuid(optional=True))
    match_reason: MatchReason = attrs.field(
        default=MatchReason.UNMATCHED, converter=_to_reason, validator=check.member_of(MatchReason)
    )
    matched_address: str | None = attrs.field(
        default=None, validator=check.text(optional=True, max_length=1000)
    )
    source: str = attrs.field(default="", validator=check.text(required=False, max_length=1000))
    size: int = attrs.field(default=0, validator=check.of_type(int))
    attachment_count: int = attrs.field(default=0, validator=check.of_type(int))
    outbox_id: UUID | None = attrs.field(default=None, validator=check.uuid(optional=True))


@attrs.define(kw_only=True)
class MailboxState(Record):
    """How far an IMAP mailbox has been read: its UIDVALIDITY and the last UID imported."""

    source: str = attrs.field(validator=check.text(max_length=1000))
    uid_validity: int = attrs.field(validator=check.of_type(int))
    last_uid: int = attrs.field(default=0, validator=check.of_type(int))


@attrs.frozen
class LastContact:
    """When a client last wrote to us and we to them (automatic mail left out)."""

    incoming: datetime | None
    outgoing: datetime | None

    @property
    def latest(self) -> datetime | None:
        moments = [m for m in (self.incoming, self.outgoing) if m is not None]
        return max(moments) if moments else None
