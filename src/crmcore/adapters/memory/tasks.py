"""Tasks, their executor rows, work log and dependencies in memory."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

import attrs

from crmcore.adapters.memory.fields import has_field_values
from crmcore.adapters.memory.repository import RecordRepository, copy_out
from crmcore.domain.tasks import (
    CLOSED_STATUSES,
    Executor,
    Task,
    TaskSearch,
    TaskSort,
    WorkLogEntry,
)

__all__ = ["Dependencies", "Executors", "Tasks", "WorkLog"]


class Tasks(RecordRepository):
    """Tasks, unique by occurrence of a series and by external reference."""

    name = "tasks"
    kind = "task"
    unique = (("series_id", "occurrence"), ("external_ref",))

    def ending_between(self, since: datetime, until: datetime) -> list[Task]:
        found = [
            t
            for t in self._rows().values()
            if since <= t.planned_end < until and t.status not in CLOSED_STATUSES and not t.archived
        ]
        found.sort(key=lambda t: (t.planned_end, t.id))
        return [copy_out(t) for t in found]

    def _matching(self, query: TaskSearch) -> list[Task]:
        employees: dict[UUID, set[UUID]] = {}
        if query.executor_id is not None:
            for row in self._uow.table("executors").values():
                if row.employee_id is not None:
                    employees.setdefault(row.task_id, set()).add(row.employee_id)
        values = self._uow.table("field_values")
        return [
            task
            for task in self._rows().values()
            if query.admits(task, frozenset(employees.get(task.id, ())))
            and has_field_values(values, "task", task.id, query.field_values)
        ]

    def search(
        self,
        query: TaskSearch,
        sort: TaskSort,
        *,
        after: tuple[Any, ...] | None,
        limit: int,
    ) -> list[Task]:
        found = self._matching(query)
        if after is not None:
            found = [
                t
                for t in found
                if (sort.position(t) < after if sort.descending else sort.position(t) > after)
            ]
        found.sort(key=sort.position, reverse=sort.descending)
        return [copy_out(t) for t in found[:limit]]

    def count_by_status(self, query: TaskSearch) -> dict[str, int]:
        counts: dict[str, int] = {}
        for task in self._matching(attrs.evolve(query, statuses=None)):
            counts[task.status.value] = counts.get(task.status.value, 0) + 1
        return counts


class Executors(RecordRepository):
    """Executor rows of tasks, by position."""

    name = "executors"
    kind = "executor"

    def _order(self, record: Any) -> Any:
        return (record.position, record.id)

    def for_tasks(self, task_ids: Iterable[UUID]) -> list[Executor]:
        wanted = set(task_ids)
        found = [r for r in self._rows().values() if r.task_id in wanted]
        found.sort(key=lambda r: (r.task_id, r.position, r.id))
        return [copy_out(r) for r in found]

    def for_employees(
        self, employee_ids: Sequence[UUID], since: datetime, until: datetime
    ) -> list[Executor]:
        wanted = set(employee_ids)
        found = [
            r
            for r in self._rows().values()
            if r.employee_id in wanted and r.planned_start < until and r.planned_end >= since
        ]
        found.sort(key=lambda r: (r.planned_start, r.id))
        return [copy_out(r) for r in found]


class WorkLog(RecordRepository):
    """Work log entries, by the moment worked."""

    name = "work_log"
    kind = "work log entry"

    def _order(self, record: Any) -> Any:
        return (record.worked_on, record.id)

    def for_employees(
        self, employee_ids: Sequence[UUID], since: datetime, until: datetime
    ) -> list[WorkLogEntry]:
        wanted = set(employee_ids)
        found = [
            r
            for r in self._rows().values()
            if r.employee_id in wanted and since <= r.worked_on < until
        ]
        found.sort(key=self._order)
        return [copy_out(r) for r in found]


class Dependencies(RecordRepository):
    """Dependencies between tasks, one per pair."""

    name = "dependencies"
    kind = "dependency"
    unique = (("predecessor_id", "successor_id"),)
