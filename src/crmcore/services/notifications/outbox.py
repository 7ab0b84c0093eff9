"""The outbox: a notice to an employee becomes one stored message per channel.

Services (through the subscribers in :mod:`crmcore.services.notifications.notices`)
queue notifications with :func:`queue` inside the unit of work of their
cause, so a notice exists exactly when its cause was committed; the
dispatcher delivers them later.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from uuid import UUID
from zoneinfo import ZoneInfo

import attrs

from crmcore.domain import Employee
from crmcore.domain.notifications import DEFAULT_CHANNELS, IN_APP, Message, NotificationKind
from crmcore.domain.tasks import Task
from crmcore.ports import UnitOfWork

__all__ = ["Notice", "local_time", "queue", "task_people"]


@attrs.frozen(kw_only=True)
class Notice:
    """Something to tell one employee, before channels and addresses are chosen.

    ``key`` identifies the cause (``"task_assigned:<row id>"``); the
    message key adds the recipient and the channel.  ``channels`` overrides
    the kind's default (a reminder rule names its own), but an employee's
    stored preference for the kind wins over both.
    """

    kind: NotificationKind
    key: str
    recipient_id: UUID
    subject: str
    body: str
    entity_kind: str | None = None
    entity_id: UUID | None = None
    channels: tuple[str, ...] | None = None


def _address(employee: Employee, channel: str) -> str | None:
    """Where ``channel`` reaches ``employee``; None when it cannot."""
    if channel == IN_APP:
        return ""
    if channel == "email":
        return employee.email
    if channel == "sms":
        return None if employee.phone is None else employee.phone.e164
    return employee.email or (None if employee.phone is None else employee.phone.e164) or ""


def queue(
    uow: UnitOfWork, notices: Iterable[Notice], now: datetime, *, skip: UUID | None = None
) -> list[Message]:
    """Store the messages for ``notices`` in the caller's unit of work.

    Each notice becomes one message per channel the recipient takes it
    through: their stored preference for the kind, else the notice's own
    channels, else :data:`DEFAULT_CHANNELS`.  Archived employees, channels
    with no address for the person (e-mail without an address), ``skip``
    (the actor, who needs no notice of their own act) and keys already
    stored are left out, so queueing one cause twice stores it once.
    """
    wanted = [notice for notice in notices if notice.recipient_id != skip]
    if not wanted:
        return []
    people = uow.employees.get_many({n.recipient_id for n in wanted})
    chosen: dict[tuple[UUID, str], tuple[str, ...]] = {
        (p.employee_id, str(p.kind)): p.channels for p in uow.preferences.for_employees(people)
    }
    messages: dict[str, Message] = {}
    for notice in wanted:
        employee = people.get(notice.recipient_id)
        if employee is None or employee.archived:
            continue
        channels = chosen.get((employee.id, str(notice.kind)), notice.channels or DEFAULT_CHANNELS)
        for channel in channels:
            address = _address(employee, channel)
            if address is None:
                continue
            key = f"{notice.key}:{employee.id}:{channel}"
            messages.setdefault(
                key,
                Message(
                    key=key,
                    kind=notice.kind.value,
                    channel=channel,
                    recipient_id=employee.id,
                    recipient_name=employee.name,
                    address=address,
                    subject=_one_line(notice.subject),
                    body=notice.body,
                    entity_kind=notice.entity_kind,
                    entity_id=notice.entity_id,
                    next_attempt_at=now,
                    version=1,
                    created_at=now,
                    updated_at=now,
                ),
            )
    taken = uow.messages.existing_keys(messages)
    fresh = [message for key, message in messages.items() if key not in taken]
    if fresh:
        uow.messages.add_many(fresh)
    return fresh


def _one_line(text: str) -> str:
    return " ".join(text.split())[:500]


def local_time(moment: datetime, employee: Employee) -> str:
    """``moment`` as the employee reads it: their zone, day first, like the seed's card."""
    return moment.astimezone(ZoneInfo(employee.time_zone)).strftime("%d/%m/%Y %H:%M")


def task_people(task: Task, executor_ids: Iterable[UUID | None]) -> set[UUID]:
    """Everyone concerned with a task: executors, controller, author and watchers."""
    people = {employee for employee in executor_ids if employee is not None}
    people.update(who for who in (task.controller_id, task.author_id) if who is not None)
    people.update(task.watchers)
    return people
