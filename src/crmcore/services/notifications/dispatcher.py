"""The dispatcher's delivery: claim due messages, hand each to its channel, settle it.

Delivery is at least once: a process killed after a channel accepted a
message but before the outcome was stored retries that message once its
claim lapses.  The message's key travels with every attempt (the e-mail
``Message-ID``, the SMS gateway's ``Idempotency-Key``) so the far side can
drop the repeat; the in-app channel is written in the same transaction as
the outcome and so is delivered exactly once.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import attrs

from crmcore.domain.notifications import (
    IN_APP,
    MAX_ATTEMPTS,
    DeliveryFile,
    InboxItem,
    Message,
    MessageStatus,
    retry_delay,
)
from crmcore.domain.signals import MessageSent
from crmcore.errors import DeliveryError, StaleObject
from crmcore.services.context import Context

__all__ = ["DEFAULT_LEASE", "DispatchReport", "claim", "deliver", "settle"]

#: How long a claimed message is held by one dispatcher before another may retry it.
DEFAULT_LEASE = timedelta(minutes=5)
_ERROR_LENGTH = 2000


@attrs.frozen(kw_only=True)
class DispatchReport:
    """What one dispatcher pass did."""

    materialised: int = 0
    reminders: int = 0
    overdue: int = 0
    sent: int = 0
    failed: int = 0
    dead: int = 0

    @property
    def delivered_nothing(self) -> bool:
        return not (self.sent or self.failed or self.dead)


def claim(context: Context, now: datetime, limit: int, lease: timedelta) -> list[Message]:
    """Claim up to ``limit`` due messages of the channels registered here for ``lease``.

    The claims are stored in one short transaction; a message another
    dispatcher claimed meanwhile is left to it.
    """
    names = sorted({IN_APP, *context.runtime.channels})
    claimed = []
    with context.unit_of_work() as uow:
        for message in uow.messages.due(now, names, limit):
            taken = attrs.evolve(
                message,
                attempts=message.attempts + 1,
                next_attempt_at=now + lease,
                version=message.version + 1,
                updated_at=now,
            )
            try:
                uow.messages.update(taken, message.version)
            except StaleObject:
                continue  # another dispatcher claimed it first
            claimed.append(taken)
    return claimed


def deliver(context: Context, message: Message, now: datetime) -> MessageStatus:
    """Hand one claimed message to its channel, outside any transaction, and settle it."""
    if message.channel == IN_APP:
        return settle(context, message, now, None, None)
    channel = context.runtime.channels[message.channel]
    try:
        provider_id = channel.deliver(message.delivery(_files(context, message)))
    except DeliveryError as error:
        return settle(context, message, now, error.problem, None, permanent=error.permanent)
    except Exception as error:  # a channel plugin's failure is recorded, never lost
        return settle(context, message, now, f"{type(error).__name__}: {error}", None)
    return settle(context, message, now, None, provider_id)


def _files(context: Context, message: Message) -> tuple[DeliveryFile, ...]:
    """The contents of the attachments a message carries, read from the attachment store."""
    if not message.attachments:
        return ()
    store = context.runtime.blobs
    if store is None:
        raise DeliveryError("the message carries files but no attachment store is open")
    with context.unit_of_work(writes=False) as uow:
        stored = [uow.attachments.get(key) for key in message.attachments]
    files = []
    for attachment in stored:
        if attachment is None:
            raise DeliveryError("a file the message carries was deleted", permanent=True)
        with store.open(attachment.sha256) as content:
            files.append(
                DeliveryFile(
                    name=attachment.name, media_type=attachment.media_type, content=content.read()
                )
            )
    return tuple(files)


def settle(
    context: Context,
    message: Message,
    now: datetime,
    problem: str | None,
    provider_id: str | None,
    *,
    permanent: bool = False,
) -> MessageStatus:
    """Record an attempt's outcome at the pass's time ``now``, unless another
    dispatcher took the message since."""
    if problem is None:
        status = MessageStatus.SENT
        changes: dict[str, Any] = {"sent_at": now, "provider_id": provider_id}
    else:
        gave_up = permanent or message.attempts >= MAX_ATTEMPTS
        status = MessageStatus.DEAD if gave_up else MessageStatus.FAILED
        changes = {
            "last_error": problem[:_ERROR_LENGTH],
            "next_attempt_at": now + retry_delay(message.attempts),
        }
    settled = attrs.evolve(
        message, status=status, version=message.version + 1, updated_at=now, **changes
    )
    with context.unit_of_work() as uow:
        try:
            uow.messages.update(settled, message.version)
        except StaleObject:
            return status
        if status is MessageStatus.SENT and message.channel != IN_APP:
            context.publish(uow, MessageSent(settled))
        if status is MessageStatus.SENT and message.channel == IN_APP:
            assert message.recipient_id is not None  # queue() addresses every message
            uow.inbox.add(
                InboxItem(
                    employee_id=message.recipient_id,
                    message_id=message.id,
                    kind=message.kind,
                    subject=message.subject,
                    body=message.body,
                    entity_kind=message.entity_kind,
                    entity_id=message.entity_id,
                    version=1,
                    created_at=now,
                    updated_at=now,
                )
            )
    return status
