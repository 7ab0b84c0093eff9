"""Callback tasks: a missed call becomes a task to call the client back."""

from __future__ import annotations

from crmcore.domain.signals import CallMissed, MissedCallAnswered
from crmcore.domain.tasks import CLOSED_STATUSES
from crmcore.ports import UnitOfWork
from crmcore.services.context import Context
from crmcore.services.tasks.service import TaskService

__all__ = ["set_callback_task", "withdraw_callback_task"]


def set_callback_task(context: Context, uow: UnitOfWork, signal: CallMissed) -> None:
    """Give the employee a task to call back, made from the missed call's event, once.

    The task carries the call's client and contact person, links back to the
    event, and is due when the signal's callback says; a call reported
    missed twice finds its task by ``external_ref`` and makes no other.
    """
    callback = signal.callback
    if callback is None:
        return
    reference = f"callback:{signal.event.id}"
    if uow.tasks.find(external_ref=reference):
        return
    start = signal.event.occurred_at
    TaskService(context).create_from_event(
        signal.event,
        name=callback.title,
        start=start,
        end=max(callback.due, start),
        type=callback.type_code,
        executors=[signal.employee],
        description=f"{signal.caller}\n{signal.number}",
        external_ref=reference,
    )


def withdraw_callback_task(context: Context, uow: UnitOfWork, signal: MissedCallAnswered) -> None:
    """Cancel the callback task of a call that was answered after all, unless it is closed."""
    for task in uow.tasks.find(external_ref=f"callback:{signal.event.id}"):
        if task.status not in CLOSED_STATUSES:
            TaskService(context).cancel(task, comment="Звонок был отвечен")
