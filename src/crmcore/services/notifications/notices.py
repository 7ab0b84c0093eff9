"""What people are told when something happens: the subscribers that queue notices.

Each function here follows one signal (wired in :mod:`crmcore.services.wiring`)
and queues the notices it calls for, in the unit of work of the change.  The
actor who made the change is never told of their own act.
"""

from __future__ import annotations

from crmcore.domain.notifications import NotificationKind
from crmcore.domain.signals import CallMissed, CommentWritten, ExecutorsAssigned, TaskStatusChanged
from crmcore.ports import UnitOfWork
from crmcore.services.context import Context
from crmcore.services.notifications.outbox import Notice, local_time, queue, task_people

__all__ = [
    "announce_assigned",
    "announce_mentions",
    "announce_missed_call",
    "announce_status",
]


def announce_assigned(context: Context, uow: UnitOfWork, signal: ExecutorsAssigned) -> None:
    """Tell each employee given an executor row of the task that it is theirs."""
    task = signal.task
    rows = signal.executors
    notices = []
    people = uow.employees.get_many(row.employee_id for row in rows if row.employee_id)
    for row in rows:
        employee = None if row.employee_id is None else people.get(row.employee_id)
        if employee is None:
            continue
        notices.append(
            Notice(
                kind=NotificationKind.TASK_ASSIGNED,
                key=f"task_assigned:{row.id}",
                recipient_id=employee.id,
                subject=f"{NotificationKind.TASK_ASSIGNED.label}: {task.name}",
                body=(
                    f"{task.name}\n"
                    f"Начало: {local_time(row.planned_start, employee)}\n"
                    f"Окончание: {local_time(row.planned_end, employee)}\n"
                    f"Поставил: {context.actor.name}"
                    + (f"\n\n{task.description}" if task.description else "")
                ),
                entity_kind="task",
                entity_id=task.id,
            )
        )
    queue(uow, notices, context.now(), skip=context.actor.employee_id)


def announce_status(context: Context, uow: UnitOfWork, signal: TaskStatusChanged) -> None:
    """Tell the task's people (not the one who moved it) its new status."""
    before, after = signal.before, signal.after
    rows = uow.executors.find(task_id=after.id)
    people = task_people(after, (row.employee_id for row in rows))
    body = f"{after.name}\n{before.status.label} → {after.status.label}\nКто: {context.actor.name}"
    if signal.note:
        body += f"\n{signal.note}"
    notices = [
        Notice(
            kind=NotificationKind.TASK_STATUS,
            key=f"task_status:{after.id}:{after.version}",
            recipient_id=person,
            subject=f"{after.name}: {after.status.label}",
            body=body,
            entity_kind="task",
            entity_id=after.id,
        )
        for person in sorted(people)
    ]
    queue(uow, notices, context.now(), skip=context.actor.employee_id)


def announce_mentions(context: Context, uow: UnitOfWork, signal: CommentWritten) -> None:
    """Tell each newly mentioned employee (once per comment) where they were mentioned."""
    comment, entity = signal.comment, signal.entity
    title = getattr(entity, "name", None) or getattr(entity, "subject", "")
    notices = [
        Notice(
            kind=NotificationKind.MENTION,
            key=f"mention:{comment.id}",
            recipient_id=person,
            subject=f"{comment.author_name}: {title}",
            body=f"{title}\n\n{comment.text}",
            entity_kind=comment.entity_kind,
            entity_id=comment.entity_id,
        )
        for person in signal.newly_mentioned
    ]
    queue(uow, notices, context.now(), skip=context.actor.employee_id)


def announce_missed_call(context: Context, uow: UnitOfWork, signal: CallMissed) -> None:
    """Tell the employee to call the missed caller back."""
    event, who = signal.event, signal.employee
    notice = Notice(
        kind=NotificationKind.MISSED_CALL,
        key=f"missed_call:{event.id}",
        recipient_id=who.id,
        subject=f"{NotificationKind.MISSED_CALL.label}: {signal.caller}",
        body=f"{signal.caller}\n{signal.number}\nВремя: {local_time(event.occurred_at, who)}",
        entity_kind="event",
        entity_id=event.id,
    )
    queue(uow, [notice], context.now())
