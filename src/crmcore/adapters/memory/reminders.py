"""Reminders of tasks in memory."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any
from uuid import UUID

from crmcore.adapters.memory.repository import RecordRepository, copy_out
from crmcore.domain.reminders import Reminder
from crmcore.domain.tasks import CLOSED_STATUSES

__all__ = ["Reminders"]


class Reminders(RecordRepository):
    """Reminders, by task and how long before."""

    name = "reminders"
    kind = "reminder"

    def _order(self, record: Any) -> Any:
        return (record.task_id, record.before, record.id)

    def due(self, now: datetime, limit: int) -> list[Reminder]:
        tasks = self._uow.table("tasks")
        found = [
            r
            for r in self._rows().values()
            if r.next_at is not None
            and r.next_at <= now
            and r.task_id in tasks
            and tasks[r.task_id].status not in CLOSED_STATUSES
            and not tasks[r.task_id].archived
        ]
        found.sort(key=lambda r: (r.next_at, r.id))
        return [copy_out(r) for r in found[:limit]]

    def for_tasks(self, task_ids: Iterable[UUID]) -> list[Reminder]:
        wanted = set(task_ids)
        found = sorted((r for r in self._rows().values() if r.task_id in wanted), key=self._order)
        return [copy_out(r) for r in found]
