"""Where tasks, their executor rows, work log and dependencies are stored."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, Protocol, TypeAlias
from uuid import UUID

from crmcore.domain.tasks import Dependency, Executor, Task, TaskSearch, TaskSort, WorkLogEntry
from crmcore.ports.records import RecordRepository

__all__ = [
    "DependencyRepository",
    "ExecutorRepository",
    "TaskRepository",
    "WorkLogRepository",
]


class TaskRepository(RecordRepository[Task], Protocol):
    def search(
        self,
        query: TaskSearch,
        sort: TaskSort,
        *,
        after: tuple[Any, ...] | None,
        limit: int,
    ) -> list[Task]:
        """The registry: tasks admitted by ``query`` (and by its user-field values),
        in ``sort`` order (``TaskSort.position``), strictly after ``after``, at most ``limit``."""

    def ending_between(self, since: datetime, until: datetime) -> list[Task]:
        """Open tasks, not archived, whose planned end is in ``[since, until)``, by end."""
        ...

    def count_by_status(self, query: TaskSearch) -> dict[str, int]:
        """How many tasks ``query`` admits, per status value (statuses with none left out)."""


class ExecutorRepository(RecordRepository[Executor], Protocol):
    def for_tasks(self, task_ids: Iterable[UUID]) -> list[Executor]:
        """The executor rows of these tasks, by (task, position, id)."""

    def for_employees(
        self, employee_ids: Sequence[UUID], since: datetime, until: datetime
    ) -> list[Executor]:
        """Rows of these employees whose planned period meets [since, until):
        ``planned_start < until`` and ``planned_end >= since``."""


class WorkLogRepository(RecordRepository[WorkLogEntry], Protocol):
    def for_employees(
        self, employee_ids: Sequence[UUID], since: datetime, until: datetime
    ) -> list[WorkLogEntry]:
        """Entries of these employees with ``since <= worked_on < until``."""


#: Dependencies between tasks are plain records.
DependencyRepository: TypeAlias = RecordRepository[Dependency]
