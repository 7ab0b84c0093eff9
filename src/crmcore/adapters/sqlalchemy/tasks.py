"""SQL repositories of tasks, their executor rows, work log and dependencies.

The registry (:meth:`Tasks.search`) is one indexed statement per shape of
query: which filters are given, how many statuses, which order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, ClassVar, TypeVar
from uuid import UUID

from sqlalchemy import and_, bindparam, func, or_, select, true, tuple_

from crmcore.adapters.sqlalchemy.fields import field_value_conditions, field_value_params
from crmcore.adapters.sqlalchemy.repository import RecordRepository, in_list, in_params
from crmcore.adapters.sqlalchemy.statements import Codec, padded
from crmcore.domain.tasks import (
    CLOSED_STATUSES,
    Dependency,
    Executor,
    Task,
    TaskSearch,
    TaskSort,
    WorkLogEntry,
)

__all__ = ["Dependencies", "Executors", "Tasks", "WorkLog"]

R = TypeVar("R")

_CLOSED = sorted(status.value for status in CLOSED_STATUSES)


class Tasks(RecordRepository[Task]):
    kind = "task"
    table_name = "tasks"
    entity_type = Task
    unique = (("series_id", "occurrence"), ("external_ref",))
    derived: ClassVar[Mapping[str, Callable[[Any], Any]]] = {
        "name_sort": lambda task: task.name_sort,
        "search_text": lambda task: task.search_text,
        "priority_order": lambda task: task.priority.order,
    }

    def ending_between(self, since: datetime, until: datetime) -> list[Task]:
        """Open tasks not archived whose planned end is in ``[since, until)``."""
        c = self.table.c

        def build() -> Any:
            return (
                select(*self.mapper.columns)
                .where(
                    c.planned_end >= bindparam("since"),
                    c.planned_end < bindparam("until"),
                    c.status.not_in([bindparam(f"s{i}") for i in range(len(_CLOSED))]),
                    c.archived.is_(False),
                )
                .order_by(c.planned_end, c.id)
            )

        rows = self._rows(
            ("tasks", "ending between"),
            build,
            since=self.codec.moment_in(since),
            until=self.codec.moment_in(until),
            **in_params("s", _CLOSED),
        )
        return [self.mapper.decode(row) for row in rows]

    def _filter(
        self, query: TaskSearch, *, statuses: bool
    ) -> tuple[tuple[Any, ...], Any, dict[str, Any]]:
        """(shape, a function building the WHERE conditions, parameters) for ``query``."""
        c = self.table.c
        x = self.t.executors.c
        codec = self.codec
        params: dict[str, Any] = {}
        status_values = (
            padded(sorted(s.value for s in query.statuses))
            if statuses and query.statuses is not None
            else None
        )
        priority_values = (
            padded(sorted(p.value for p in query.priorities))
            if query.priorities is not None
            else None
        )
        equal = {
            "controller_id": query.controller_id,
            "author_id": query.author_id,
            "client_id": query.client_id,
            "project_id": query.project_id,
        }
        given = tuple(name for name, value in equal.items() if value is not None)
        for name in given:
            params[name] = codec.uuid_in(equal[name])  # type: ignore[arg-type]
        if query.executor_id is not None:
            params["executor"] = codec.uuid_in(query.executor_id)
        if status_values is not None:
            params.update(in_params("status", status_values))
        if priority_values is not None:
            params.update(in_params("priority", priority_values))
        if query.overdue_at is not None:
            params["now"] = codec.moment_in(query.overdue_at)
            params.update(in_params("closed", _CLOSED))
        if query.since is not None:
            params["since"] = codec.moment_in(query.since)
        if query.until is not None:
            params["until"] = codec.moment_in(query.until)
        if query.text is not None:
            escaped = query.text.replace("/", "//").replace("%", "/%").replace("_", "/_")
            params["pattern"] = f"%{escaped}%"
        params.update(field_value_params(query.field_values))
        shape = (
            given,
            query.executor_id is not None,
            None if status_values is None else len(status_values),
            None if priority_values is None else len(priority_values),
            query.overdue_at is not None,
            query.since is not None,
            query.until is not None,
            query.text is not None,
            len(query.field_values),
            query.include_archived,
        )

        def conditions() -> list[Any]:
            where: list[Any] = [c[name] == bindparam(name) for name in given]
            if not query.include_archived:
                where.append(c.archived.is_(False))
            if query.executor_id is not None:
                # IN, not EXISTS: SQLite then starts from the employee's few
                # executor rows instead of probing them for every task in due order.
                where.append(
                    c.id.in_(select(x.task_id).where(x.employee_id == bindparam("executor")))
                )
            if status_values is not None:
                where.append(in_list(c.status, "status", len(status_values)))
            if priority_values is not None:
                where.append(in_list(c.priority, "priority", len(priority_values)))
            if query.overdue_at is not None:
                where.append(c.planned_end <= bindparam("now"))
                where.append(~in_list(c.status, "closed", len(padded(_CLOSED))))
            if query.since is not None:
                # Half-open periods meet when each starts before the other ends;
                # a task of no length counts where it stands.
                where.append(
                    or_(c.planned_end > bindparam("since"), c.planned_start >= bindparam("since"))
                )
            if query.until is not None:
                where.append(c.planned_start < bindparam("until"))
            if query.text is not None:
                where.append(c.search_text.like(bindparam("pattern"), escape="/"))
            where += field_value_conditions(
                self.t.field_values, c.id, "task", len(query.field_values)
            )
            return where

        return shape, conditions, params

    def _sort_columns(self, sort: TaskSort) -> list[Any]:
        c = self.table.c
        match sort:
            case TaskSort.DUE:
                return [c.planned_end, c.id]
            case TaskSort.START:
                return [c.planned_start, c.id]
            case TaskSort.PRIORITY:
                return [c.priority_order, c.planned_end, c.id]
            case TaskSort.CREATED:
                return [c.created_at, c.id]
            case _:
                return [c.name_sort, c.id]

    def search(
        self,
        query: TaskSearch,
        sort: TaskSort,
        *,
        after: tuple[Any, ...] | None,
        limit: int,
    ) -> list[Task]:
        shape, conditions, params = self._filter(query, statuses=True)
        columns = self._sort_columns(sort)
        if after is not None:
            if len(after) != len(columns):
                raise ValueError("the position does not fit the sort order")
            for index, value in enumerate(after):
                params[f"after{index}"] = _position_value(self.codec, value)
        params["limit"] = limit

        def build() -> Any:
            where = conditions()
            if after is not None:
                position = tuple_(*columns)
                bound = tuple_(*(bindparam(f"after{i}") for i in range(len(columns))))
                where.append(position < bound if sort.descending else position > bound)
            order = [column.desc() for column in columns] if sort.descending else columns
            return (
                select(*self.mapper.columns)
                .where(and_(true(), *where))
                .order_by(*order)
                .limit(bindparam("limit"))
            )

        rows = self._rows(("tasks", "search", shape, sort, after is not None), build, **params)
        return [self.mapper.decode(row) for row in rows]

    def count_by_status(self, query: TaskSearch) -> dict[str, int]:
        shape, conditions, params = self._filter(query, statuses=False)
        c = self.table.c

        def build() -> Any:
            return (
                select(c.status, func.count()).where(and_(true(), *conditions())).group_by(c.status)
            )

        rows = self._rows(("tasks", "count", shape), build, **params)
        return {status: int(count) for status, count in rows}


def _position_value(codec: Codec, value: Any) -> Any:
    """A value of a registry cursor's position, as the database compares it."""
    if isinstance(value, UUID):
        return codec.uuid_in(value)
    if isinstance(value, datetime):
        return codec.moment_in(value)
    return value


