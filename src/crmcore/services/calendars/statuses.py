"""How a task's state maps between crmcore and iCalendar, both ways.

Out: a task's STATUS, PERCENT-COMPLETE, COMPLETED and PRIORITY, and its
executor rows' PARTSTAT.  In: a VTODO's PRIORITY, and the workflow moves
that bring a task forward to the state a VTODO shows.
"""

from __future__ import annotations

from datetime import datetime

from crmcore.adapters.ical import CalendarItem
from crmcore.domain import Employee
from crmcore.domain.tasks import (
    Executor,
    ExecutorStatus,
    Priority,
    ProgressMode,
    Task,
    TaskStatus,
)
from crmcore.errors import IllegalTransition, PermissionDenied
from crmcore.services.tasks import TaskService

__all__ = ["PARTSTAT", "PRIORITY", "apply_todo_state", "priority_of", "todo_state"]

_TODO_STATUS = {
    TaskStatus.ASSIGNED: "NEEDS-ACTION",
    TaskStatus.ACCEPTED: "NEEDS-ACTION",
    TaskStatus.IN_PROGRESS: "IN-PROCESS",
    TaskStatus.ON_REVIEW: "IN-PROCESS",
    TaskStatus.RETURNED: "IN-PROCESS",
    TaskStatus.POSTPONED: "NEEDS-ACTION",
    TaskStatus.COMPLETED: "COMPLETED",
    TaskStatus.CANCELLED: "CANCELLED",
}
#: A VTODO's STATUS in an employee's own feed: their executor row's.
_ROW_STATUS = {
    ExecutorStatus.ASSIGNED: "NEEDS-ACTION",
    ExecutorStatus.ACCEPTED: "NEEDS-ACTION",
    ExecutorStatus.IN_PROGRESS: "IN-PROCESS",
    ExecutorStatus.DONE: "COMPLETED",
    ExecutorStatus.DECLINED: "CANCELLED",
}
#: An ATTENDEE's PARTSTAT: the status of the executor row it is.
PARTSTAT = {
    ExecutorStatus.ASSIGNED: "NEEDS-ACTION",
    ExecutorStatus.ACCEPTED: "ACCEPTED",
    ExecutorStatus.IN_PROGRESS: "IN-PROCESS",
    ExecutorStatus.DONE: "COMPLETED",
    ExecutorStatus.DECLINED: "DECLINED",
}
#: A VTODO's PRIORITY: the task's.
PRIORITY = {Priority.URGENT: 1, Priority.HIGH: 3, Priority.NORMAL: 5, Priority.LOW: 9}
_CLOSED = (TaskStatus.COMPLETED, TaskStatus.CANCELLED, TaskStatus.POSTPONED)


def todo_state(task: Task, row: Executor | None) -> tuple[str, int, datetime | None]:
    """STATUS, PERCENT-COMPLETE and COMPLETED of a task, as ``row``'s employee sees it."""
    if row is None or task.status in (TaskStatus.COMPLETED, TaskStatus.CANCELLED):
        completed = task.updated_at if task.status is TaskStatus.COMPLETED else None
        return _TODO_STATUS[task.status], task.percent_done, completed
    if row.status is ExecutorStatus.DONE and task.status is TaskStatus.RETURNED:
        return "NEEDS-ACTION", row.percent_done, None
    completed = row.updated_at if row.status is ExecutorStatus.DONE else None
    return _ROW_STATUS[row.status], row.percent_done, completed


def priority_of(value: int | None) -> Priority:
    """RFC 5545: 1-4 high (1-2 taken as urgent), 5 medium, 6-9 low, 0 undefined."""
    if value is None or value == 0:
        return Priority.NORMAL
    if value <= 2:
        return Priority.URGENT
    if value <= 4:
        return Priority.HIGH
    if value == 5:
        return Priority.NORMAL
    return Priority.LOW


def apply_todo_state(
    tasks: TaskService,
    workers: TaskService,
    task: Task,
    who: Employee | None,
    item: CalendarItem,
    *,
    close: bool,
) -> None:
    """Bring a task forward to the state a VTODO shows.

    ``workers`` makes the moves of ``who``'s executor row as ``who``;
    ``tasks`` makes the task's own moves: those of its reviewer during a
    sync, and, on import (``close``), completing or cancelling it.  Moves
    the workflow or the roles refuse are left out; they are refused before
    anything is written.
    """
    status = item.status
    percent = item.percent_complete
    if task.status in _CLOSED:
        return
    rows = tasks.executors(task)
    row = None if who is None else next((r for r in rows if r.employee_id == who.id), None)
    try:
        if row is not None:
            _row_moves(workers, task, row, status, percent)
        elif (
            close
            and percent is not None
            and percent != task.percent_done
            and task.progress_mode is ProgressMode.MANUAL
        ):
            tasks.update(task, percent_done=percent)
        reviewing = close or (who is not None and task.reviewer_id == who.id)
        if not reviewing:
            return
        current = tasks.get(task)
        if status == "COMPLETED":
            if close and current.status not in (TaskStatus.ON_REVIEW, *_CLOSED):
                current = tasks.submit(current)
            if current.status is TaskStatus.ON_REVIEW:
                tasks.complete(current)
        elif status == "CANCELLED" and (row is None or close) and current.status not in _CLOSED:
            tasks.cancel(current)
    except (IllegalTransition, PermissionDenied):
        return


def _row_moves(
    workers: TaskService, task: Task, row: Executor, status: str, percent: int | None
) -> None:
    if (
        percent is not None
        and percent != row.percent_done
        and row.status not in (ExecutorStatus.DONE, ExecutorStatus.DECLINED)
        and status != "COMPLETED"
    ):
        row = workers.report_progress(row, percent)
    waiting = (ExecutorStatus.ASSIGNED, ExecutorStatus.ACCEPTED)
    if status == "IN-PROCESS" and row.status in waiting:
        workers.start(row)
    elif status == "COMPLETED":
        redo = row.status is ExecutorStatus.DONE and task.status is TaskStatus.RETURNED
        if row.status in waiting or redo:
            row = workers.start(row)
        if row.status is ExecutorStatus.IN_PROGRESS:
            workers.finish(row)
    elif status == "CANCELLED" and row.status in waiting:
        workers.decline(row)
