"""``crm.reminders``: the reminder rules of tasks, which are due, and firing them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import attrs

from crmcore.domain import Employee
from crmcore.domain.notifications import NotificationKind
from crmcore.domain.reminders import Anchor, Recipient, Reminder, parse_duration, parse_offset
from crmcore.domain.signals import TaskRescheduled
from crmcore.domain.tasks import Executor, ExecutorStatus, Task
from crmcore.errors import Conflict, ValidationError
from crmcore.ports import UnitOfWork
from crmcore.services.base import Service, build
from crmcore.services.context import Context
from crmcore.services.notifications.outbox import Notice, local_time, queue
from crmcore.services.refs import EmployeeRef, TaskRef, find_by_id, find_employee, find_task

__all__ = ["DueReminder", "ReminderService", "due_anew_when_moved", "fire_due", "refresh_reminders"]

ReminderRef = Reminder | UUID
_FIRE_BATCH = 500


@attrs.frozen(kw_only=True)
class DueReminder:
    """A reminder whose moment has come, with its task and whom it goes to now."""

    reminder: Reminder
    task: Task
    at: datetime
    recipients: tuple[UUID, ...]


def recipients_of(reminder: Reminder, task: Task, rows: Sequence[Executor]) -> tuple[UUID, ...]:
    """The employees a reminder of ``task`` concerns (declined executors excepted)."""
    chosen: dict[UUID, None] = {}
    for kind in reminder.recipients:
        if kind is Recipient.EXECUTORS:
            for row in rows:
                if row.employee_id is not None and row.status is not ExecutorStatus.DECLINED:
                    chosen.setdefault(row.employee_id, None)
        elif kind is Recipient.CONTROLLER:
            reviewer = task.controller_id or task.author_id
            if reviewer is not None:
                chosen.setdefault(reviewer, None)
        elif kind is Recipient.AUTHOR:
            if task.author_id is not None:
                chosen.setdefault(task.author_id, None)
        else:
            for watcher in task.watchers:
                chosen.setdefault(watcher, None)
    return tuple(chosen)


def refresh_reminders(uow: UnitOfWork, task: Task, now: datetime) -> None:
    """Point a task's reminders at its (new) planned times, as if never fired."""
    for reminder in uow.reminders.find(task_id=task.id):
        anew = reminder.due_anew(task.planned_start, task.planned_end, task.time_zone)
        if anew == reminder:
            continue
        uow.reminders.update(
            attrs.evolve(anew, version=reminder.version + 1, updated_at=now), reminder.version
        )


def due_anew_when_moved(context: Context, uow: UnitOfWork, signal: TaskRescheduled) -> None:
    """A task that moved reminds its people anew, from its new planned times."""
    refresh_reminders(uow, signal.task, context.now())


def fire_due(context: Context, now: datetime) -> int:
    """The dispatcher's job: :meth:`ReminderService.fire`, yielding to another dispatcher.

    Two dispatchers firing the same reminders collide on a version or a key:
    the one that lost rolled back, the other did the work.
    """
    try:
        return ReminderService(context).fire(now)
    except Conflict:
        return 0


