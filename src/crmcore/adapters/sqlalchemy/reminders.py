"""SQL repository of reminders of tasks."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from uuid import UUID

from sqlalchemy import bindparam, select

from crmcore.adapters.sqlalchemy.repository import RecordRepository, in_params
from crmcore.domain.reminders import Reminder
from crmcore.domain.tasks import CLOSED_STATUSES

__all__ = ["Reminders"]

_CLOSED = sorted(status.value for status in CLOSED_STATUSES)


class Reminders(RecordRepository[Reminder]):
    kind = "reminder"
    table_name = "reminders"
    entity_type = Reminder
    order_by = ("task_id", "before", "id")

    def due(self, now: datetime, limit: int) -> list[Reminder]:
        """Reminders whose moment has come, on open tasks that are not archived."""
        c = self.table.c
        tasks = self.t.tasks.c

        def build() -> object:
            return (
                select(*self.mapper.columns)
                .join(self.t.tasks, tasks.id == c.task_id)
                .where(
                    c.next_at <= bindparam("now"),
                    tasks.status.not_in([bindparam(f"s{i}") for i in range(len(_CLOSED))]),
                    tasks.archived.is_(False),
                )
                .order_by(c.next_at, c.id)
                .limit(bindparam("limit"))
            )

        rows = self._rows(
            ("reminders", "due"),
            build,
            now=self.codec.moment_in(now),
            limit=limit,
            **in_params("s", _CLOSED),
        )
        return [self.mapper.decode(row) for row in rows]

    def for_tasks(self, task_ids: Iterable[UUID]) -> list[Reminder]:
        rows = self._rows_in(
            "reminders by task",
            lambda: self.mapper.columns,
            self.table.c.task_id,
            map(self.codec.uuid_in, task_ids),
        )
        found = [self.mapper.decode(row) for row in rows]
        found.sort(key=lambda r: (r.task_id, r.before, r.id))
        return found
