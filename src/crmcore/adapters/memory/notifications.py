"""Outbox messages, inboxes and notification preferences in memory."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from crmcore.adapters.memory.repository import RecordRepository, copy_out
from crmcore.domain.notifications import InboxItem, Message, MessageStatus, Preference

__all__ = ["Inbox", "Messages", "Preferences"]


class Messages(RecordRepository):
    """The outbox, unique by key, in the order messages were made."""

    name = "messages"
    kind = "message"
    unique = (("key",),)

    def _order(self, record: Any) -> Any:
        return (record.created_at, record.id)

    def existing_keys(self, keys: Iterable[str]) -> set[str]:
        wanted = set(keys)
        return {m.key for m in self._rows().values() if m.key in wanted}

    def due(self, now: datetime, channels: Sequence[str], limit: int) -> list[Message]:
        retryable = (MessageStatus.PENDING, MessageStatus.FAILED)
        found = [
            m
            for m in self._rows().values()
            if m.status in retryable and m.next_attempt_at <= now and m.channel in channels
        ]
        found.sort(key=lambda m: (m.next_attempt_at, m.id))
        return [copy_out(m) for m in found[:limit]]

    def listing(self, status: str | None, recipient_id: UUID | None, limit: int) -> list[Message]:
        found = [
            m
            for m in self._rows().values()
            if (status is None or m.status == status)
            and (recipient_id is None or m.recipient_id == recipient_id)
        ]
        found.sort(key=self._order, reverse=True)
        return [copy_out(m) for m in found[:limit]]


class Inbox(RecordRepository):
    """Employees' inbox items, one per message."""

    name = "inbox"
    kind = "inbox item"
    unique = (("message_id",),)

    def for_employee(self, employee_id: UUID, unread_only: bool, limit: int) -> list[InboxItem]:
        found = [
            i
            for i in self._rows().values()
            if i.employee_id == employee_id and (not unread_only or i.read_at is None)
        ]
        found.sort(key=lambda i: (i.created_at, i.id), reverse=True)
        return [copy_out(i) for i in found[:limit]]

    def unread_count(self, employee_id: UUID) -> int:
        return sum(
            1 for i in self._rows().values() if i.employee_id == employee_id and i.read_at is None
        )


class Preferences(RecordRepository):
    """Employees' notification preferences, one per employee and kind."""

    name = "preferences"
    kind = "notification preference"
    unique = (("employee_id", "kind"),)

    def for_employees(self, employee_ids: Iterable[UUID]) -> list[Preference]:
        wanted = set(employee_ids)
        found = sorted(
            (p for p in self._rows().values() if p.employee_id in wanted), key=self._order
        )
        return [copy_out(p) for p in found]
