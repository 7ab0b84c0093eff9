"""Deadlines: each open task whose deadline passed is announced once to its people."""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID
from zoneinfo import ZoneInfo

from crmcore.domain.notifications import NotificationKind
from crmcore.domain.tasks import Task, last_day
from crmcore.errors import Conflict
from crmcore.services.context import Context
from crmcore.services.notifications.outbox import Notice, local_time, queue

__all__ = ["OVERDUE_LOOKBACK", "announce_deadlines", "announce_overdue"]

#: How far back the dispatcher looks for deadlines that passed unannounced.
OVERDUE_LOOKBACK = timedelta(days=7)


def announce_overdue(context: Context, now: datetime) -> int:
    """Queue a notice for each open task whose deadline has passed, once per deadline.

    A task is overdue for a person once the last day its end covers has
    ended in that person's zone.  Deadlines that passed more than
    :data:`OVERDUE_LOOKBACK` ago are not announced (a worker started
    after a long pause does not flood everyone).
    """
    with context.unit_of_work() as uow:
        # An end at the viewer's midnight is overdue at that very instant.
        tasks = uow.tasks.ending_between(
            now - OVERDUE_LOOKBACK - timedelta(days=2), now + timedelta(microseconds=1)
        )
        if not tasks:
            return 0
        rows = uow.executors.for_tasks([task.id for task in tasks])
        by_task: dict[UUID, list[UUID | None]] = {}
        for row in rows:
            by_task.setdefault(row.task_id, []).append(row.employee_id)
        concerned: dict[UUID, set[UUID]] = {}
        for task in tasks:
            who = {e for e in by_task.get(task.id, []) if e is not None}
            reviewer = task.controller_id or task.author_id
            if reviewer is not None:
                who.add(reviewer)
            concerned[task.id] = who
        people = uow.employees.get_many(set().union(*concerned.values()))
        notices = []
        for task in tasks:
            for employee_id in concerned[task.id]:
                employee = people.get(employee_id)
                if employee is None:
                    continue
                zone = ZoneInfo(employee.time_zone)
                if not task.is_overdue(now, zone):
                    continue
                if _overdue_for(task, now, zone) > OVERDUE_LOOKBACK:
                    continue
                notices.append(
                    Notice(
                        kind=NotificationKind.TASK_OVERDUE,
                        key=f"task_overdue:{task.id}:{task.planned_end.isoformat()}",
                        recipient_id=employee_id,
                        subject=f"{NotificationKind.TASK_OVERDUE.label}: {task.name}",
                        body=(
                            f"{task.name}\n"
                            f"Срок: {local_time(task.planned_end, employee)}\n"
                            f"Состояние: {task.status.label}"
                        ),
                        entity_kind="task",
                        entity_id=task.id,
                    )
                )
        return len(queue(uow, notices, now))


def announce_deadlines(context: Context, now: datetime) -> int:
    """The dispatcher's job: :func:`announce_overdue`, yielding to another dispatcher.

    Two dispatchers announcing the same deadlines collide on a key: the one
    that lost rolled back, the other did the work.
    """
    try:
        return announce_overdue(context, now)
    except Conflict:
        return 0


def _overdue_for(task: Task, now: datetime, zone: ZoneInfo) -> timedelta:
    """How long ago the last day ``task``'s end covers ended, in ``zone``."""
    day_after = last_day(task.planned_end, zone) + timedelta(days=1)
    ended = datetime.combine(day_after, datetime.min.time(), zone)
    return now - ended
