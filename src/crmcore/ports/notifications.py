"""Where outbox messages, inboxes and notification preferences are stored."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Protocol
from uuid import UUID

from crmcore.domain.notifications import InboxItem, Message, Preference
from crmcore.ports.records import RecordRepository

__all__ = ["InboxRepository", "MessageRepository", "PreferenceRepository"]


class MessageRepository(RecordRepository[Message], Protocol):
    """The outbox.  ``key`` is unique: adding a taken key raises DuplicateError."""

    def existing_keys(self, keys: Iterable[str]) -> set[str]:
        """Which of ``keys`` are stored already."""
        ...

    def due(self, now: datetime, channels: Sequence[str], limit: int) -> list[Message]:
        """Pending or failed messages of ``channels`` due by ``now``, oldest first."""
        ...

    def listing(self, status: str | None, recipient_id: UUID | None, limit: int) -> list[Message]:
        """Messages, newest first, optionally of one status and one recipient."""
        ...


class InboxRepository(RecordRepository[InboxItem], Protocol):
    def for_employee(self, employee_id: UUID, unread_only: bool, limit: int) -> list[InboxItem]:
        """An employee's inbox, newest first."""
        ...

    def unread_count(self, employee_id: UUID) -> int: ...


class PreferenceRepository(RecordRepository[Preference], Protocol):
    def for_employees(self, employee_ids: Iterable[UUID]) -> list[Preference]: ...