class ReminderService(Service):
    """``crm.reminders``: "remind N minutes / hours / days before" on a task."""

    kind = "reminder"

    def add(
        self,
        task: TaskRef,
        before: timedelta | str,
        *,
        calendar_days: int | None = None,
        anchor: Anchor | str = Anchor.START,
        recipients: Iterable[Recipient | str] = (Recipient.EXECUTORS, Recipient.CONTROLLER),
        channels: Iterable[str] = ("in_app", "email"),
        repeat_every: timedelta | str | None = None,
    ) -> Reminder:
        """Remind the task's people ``before`` its start (or its end).

        Args:
            task: the task.
            before: how long before: a timedelta or words (``"0 минут"``,
                ``"4 hours"``, ``"3 days"``), whole minutes.  Days and weeks
                are calendar days in the task's zone (09:00 three days
                before a 09:00 task, across a clock change too), hours and
                minutes exact; a timedelta's days are calendar days.
            calendar_days: how many of ``before``'s days are calendar days,
                the rest exact; by default as ``before`` says.
            anchor: ``"start"`` or ``"end"`` of the task's planned period.
            recipients: ``"executors"``, ``"controller"`` (the author when
                the task has none), ``"author"``, ``"watchers"``.
            channels: ``"in_app"``, ``"email"``, ``"sms"`` or a plugin's
                channel; an employee's own preference for reminders wins.
            repeat_every: repeat at this interval until each recipient
                acknowledges it (:meth:`acknowledge`) or the task is closed.

        Raises:
            ValidationError: a malformed duration, anchor, recipient or channel.

        Example:
            >>> import crmcore
            >>> from datetime import datetime
            >>> from zoneinfo import ZoneInfo
            >>> crm = crmcore.open()
            >>> kyiv = ZoneInfo("Europe/Kyiv")
            >>> task = crm.tasks.create(
            ...     "Укрытие",
            ...     start=datetime(2026, 12, 7, 9, tzinfo=kyiv),
            ...     end=datetime(2026, 12, 7, 18, tzinfo=kyiv),
            ... )
            >>> for before in ("0 минут", "4 часов", "3 дней"):
            ...     _ = crm.reminders.add(task, before)
            >>> [r.next_at.astimezone(kyiv).strftime("%d.%m %H:%M") for r in crm.reminders.of(task)]
            ['07.12 09:00', '07.12 05:00', '04.12 09:00']
        """
        offset, days = parse_offset(before, "before")
        with self._unit_of_work() as uow:
            found = find_task(uow, task, "task")
            reminder = build(
                Reminder,
                task_id=found.id,
                before=offset,
                calendar_days=days if calendar_days is None else calendar_days,
                anchor=anchor,
                recipients=tuple(recipients),
                channels=(channels,) if isinstance(channels, str) else tuple(channels),
                repeat_every=None
                if repeat_every is None
                else parse_duration(repeat_every, "repeat_every"),
            )
            due = reminder.due_anew(found.planned_start, found.planned_end, found.time_zone)
            return self._add(uow, uow.reminders, due)

    def of(self, task: TaskRef) -> list[Reminder]:
        """The reminders of a task, soonest rule first (by ``before``)."""
        with self._unit_of_work(writes=False) as uow:
            found = find_task(uow, task, "task")
            self._authorize("read", found, kind="task")
            return uow.reminders.find(task_id=found.id)

    def update(self, reminder: ReminderRef, **changes: Any) -> Reminder:
        """Change a rule (``before``, ``anchor``, ``recipients``, ``channels``,
        ``repeat_every``); it is then due anew from the task's planned times."""
        allowed = {"before", "anchor", "recipients", "channels", "repeat_every"}
        for name in changes:
            if name not in allowed:
                raise ValidationError(
                    name, f"is not a reminder setting ({', '.join(sorted(allowed))})"
                )
        if "before" in changes:
            changes["before"], changes["calendar_days"] = parse_offset(changes["before"], "before")
        if changes.get("repeat_every") is not None:
            changes["repeat_every"] = parse_duration(changes["repeat_every"], "repeat_every")
        for name in ("recipients", "channels"):
            if isinstance(changes.get(name), str):
                changes[name] = (changes[name],)
        with self._unit_of_work() as uow:
            stored = find_by_id(uow.reminders, reminder, "reminder", Reminder)
            task = find_task(uow, stored.task_id)
            candidate = build(Reminder, **{**attrs.asdict(stored, recurse=False), **changes})
            due = candidate.due_anew(task.planned_start, task.planned_end, task.time_zone)
            changes.update(next_at=due.next_at, fired=0, acknowledged_by=())
            return self._update(uow, uow.reminders, stored, reminder, changes)

    def remove(self, reminder: ReminderRef) -> None:
        """Delete a rule, keeping its removal in the task's history."""
        with self._unit_of_work() as uow:
            stored = find_by_id(uow.reminders, reminder, "reminder", Reminder)
            self._authorize("archive", stored)
            self._delete(uow, uow.reminders, stored)

    def acknowledge(self, reminder: ReminderRef, employee: EmployeeRef | None = None) -> Reminder:
        """Say "seen": ``employee`` (the acting one when omitted) gets no more repeats.

        Once every recipient has acknowledged, the reminder is done.
        """
        with self._unit_of_work() as uow:
            stored = find_by_id(uow.reminders, reminder, "reminder", Reminder)
            if employee is None:
                if self.actor.employee_id is None:
                    raise ValidationError("employee", "say who acknowledges the reminder")
                employee = self.actor.employee_id
            who = find_employee(uow, employee, "employee")
            if who.id in stored.acknowledged_by:
                return stored
            task = find_task(uow, stored.task_id)
            acknowledged = (*stored.acknowledged_by, who.id)
            everyone = set(recipients_of(stored, task, uow.executors.find(task_id=task.id)))
            changes: dict[str, Any] = {"acknowledged_by": acknowledged}
            if everyone <= set(acknowledged) and stored.fired:
                changes["next_at"] = None
            now = self._now()
            changed = attrs.evolve(stored, **changes, version=stored.version + 1, updated_at=now)
            uow.reminders.update(changed, stored.version)
            return changed

    def due(self, now: datetime | None = None, *, limit: int = _FIRE_BATCH) -> list[DueReminder]:
        """Reminders whose moment has come by ``now`` on open tasks, soonest first,
        with the employees they go to (those who acknowledged excepted)."""
        moment = self._now_or(now)
        with self._unit_of_work(writes=False) as uow:
            return self._due(uow, moment, limit)

    def _due(self, uow: UnitOfWork, now: datetime, limit: int) -> list[DueReminder]:
        reminders = uow.reminders.due(now, limit)
        tasks = uow.tasks.get_many({r.task_id for r in reminders})
        rows: dict[UUID, list[Executor]] = {}
        for row in uow.executors.for_tasks(tasks):
            rows.setdefault(row.task_id, []).append(row)
        found = []
        for reminder in reminders:
            task = tasks[reminder.task_id]
            people = recipients_of(reminder, task, rows.get(task.id, []))
            waiting = tuple(p for p in people if p not in reminder.acknowledged_by)
            assert reminder.next_at is not None
            found.append(
                DueReminder(reminder=reminder, task=task, at=reminder.next_at, recipients=waiting)
            )
        return found

    def fire(self, now: datetime | None = None) -> int:
        """Queue the due reminders as notifications and move each to its next time.

        Each firing is one message per recipient and channel, keyed by the
        reminder and the moment it fired for, so firing twice (two workers,
        a retried pass) queues it once.  Returns how many messages were queued.
        """
        moment = self._now_or(now)
        with self._unit_of_work() as uow:
            due = self._due(uow, moment, _FIRE_BATCH)
            people = uow.employees.get_many({p for item in due for p in item.recipients})
            notices = []
            for item in due:
                reminder, task = item.reminder, item.task
                for employee_id in item.recipients:
                    employee = people.get(employee_id)
                    if employee is None:
                        continue
                    notices.append(
                        Notice(
                            kind=NotificationKind.REMINDER,
                            key=f"reminder:{reminder.id}:{item.at.isoformat()}",
                            recipient_id=employee_id,
                            subject=f"{NotificationKind.REMINDER.label}: {task.name}",
                            body=_reminder_text(reminder, task, employee),
                            entity_kind="task",
                            entity_id=task.id,
                            channels=reminder.channels,
                        )
                    )
                everyone_acknowledged = not item.recipients
                uow.reminders.update(
                    attrs.evolve(
                        reminder,
                        next_at=reminder.after_firing(moment, everyone_acknowledged),
                        fired=reminder.fired + 1,
                        version=reminder.version + 1,
                        updated_at=moment,
                    ),
                    reminder.version,
                )
            return len(queue(uow, notices, moment))


def _reminder_text(reminder: Reminder, task: Task, employee: Employee) -> str:
    return (
        f"{task.name}\n"
        f"Начало: {local_time(task.planned_start, employee)}\n"
        f"Окончание: {local_time(task.planned_end, employee)}\n"
        f"Напомнить за: {reminder.describe()}"
    )