class _EmployeeRecords(RecordRepository[R]):
    """Records of employees over periods of time: executor rows and work log entries."""

    def _of_employees(
        self,
        employee_ids: Sequence[UUID],
        since: datetime,
        until: datetime,
        period: Callable[[], list[Any]],
        order: tuple[Any, ...],
    ) -> list[R]:
        """Records of these employees whose ``period`` conditions hold for [since, until)."""
        c = self.table.c
        codec = self.codec
        wanted = padded([codec.uuid_in(id) for id in employee_ids])

        def build() -> Any:
            return (
                select(*self.mapper.columns)
                .where(in_list(c.employee_id, "e", len(wanted)), *period())
                .order_by(*order)
            )

        rows = self._rows(
            (self.table_name, "of employees", len(wanted)),
            build,
            **in_params("e", wanted),
            since=codec.moment_in(since),
            until=codec.moment_in(until),
        )
        return [self.mapper.decode(row) for row in rows]


class Executors(_EmployeeRecords[Executor]):
    kind = "executor"
    table_name = "executors"
    entity_type = Executor
    order_by = ("position", "id")

    def for_tasks(self, task_ids: Iterable[UUID]) -> list[Executor]:
        rows = self._rows_in(
            "executors of tasks",
            lambda: self.mapper.columns,
            self.table.c.task_id,
            map(self.codec.uuid_in, task_ids),
        )
        found = [self.mapper.decode(row) for row in rows]
        found.sort(key=lambda row: (row.task_id, row.position, row.id))
        return found

    def for_employees(
        self, employee_ids: Sequence[UUID], since: datetime, until: datetime
    ) -> list[Executor]:
        c = self.table.c
        return self._of_employees(
            employee_ids,
            since,
            until,
            lambda: [c.planned_start < bindparam("until"), c.planned_end >= bindparam("since")],
            (c.planned_start, c.id),
        )


class WorkLog(_EmployeeRecords[WorkLogEntry]):
    kind = "work log entry"
    table_name = "work_log"
    entity_type = WorkLogEntry
    order_by = ("worked_on", "id")

    def for_employees(
        self, employee_ids: Sequence[UUID], since: datetime, until: datetime
    ) -> list[WorkLogEntry]:
        c = self.table.c
        return self._of_employees(
            employee_ids,
            since,
            until,
            lambda: [c.worked_on >= bindparam("since"), c.worked_on < bindparam("until")],
            (c.worked_on, c.id),
        )


class Dependencies(RecordRepository[Dependency]):
    kind = "dependency"
    table_name = "dependencies"
    entity_type = Dependency
    unique = (("predecessor_id", "successor_id"),)
