"""Executors: the rows of a task, each with its own dates, status, percent and comment."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from crmcore.domain.signals import ExecutorsAssigned
from crmcore.domain.tasks import (
    EXECUTOR_TRANSITIONS,
    Executor,
    ExecutorKind,
    ExecutorStatus,
    TaskStatus,
)
from crmcore.errors import IllegalTransition, ValidationError
from crmcore.services.refs import EmployeeRef, ExecutorRef, TaskRef, find_executor
from crmcore.services.tasks.common import (
    REPORT_PROGRESS,
    TaskServiceBase,
    arguments_named,
    moment_of,
    zone_named,
)

__all__ = ["ExecutorMixin"]

_EXECUTOR_CHANGES = frozenset({"start", "end", "planned_hours", "comment", "position"})


class ExecutorMixin(TaskServiceBase):
    """The executor rows of a task and each executor's own workflow."""

    def executors(self, task: TaskRef) -> list[Executor]:
        """The executor rows of a task, in their order."""
        with self._unit_of_work(writes=False) as uow:
            found = self._find(uow, task)
            self._authorize("read", found)
            return uow.executors.find(task_id=found.id)

    def add_executor(
        self,
        task: TaskRef,
        employee: EmployeeRef | None = None,
        *,
        kind: ExecutorKind | str = ExecutorKind.EMPLOYEE,
        group: str | None = None,
        start: datetime | date | None = None,
        end: datetime | date | None = None,
        planned_hours: Decimal | float | str | None = None,
        comment: str = "",
    ) -> Executor:
        """Add an executor row; its dates default to the task's."""
        with self._unit_of_work() as uow:
            stored = self._find(uow, task)
            if not stored.is_open:
                raise ValidationError("task", f"is {stored.status.value}; reopen it first")
            spec: dict[str, Any] = {"employee": employee, "kind": kind, "group": group}
            spec.update({"planned_hours": planned_hours, "comment": comment})
            if start is not None:
                spec["start"] = start
            if end is not None:
                spec["end"] = end
            rows = uow.executors.find(task_id=stored.id)
            position = max((row.position for row in rows), default=-1) + 1
            row = self._add(
                uow, uow.executors, self._executor_row(uow, stored, spec, position), kind="executor"
            )
            self._publish(uow, ExecutorsAssigned(stored, (row,)))
            self._follow(uow, stored)
            return row

    def update_executor(self, executor: ExecutorRef, **changes: Any) -> Executor:
        """Change an executor row's dates (``start``, ``end``), planned hours,
        comment or position."""
        for name in changes:
            if name not in _EXECUTOR_CHANGES:
                raise ValidationError(
                    name, f"cannot be changed here ({', '.join(sorted(_EXECUTOR_CHANGES))})"
                )
        with self._unit_of_work() as uow:
            row = find_executor(uow, executor)
            task = self._find(uow, row.task_id)
            zone = zone_named(task.time_zone, "time_zone")
            prepared = dict(changes)
            if "start" in prepared:
                prepared["planned_start"] = moment_of(prepared.pop("start"), "start", zone)
            if "end" in prepared:
                prepared["planned_end"] = moment_of(prepared.pop("end"), "end", zone, end=True)
            with arguments_named():
                changed = self._update(uow, uow.executors, row, executor, prepared, kind="executor")
            self._follow(uow, task)
            return changed

    def remove_executor(self, executor: ExecutorRef) -> None:
        """Take an executor row off the task; refused once it has logged work."""
        with self._unit_of_work() as uow:
            row = find_executor(uow, executor)
            task = self._find(uow, row.task_id)
            self._authorize("update", task)
            if uow.work_log.find(executor_id=row.id):
                raise ValidationError("executor", "has logged work; decline it instead")
            # Listed on the task too: its History tab finds the removed row by it.
            self._delete(
                uow,
                uow.executors,
                row,
                kind="executor",
                listed_on=[task.id],
                listed_as="executors",
            )
            self._follow(uow, task)

    def _executor_move(self, executor: ExecutorRef, action: str, comment: str | None) -> Executor:
        transition = EXECUTOR_TRANSITIONS[action]
        with self._unit_of_work() as uow:
            row = find_executor(uow, executor)
            task = self._find(uow, row.task_id)
            self._check_role(transition, task, [row])
            if task.status in (TaskStatus.COMPLETED, TaskStatus.CANCELLED, TaskStatus.POSTPONED):
                raise IllegalTransition(
                    "task",
                    action,
                    task.status.value,
                    frozenset(
                        s.value
                        for s in TaskStatus
                        if s
                        not in (TaskStatus.COMPLETED, TaskStatus.CANCELLED, TaskStatus.POSTPONED)
                    ),
                )
            if row.status.value not in transition.sources:
                raise IllegalTransition("executor", action, row.status.value, transition.sources)
            changes: dict[str, Any] = {"status": ExecutorStatus(str(transition.target))}
            if action == "finish":
                changes["percent_done"] = 100
            if comment is not None:
                changes["comment"] = comment
            # The row is named, not edited from a copy: no stale-copy check.
            changed = self._update(uow, uow.executors, row, None, changes, kind="executor")
            self._follow(uow, task)
            return changed

    def accept(self, executor: ExecutorRef, *, comment: str | None = None) -> Executor:
        """The executor takes the work on (assigned → accepted)."""
        return self._executor_move(executor, "accept", comment)

    def decline(self, executor: ExecutorRef, *, comment: str | None = None) -> Executor:
        """The executor refuses the work (assigned or accepted → declined); the
        row stays, with what it logged, and stops counting in the percent."""
        return self._executor_move(executor, "decline", comment)

    def start(self, executor: ExecutorRef, *, comment: str | None = None) -> Executor:
        """The executor starts (or, after a return, restarts) the work → in progress."""
        return self._executor_move(executor, "start", comment)

    def finish(self, executor: ExecutorRef, *, comment: str | None = None) -> Executor:
        """The executor's part is done (its percent becomes 100); when every
        executor that did not decline is done, the task goes on review."""
        return self._executor_move(executor, "finish", comment)

    def report_progress(self, executor: ExecutorRef, percent: int) -> Executor:
        """Set an executor row's own percent done (by that executor or the controller)."""
        with self._unit_of_work() as uow:
            row = find_executor(uow, executor)
            task = self._find(uow, row.task_id)
            self._check_role(REPORT_PROGRESS, task, [row])
            changed = self._update(
                uow, uow.executors, row, None, {"percent_done": percent}, kind="executor"
            )
            self._follow(uow, task)
            return changed
