"""The series of repeating tasks in memory."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from crmcore.adapters.memory.repository import RecordRepository, copy_out
from crmcore.domain.series import Series

__all__ = ["SeriesRecords"]


class SeriesRecords(RecordRepository):
    """Series of repeating tasks."""

    name = "series"
    kind = "series"

    def due(self, now: datetime, limit: int) -> list[Series]:
        found = [
            s
            for s in self._rows().values()
            if s.materialise_at is not None and s.materialise_at <= now and not s.archived
        ]
        found.sort(key=lambda s: (s.materialise_at, s.id))
        return [copy_out(s) for s in found[:limit]]

    def for_employees(self, employee_ids: Sequence[UUID], until: datetime) -> list[Series]:
        wanted = set(employee_ids)
        templates = {
            row.task_id
            for row in self._uow.table("executors").values()
            if row.employee_id in wanted
        }
        found = [
            s
            for s in self._rows().values()
            if not s.archived
            and s.next_at is not None
            and s.next_at < until
            and s.template_id in templates
        ]
        found.sort(key=lambda s: s.id)
        return [copy_out(s) for s in found]
