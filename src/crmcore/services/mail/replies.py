"""Replies crmcore sends, and the e-mails it sends that later answers must find.

Every e-mail crmcore sends has a ``Message-ID`` made from its outbox key
(:func:`~crmcore.domain.mail.crmcore_message_id`).  A reply is stored as an
outgoing e-mail of its thread when it is queued; a notice, once its channel
accepted it, becomes the first id of a thread of its own, so whoever answers
it (or forwards it and is answered) is threaded with it.
"""

from __future__ import annotations

import re
import unicodedata

from crmcore.domain import ChangeAction, Direction, Event
from crmcore.domain.ids import new_id
from crmcore.domain.mail import (
    MAX_REFERENCES,
    MailKind,
    MailMessage,
    crmcore_message_id,
    normalize_message_id,
    parse_addresses,
    split_reply,
    subject_key,
)
from crmcore.domain.notifications import Message
from crmcore.domain.signals import MessageSent
from crmcore.errors import ValidationError
from crmcore.ports import UnitOfWork
from crmcore.services.context import Context
from crmcore.services.events import store_events
from crmcore.services.mail.ingest import OUTGOING_TYPE, event_ref

__all__ = ["remember_sent", "send_reply"]

_REPLY_PREFIX = re.compile(r"^\s*re\s*:", re.IGNORECASE)


def _one_line(field: str, value: str) -> str:
    """``value`` if it may go into a mail header; a ValidationError naming ``field`` if not."""
    for character in value:
        if unicodedata.category(character) in ("Cc", "Zl", "Zp"):
            raise ValidationError(
                field,
                f"contains a line break or control character (U+{ord(character):04X}); "
                "it would add headers of its own to the message",
            )
    return value


def send_reply(
    context: Context,
    uow: UnitOfWork,
    original: MailMessage,
    text: str,
    to: str | None,
    subject: str | None,
    channel: str,
) -> MailMessage:
    """Queue a reply to ``original`` and store it as an outgoing e-mail of its thread."""
    if not isinstance(text, str) or not text.strip():
        raise ValidationError("text", "must not be empty")
    if subject is None:
        base = original.subject or ""
        subject = base if _REPLY_PREFIX.match(base) else f"Re: {base}".strip()
    if not isinstance(subject, str):
        raise ValidationError("subject", f"must be str, not {type(subject).__name__}")
    _one_line("subject", subject)
    if to is None:
        candidates = [original.sender] if original.direction is Direction.INCOMING else original.to
        to = next(iter(candidates), "") or ""
    if not isinstance(to, str):
        raise ValidationError("to", f"must be str, not {type(to).__name__}")
    _one_line("to", to)
    found = parse_addresses([to])
    if len(found) != 1:
        raise ValidationError("to", f"{to!r} is not one e-mail address")
    recipient = found[0]
    at = context.now()
    mail_id = new_id()
    key = f"mail_reply:{mail_id}"
    references = [*original.references, *([original.message_id] if original.message_id else [])]
    references = references[-MAX_REFERENCES:]
    own_id = crmcore_message_id(key)
    event = Event(
        type_code=OUTGOING_TYPE,
        occurred_at=at,
        subject=(subject or "(без темы)")[:500],
        client_id=original.client_id,
        contact_id=original.contact_id,
        employee_id=context.actor.employee_id,
        details=text,
        external_ref=event_ref(own_id),
        version=1,
        created_at=at,
        updated_at=at,
    )
    outbox = Message(
        key=key,
        kind="email_reply",
        channel=channel,
        recipient_name=recipient.name[:300],
        address=recipient.address[:320],
        subject=subject[:500],
        body=text,
        entity_kind="event",
        entity_id=event.id,
        next_attempt_at=at,
        in_reply_to=original.message_id,
        references=tuple(references),
        version=1,
        created_at=at,
        updated_at=at,
    )
    employee = (
        None if context.actor.employee_id is None else uow.employees.get(context.actor.employee_id)
    )
    sender = "" if employee is None or not employee.email else employee.email
    parts = split_reply(text)
    reply = MailMessage(
        id=mail_id,
        message_key=own_id,
        message_id=own_id,
        content_hash=own_id,
        thread_id=original.thread_id,
        event_id=event.id,
        kind=MailKind.MESSAGE,
        direction=Direction.OUTGOING,
        subject=subject[:1000],
        subject_key=subject_key(subject),
        sent_at=at,
        sender=sender,
        to=(str(recipient),),
        participants=tuple(
            dict.fromkeys([*([sender.casefold()] if sender else []), recipient.key])
        ),
        text=parts.new,
        quoted=parts.quoted,
        signature=parts.signature,
        in_reply_to=original.message_id,
        references=tuple(references),
        client_id=original.client_id,
        contact_id=original.contact_id,
        employee_id=context.actor.employee_id,
        match_reason=original.match_reason,
        matched_address=original.matched_address,
        source="crmcore",
        size=len(text.encode()),
        outbox_id=outbox.id,
        version=1,
        created_at=at,
        updated_at=at,
    )
    store_events(context, uow, [event], at)
    uow.messages.add(outbox)
    uow.mail_messages.add(reply)
    uow.mail_thread_ids.add_many({own_id: original.thread_id})
    uow.history.add_many([context.change("email", reply.id, ChangeAction.CREATE, at)])
    return reply


def remember_sent(context: Context, uow: UnitOfWork, signal: MessageSent) -> None:
    """An e-mail crmcore sent starts a thread (a reply is in its thread already);
    an id the channel reports in place of crmcore's own is remembered as its alias."""
    message = signal.message
    if "@" not in message.address:
        return
    own_id = crmcore_message_id(message.key)
    uow.mail_thread_ids.add_many({own_id: new_id()})
    reported = None if message.provider_id is None else normalize_message_id(message.provider_id)
    if reported is not None and reported != own_id and "@" in reported:
        uow.mail_aliases.add(reported, own_id)
