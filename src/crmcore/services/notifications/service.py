"""``crm.notifications``: preferences, the in-app inbox, the outbox and its dispatcher."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from uuid import UUID

import attrs

from crmcore.domain.notifications import (
    DEFAULT_CHANNELS,
    InboxItem,
    Message,
    MessageStatus,
    NotificationKind,
    Preference,
)
from crmcore.errors import ValidationError
from crmcore.ports import Channel
from crmcore.services.base import Service
from crmcore.services.notifications.deadlines import announce_overdue
from crmcore.services.notifications.dispatcher import DEFAULT_LEASE, DispatchReport, claim, deliver
from crmcore.services.refs import EmployeeRef, find_by_id, find_employee

__all__ = ["NotificationService"]

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

        First, in their own units of work, what time brought (the jobs wired
        in :mod:`crmcore.services.wiring`): the next task of every repeating
        series that is due is created (``crm.tasks.materialise``), reminders
        whose moment has come are queued (``crm.reminders.fire``), and
        deadlines that passed are announced once each.  Then up to ``limit``
        due messages are claimed for ``lease`` and delivered through their
        channels; a failure is retried after :func:`~crmcore.domain.notifications.retry_delay`, a
        permanent failure or the :data:`~crmcore.domain.notifications.MAX_ATTEMPTS`-th one is dead.

        Messages for a channel no plugin registered here wait (they are not
        attempted), so an application may queue e-mail that only the worker,
        configured with SMTP, delivers.

        Args:
            now: the time of the pass (tz-aware); the clock's when omitted.
            limit: most messages delivered in this pass.
            lease: how long a claimed message is held before another
                dispatcher may try it (after a crash, for instance).
        """
        moment = self._now_or(now)
        if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= 10_000:
            raise ValidationError("limit", "must be a whole number from 1 to 10000")
        if not isinstance(lease, timedelta) or lease <= timedelta(0):
            raise ValidationError("lease", "must be a positive timedelta")
        done = {name: job(self._context, moment) for name, job in self._context.runtime.jobs}
        outcome = {MessageStatus.SENT: 0, MessageStatus.FAILED: 0, MessageStatus.DEAD: 0}
        for message in claim(self._context, moment, limit, lease):
            outcome[deliver(self._context, message, moment)] += 1
        return DispatchReport(
            **done,
            sent=outcome[MessageStatus.SENT],
            failed=outcome[MessageStatus.FAILED],
            dead=outcome[MessageStatus.DEAD],
        )

    def claim(
        self,
        now: datetime | None = None,
        *,
        limit: int = 100,
        lease: timedelta = DEFAULT_LEASE,
    ) -> list[Message]:
        """Claim due messages for ``lease`` without delivering them: the first step of
        :meth:`dispatch`, for tools that inspect or hold back a pass.

        A claimed message counts an attempt; nobody delivers it until its
        lease lapses, and then the next dispatch delivers it as it would after
        a crashed dispatcher.
        """
        return claim(self._context, self._now_or(now), limit, lease)

    def announce_overdue(self, now: datetime | None = None) -> int:
        """Queue a notice for each open task whose deadline has passed, once per deadline.

        A task is overdue for a person once the last day its end covers has
        ended in that person's zone.  Deadlines that passed more than
        :data:`~crmcore.services.notifications.deadlines.OVERDUE_LOOKBACK`
        ago are not announced (a worker started after a long pause does not
        flood everyone).
        """
        return announce_overdue(self._context, self._now_or(now))
