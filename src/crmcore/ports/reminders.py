"""Where reminders of tasks are stored."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Protocol
from uuid import UUID

from crmcore.domain.reminders import Reminder
from crmcore.ports.records import RecordRepository

__all__ = ["ReminderRepository"]


class ReminderRepository(RecordRepository[Reminder], Protocol):
    def due(self, now: datetime, limit: int) -> list[Reminder]:
        """Reminders with ``next_at <= now`` on open, unarchived tasks, by ``next_at``."""
        ...

    def for_tasks(self, task_ids: Iterable[UUID]) -> list[Reminder]:
        """The reminders of these tasks, by task, then ``before``."""
        ...
