"""``crm.notifications``: the outbox, the dispatcher, preferences and the in-app inbox.

Services queue notifications with :func:`queue` inside the unit of work of
their cause, so a notice exists exactly when its cause was committed.  The
dispatcher (:meth:`NotificationService.dispatch`, ``crmcore worker``) later
claims due messages in one short transaction, delivers each through its
channel outside any transaction, and records the outcome in another.

Delivery is at least once: a process killed after a channel accepted a
message but before the outcome was stored retries that message once its
claim lapses.  The message's key travels with every attempt (the e-mail
``Message-ID``, the SMS gateway's ``Idempotency-Key``) so the far side can
drop the repeat; the in-app channel is written in the same transaction as
the outcome and so is delivered exactly once.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

import attrs

from crmcore.domain import Employee
from crmcore.domain.notifications import (
    DEFAULT_CHANNELS,
    IN_APP,
    MAX_ATTEMPTS,
    InboxItem,
    Message,
    MessageStatus,
    NotificationKind,
    Preference,
    retry_delay,
)
from crmcore.domain.tasks import Task, last_day
from crmcore.errors import Conflict, DeliveryError, StaleObject, ValidationError
from crmcore.ports import Channel, UnitOfWork
from crmcore.services.base import Service
from crmcore.services.refs import EmployeeRef, find_by_id, find_employee

__all__ = ["DispatchReport", "Notice", "NotificationService", "queue"]

#: How long a claimed message is held by one dispatcher before another may retry it.
DEFAULT_LEASE = timedelta(minutes=5)
#: How far back the dispatcher looks for deadlines that passed unannounced.
OVERDUE_LOOKBACK = timedelta(days=7)
_ERROR_LENGTH = 2000


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


@attrs.frozen(kw_only=True)
class DispatchReport:
    """What one dispatcher pass did."""

    materialised: int = 0
    reminders: int = 0
    overdue: int = 0
    sent: int = 0
    failed: int = 0
    dead: int = 0

    @property
    def delivered_nothing(self) -> bool:
        return not (self.sent or self.failed or self.dead)


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


MessageRef = Message | UUID
InboxRef = InboxItem | UUID


class NotificationService(Service):
    """``crm.notifications``: preferences, the inbox, the outbox and its dispatcher."""

    kind = "notification"

    @property
    def channels(self) -> Mapping[str, Channel]:
        """The channels registered by plugins (``crmcore_channels``), by name."""
        return self._context.runtime.channels

    # --- preferences --------------------------------------------------------------

    def set_preference(
        self, employee: EmployeeRef, *, kind: NotificationKind | str, channels: Iterable[str]
    ) -> Preference:
        """Choose the channels ``employee`` gets ``kind`` through; ``[]`` opts out.

        Raises:
            ValidationError: an unknown employee or kind, or a malformed channel name.

        Example:
            >>> import crmcore
            >>> crm = crmcore.open()
            >>> ivan = crm.employees.create(code="7", name="Іван", email="ivan@example.com")
            >>> crm.notifications.set_preference(ivan, kind="reminder", channels=["sms"]).channels
            ('sms',)
            >>> (
            ...     crm.notifications.preferences(ivan)["reminder"],
            ...     crm.notifications.preferences(ivan)["mention"],
            ... )
            (('sms',), ('in_app', 'email'))
        """
        try:
            kind_value = NotificationKind(kind)
        except ValueError:
            allowed = ", ".join(k.value for k in NotificationKind)
            raise ValidationError("kind", f"{kind!r} is not one of: {allowed}") from None
        with self._unit_of_work() as uow:
            who = find_employee(uow, employee, "employee")
            stored = uow.preferences.find(employee_id=who.id, kind=kind_value)
            chosen = tuple(channels) if not isinstance(channels, str) else (channels,)
            if stored:
                return self._update(
                    uow,
                    uow.preferences,
                    stored[0],
                    None,
                    {"channels": chosen},
                    kind="notification_preference",
                )
            preference = Preference(employee_id=who.id, kind=kind_value, channels=chosen)
            return self._add(uow, uow.preferences, preference, kind="notification_preference")

    def preferences(self, employee: EmployeeRef) -> dict[str, tuple[str, ...]]:
        """The channels ``employee`` gets each kind through (defaults included).

        A reminder goes through its rule's channels unless a preference for
        ``reminder`` is stored; the default shown for it is the usual one.
        """
        with self._unit_of_work(writes=False) as uow:
            who = find_employee(uow, employee, "employee")
            stored = {p.kind.value: p.channels for p in uow.preferences.for_employees([who.id])}
        return {kind.value: stored.get(kind.value, DEFAULT_CHANNELS) for kind in NotificationKind}

    # --- the inbox -------------------------------------------------------------------

    def inbox(
        self, employee: EmployeeRef, *, unread_only: bool = False, limit: int = 50
    ) -> list[InboxItem]:
        """The in-app notifications of ``employee``, newest first."""
        if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= 1000:
            raise ValidationError("limit", "must be a whole number from 1 to 1000")
        with self._unit_of_work(writes=False) as uow:
            who = find_employee(uow, employee, "employee")
            self._authorize("read", who, kind="inbox")
            return uow.inbox.for_employee(who.id, unread_only, limit)

    def unread(self, employee: EmployeeRef) -> int:
        """How many in-app notifications ``employee`` has not read."""
        with self._unit_of_work(writes=False) as uow:
            who = find_employee(uow, employee, "employee")
            return uow.inbox.unread_count(who.id)

    def mark_read(self, item: InboxRef, *, read: bool = True) -> InboxItem:
        """Mark one inbox item read (or unread again with ``read=False``)."""
        with self._unit_of_work() as uow:
            stored = find_by_id(uow.inbox, item, "inbox item", InboxItem)
            read_at = (stored.read_at or self._now()) if read else None
            if read_at == stored.read_at:
                return stored
            changed = attrs.evolve(
                stored, read_at=read_at, version=stored.version + 1, updated_at=self._now()
            )
            self._authorize("update", changed, kind="inbox")
            uow.inbox.update(changed, stored.version)
            return changed

    def mark_all_read(self, employee: EmployeeRef) -> int:
        """Mark every unread item of ``employee`` read; returns how many."""
        with self._unit_of_work() as uow:
            who = find_employee(uow, employee, "employee")
            now = self._now()
            unread = uow.inbox.for_employee(who.id, True, 100_000)
            for item in unread:
                uow.inbox.update(
                    attrs.evolve(item, read_at=now, version=item.version + 1, updated_at=now),
                    item.version,
                )
            return len(unread)

    # --- the outbox ------------------------------------------------------------------

    def outbox(
        self,
        *,
        status: MessageStatus | str | None = None,
        recipient: EmployeeRef | None = None,
        limit: int = 100,
    ) -> list[Message]:
        """Stored messages, newest first: all, or of one status and/or recipient."""
        if status is not None and status not in set(MessageStatus):
            allowed = ", ".join(s.value for s in MessageStatus)
            raise ValidationError("status", f"{status!r} is not one of: {allowed}")
        if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= 10_000:
            raise ValidationError("limit", "must be a whole number from 1 to 10000")
        with self._unit_of_work(writes=False) as uow:
            who = None if recipient is None else find_employee(uow, recipient, "recipient").id
            self._authorize("read", None, kind="outbox")
            return uow.messages.listing(
                None if status is None else MessageStatus(status).value, who, limit
            )

    def retry(self, message: MessageRef) -> Message:
        """Give a dead (or failed) message another round of attempts, now."""
        with self._unit_of_work() as uow:
            stored = find_by_id(uow.messages, message, "message", Message)
            if stored.status is MessageStatus.SENT:
                raise ValidationError("message", "was sent already")
            now = self._now()
            changed = attrs.evolve(
                stored,
                status=MessageStatus.PENDING,
                attempts=0,
                next_attempt_at=now,
                version=stored.version + 1,
                updated_at=now,
            )
            self._authorize("update", changed, kind="outbox")
            uow.messages.update(changed, stored.version)
            return changed

    # --- the dispatcher ----------------------------------------------------------------

    def dispatch(
        self,
        now: datetime | None = None,
        *,
        limit: int = 100,
        lease: timedelta = DEFAULT_LEASE,
    ) -> DispatchReport:
        """One pass of the dispatcher: what time brought, then delivery.

        First, in their own units of work: the next task of every repeating
        series that is due is created (``crm.tasks.materialise``), reminders
        whose moment has come are queued (``crm.reminders.fire``), and
        deadlines that passed are announced once each.  Then up to ``limit``
        due messages are claimed for ``lease`` and delivered through their
        channels; a failure is retried after :func:`retry_delay`, a
        permanent failure or the :data:`MAX_ATTEMPTS`-th one is dead.

        Messages for a channel no plugin registered here wait (they are not
        attempted), so an application may queue e-mail that only the worker,
        configured with SMTP, delivers.

        Args:
            now: the time of the pass (tz-aware); the clock's when omitted.
            limit: most messages delivered in this pass.
            lease: how long a claimed message is held before another
                dispatcher may try it (after a crash, for instance).
        """
        from crmcore.services.reminders import ReminderService
        from crmcore.services.series import SeriesService

        moment = self._now_or(now)
        if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= 10_000:
            raise ValidationError("limit", "must be a whole number from 1 to 10000")
        if not isinstance(lease, timedelta) or lease <= timedelta(0):
            raise ValidationError("lease", "must be a positive timedelta")
        materialised = len(SeriesService(self._context).materialise(moment))
        # Two dispatchers firing the same reminders or deadlines collide on a
        # version or a key: the one that lost rolled back, the other did the work.
        try:
            reminders = ReminderService(self._context).fire(moment)
        except Conflict:
            reminders = 0
        try:
            overdue = self.announce_overdue(moment)
        except Conflict:
            overdue = 0
        claimed = self._claim(moment, limit, lease)
        outcome = {MessageStatus.SENT: 0, MessageStatus.FAILED: 0, MessageStatus.DEAD: 0}
        for message in claimed:
            outcome[self._deliver(message, moment)] += 1
        return DispatchReport(
            materialised=materialised,
            reminders=reminders,
            overdue=overdue,
            sent=outcome[MessageStatus.SENT],
            failed=outcome[MessageStatus.FAILED],
            dead=outcome[MessageStatus.DEAD],
        )

    def announce_overdue(self, now: datetime | None = None) -> int:
        """Queue a notice for each open task whose deadline has passed, once per deadline.

        A task is overdue for a person once the last day its end covers has
        ended in that person's zone.  Deadlines that passed more than
        :data:`OVERDUE_LOOKBACK` ago are not announced (a worker started
        after a long pause does not flood everyone).
        """
        moment = self._now_or(now)
        with self._unit_of_work() as uow:
            # An end at the viewer's midnight is overdue at that very instant.
            tasks = uow.tasks.ending_between(
                moment - OVERDUE_LOOKBACK - timedelta(days=2), moment + timedelta(microseconds=1)
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
                    if not task.is_overdue(moment, zone):
                        continue
                    if _overdue_for(task, moment, zone) > OVERDUE_LOOKBACK:
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
            return len(queue(uow, notices, moment))

    def _claim(self, now: datetime, limit: int, lease: timedelta) -> list[Message]:
        names = sorted({IN_APP, *self.channels})
        claimed = []
        with self._unit_of_work() as uow:
            for message in uow.messages.due(now, names, limit):
                taken = attrs.evolve(
                    message,
                    attempts=message.attempts + 1,
                    next_attempt_at=now + lease,
                    version=message.version + 1,
                    updated_at=now,
                )
                try:
                    uow.messages.update(taken, message.version)
                except StaleObject:
                    continue  # another dispatcher claimed it first
                claimed.append(taken)
        return claimed

    def _deliver(self, message: Message, now: datetime) -> MessageStatus:
        if message.channel == IN_APP:
            return self._settle(message, now, None, None)
        channel = self.channels[message.channel]
        try:
            provider_id = channel.deliver(message.delivery())
        except DeliveryError as error:
            return self._settle(message, now, error.problem, None, permanent=error.permanent)
        except Exception as error:  # a channel plugin's failure is recorded, never lost
            return self._settle(message, now, f"{type(error).__name__}: {error}", None)
        return self._settle(message, now, None, provider_id)

    def _settle(
        self,
        message: Message,
        now: datetime,
        problem: str | None,
        provider_id: str | None,
        *,
        permanent: bool = False,
    ) -> MessageStatus:
        """Record an attempt's outcome at the pass's time ``now``, unless another
        dispatcher took the message since."""
        if problem is None:
            status = MessageStatus.SENT
            changes: dict[str, Any] = {"sent_at": now, "provider_id": provider_id}
        else:
            gave_up = permanent or message.attempts >= MAX_ATTEMPTS
            status = MessageStatus.DEAD if gave_up else MessageStatus.FAILED
            changes = {
                "last_error": problem[:_ERROR_LENGTH],
                "next_attempt_at": now + retry_delay(message.attempts),
            }
        settled = attrs.evolve(
            message, status=status, version=message.version + 1, updated_at=now, **changes
        )
        with self._unit_of_work() as uow:
            try:
                uow.messages.update(settled, message.version)
            except StaleObject:
                return status
            if status is MessageStatus.SENT and message.channel == IN_APP:
                assert message.recipient_id is not None  # queue() addresses every message
                uow.inbox.add(
                    InboxItem(
                        employee_id=message.recipient_id,
                        message_id=message.id,
                        kind=message.kind,
                        subject=message.subject,
                        body=message.body,
                        entity_kind=message.entity_kind,
                        entity_id=message.entity_id,
                        version=1,
                        created_at=now,
                        updated_at=now,
                    )
                )
        return status


def _overdue_for(task: Task, now: datetime, zone: ZoneInfo) -> timedelta:
    """How long ago the last day ``task``'s end covers ended, in ``zone``."""
    day_after = last_day(task.planned_end, zone) + timedelta(days=1)
    ended = datetime.combine(day_after, datetime.min.time(), zone)
    return now - ended
