"""The work log: hours each executor worked, summed into the row and the task."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from crmcore.domain.tasks import Executor, Task, WorkLogEntry
from crmcore.ports import UnitOfWork
from crmcore.services.base import build
from crmcore.services.refs import ExecutorRef, TaskRef, find_by_id, find_executor
from crmcore.services.tasks.common import REPORT_PROGRESS, TaskServiceBase, moment_of, zone_named

__all__ = ["WorkLogMixin"]


class WorkLogMixin(TaskServiceBase):
    """Hours executors worked: logged, corrected, taken back; the sums follow."""

    def log_work(
        self,
        executor: ExecutorRef,
        hours: Decimal | float | str,
        *,
        on: datetime | date | None = None,
        note: str = "",
    ) -> WorkLogEntry:
        """Log hours an executor worked; the row's and the task's hours spent are
        the sums of the log.

        ``on`` is the day (a date, in the executor's own time zone, or the
        task's for a department's row) or moment worked; now when omitted.
        """
        with self._unit_of_work() as uow:
            row = find_executor(uow, executor)
            task = self._find(uow, row.task_id)
            self._check_role(REPORT_PROGRESS, task, [row])
            worker = None if row.employee_id is None else uow.employees.get(row.employee_id)
            zone = zone_named(task.time_zone if worker is None else worker.time_zone, "time_zone")
            entry = build(
                WorkLogEntry,
                task_id=task.id,
                executor_id=row.id,
                employee_id=row.employee_id,
                worked_on=self._now() if on is None else moment_of(on, "on", zone),
                hours=hours,
                note=note,
            )
            stored = self._add(uow, uow.work_log, entry, kind="work_log")
            self._sum_work(uow, row, task)
            return stored

    def _sum_work(self, uow: UnitOfWork, row: Executor, task: Task) -> None:
        """Hours spent are the sum of the log: of the row, then rolled up to the task."""
        total = sum((e.hours for e in uow.work_log.find(executor_id=row.id)), Decimal("0.00"))
        self._update(uow, uow.executors, row, None, {"hours_spent": total}, kind="executor")
        self._follow(uow, task)

    def _log_entry(self, uow: UnitOfWork, entry: WorkLogEntry | UUID) -> WorkLogEntry:
        return find_by_id(uow.work_log, entry, "work log entry", WorkLogEntry, "entry")

    def correct_work(
        self,
        entry: WorkLogEntry | UUID,
        *,
        hours: Decimal | float | str | None = None,
        on: datetime | date | None = None,
        note: str | None = None,
    ) -> WorkLogEntry:
        """Correct a work-log entry (by its executor or the controller); the
        row's and the task's hours follow.  The earlier values stay in history."""
        with self._unit_of_work() as uow:
            stored = self._log_entry(uow, entry)
            row = find_executor(uow, stored.executor_id)
            task = self._find(uow, row.task_id)
            self._check_role(REPORT_PROGRESS, task, [row])
            changes: dict[str, Any] = {}
            if hours is not None:
                changes["hours"] = hours
            if note is not None:
                changes["note"] = note
            if on is not None:
                worker = None if row.employee_id is None else uow.employees.get(row.employee_id)
                zone = zone_named(
                    task.time_zone if worker is None else worker.time_zone, "time_zone"
                )
                changes["worked_on"] = moment_of(on, "on", zone)
            changed = self._update(uow, uow.work_log, stored, entry, changes, kind="work_log")
            self._sum_work(uow, row, task)
            return changed

    def remove_work(self, entry: WorkLogEntry | UUID) -> None:
        """Take a work-log entry back (logged by mistake); the hours follow."""
        with self._unit_of_work() as uow:
            stored = self._log_entry(uow, entry)
            row = find_executor(uow, stored.executor_id)
            task = self._find(uow, row.task_id)
            self._check_role(REPORT_PROGRESS, task, [row])
            self._delete(
                uow,
                uow.work_log,
                stored,
                kind="work_log",
                listed_on=[task.id],
                listed_as="work_log",
            )
            self._sum_work(uow, row, task)

    def work_log(self, task: TaskRef) -> list[WorkLogEntry]:
        """The work logged on a task, oldest first."""
        with self._unit_of_work(writes=False) as uow:
            found = self._find(uow, task)
            self._authorize("read", found)
            return uow.work_log.find(task_id=found.id)
