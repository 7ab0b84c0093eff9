"""SQL repositories of reminders, repeating series, the outbox, inboxes and calendar sync."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from functools import partial
from uuid import UUID

from sqlalchemy import bindparam, func, select

from crmcore.adapters.sqlalchemy.repository import RecordRepository, chunks, in_list, in_params
from crmcore.adapters.sqlalchemy.statements import padded
from crmcore.domain.notifications import InboxItem, Message, MessageStatus, Preference
from crmcore.domain.reminders import Reminder
from crmcore.domain.series import Series
from crmcore.domain.sync import CalendarSubscription, SyncedItem
from crmcore.domain.tasks import CLOSED_STATUSES

__all__ = [
    "Inbox",
    "Messages",
    "Preferences",
    "Reminders",
    "SeriesRecords",
    "Subscriptions",
    "SyncedItems",
]

_CLOSED = sorted(status.value for status in CLOSED_STATUSES)
_RETRYABLE = (MessageStatus.PENDING.value, MessageStatus.FAILED.value)


class Reminders(RecordRepository[Reminder]):
    kind = "reminder"
    table_name = "reminders"
    entity_type = Reminder
    order_by = ("task_id", "before", "id")

    def due(self, now: datetime, limit: int) -> list[Reminder]:
        """Reminders whose moment has come, on open tasks that are not archived."""
        c = self.table.c
        tasks = self.t.tasks.c

        def build() -> object:
            return (
                select(*self.mapper.columns)
                .join(self.t.tasks, tasks.id == c.task_id)
                .where(
                    c.next_at <= bindparam("now"),
                    tasks.status.not_in([bindparam(f"s{i}") for i in range(len(_CLOSED))]),
                    tasks.archived.is_(False),
                )
                .order_by(c.next_at, c.id)
                .limit(bindparam("limit"))
            )

        rows = self._rows(
            ("reminders", "due"),
            build,
            now=self.codec.moment_in(now),
            limit=limit,
            **in_params("s", _CLOSED),
        )
        return [self.mapper.decode(row) for row in rows]

    def for_tasks(self, task_ids: Iterable[UUID]) -> list[Reminder]:
        rows = self._rows_in(
            "reminders by task",
            lambda: self.mapper.columns,
            self.table.c.task_id,
            map(self.codec.uuid_in, task_ids),
        )
        found = [self.mapper.decode(row) for row in rows]
        found.sort(key=lambda r: (r.task_id, r.before, r.id))
        return found


class SeriesRecords(RecordRepository[Series]):
    kind = "series"
    table_name = "series"
    entity_type = Series

    def due(self, now: datetime, limit: int) -> list[Series]:
        """Series whose next occurrence is to become a task by ``now``."""
        c = self.table.c

        def build() -> object:
            return (
                select(*self.mapper.columns)
                .where(c.materialise_at <= bindparam("now"), c.archived.is_(False))
                .order_by(c.materialise_at, c.id)
                .limit(bindparam("limit"))
            )

        rows = self._rows(("series", "due"), build, now=self.codec.moment_in(now), limit=limit)
        return [self.mapper.decode(row) for row in rows]

    def for_employees(self, employee_ids: Sequence[UUID], until: datetime) -> list[Series]:
        """Unarchived series with an occurrence to come before ``until`` whose
        template has an executor row of one of ``employee_ids``."""
        c = self.table.c
        x = self.t.executors.c
        wanted = padded(sorted({self.codec.uuid_in(i) for i in employee_ids}))

        def build() -> object:
            # EXISTS, probed per series through the executors' task index:
            # there are few series, and often none, but many executor rows.
            staffed = (
                select(x.id)
                .where(x.task_id == c.template_id, in_list(x.employee_id, "e", len(wanted)))
                .exists()
            )
            return (
                select(*self.mapper.columns)
                .where(c.archived.is_(False), c.next_at < bindparam("until"), staffed)
                .order_by(c.id)
            )

        rows = self._rows(
            ("series", "for employees", len(wanted)),
            build,
            until=self.codec.moment_in(until),
            **in_params("e", wanted),
        )
        return [self.mapper.decode(row) for row in rows]


class Messages(RecordRepository[Message]):
    kind = "message"
    table_name = "messages"
    entity_type = Message
    unique = (("key",),)
    order_by = ("created_at", "id")

    def existing_keys(self, keys: Iterable[str]) -> set[str]:
        found: set[str] = set()
        for chunk in chunks(set(keys)):
            wanted = padded(chunk)
            rows = self._rows(
                ("outbox keys", len(wanted)),
                partial(self._keys_statement, len(wanted)),
                **in_params("k", wanted),
            )
            found.update(row[0] for row in rows)
        return found

    def _keys_statement(self, size: int) -> object:
        return select(self.table.c.key).where(in_list(self.table.c.key, "k", size))

    def due(self, now: datetime, channels: Sequence[str], limit: int) -> list[Message]:
        """Pending or failed messages for ``channels`` whose attempt time has come."""
        c = self.table.c
        wanted = padded(sorted(set(channels)))

        def build() -> object:
            return (
                select(*self.mapper.columns)
                .where(
                    c.status.in_([bindparam("p0"), bindparam("p1")]),
                    c.next_attempt_at <= bindparam("now"),
                    in_list(c.channel, "c", len(wanted)),
                )
                .order_by(c.next_attempt_at, c.id)
                .limit(bindparam("limit"))
            )

        rows = self._rows(
            ("outbox due", len(wanted)),
            build,
            now=self.codec.moment_in(now),
            limit=limit,
            **in_params("p", _RETRYABLE),
            **in_params("c", wanted),
        )
        return [self.mapper.decode(row) for row in rows]

    def listing(self, status: str | None, recipient_id: UUID | None, limit: int) -> list[Message]:
        c = self.table.c
        has_status = status is not None
        has_recipient = recipient_id is not None

        def build() -> object:
            conditions = []
            if has_status:
                conditions.append(c.status == bindparam("status"))
            if has_recipient:
                conditions.append(c.recipient_id == bindparam("recipient"))
            return (
                select(*self.mapper.columns)
                .where(*conditions)
                .order_by(c.created_at.desc(), c.id.desc())
                .limit(bindparam("limit"))
            )

        params: dict[str, object] = {"limit": limit}
        if has_status:
            params["status"] = status
        if recipient_id is not None:
            params["recipient"] = self.codec.uuid_in(recipient_id)
        rows = self._rows(("outbox list", has_status, has_recipient), build, **params)
        return [self.mapper.decode(row) for row in rows]


class Inbox(RecordRepository[InboxItem]):
    kind = "inbox item"
    table_name = "inbox"
    entity_type = InboxItem
    unique = (("message_id",),)

    def for_employee(self, employee_id: UUID, unread_only: bool, limit: int) -> list[InboxItem]:
        c = self.table.c

        def build() -> object:
            conditions = [c.employee_id == bindparam("employee")]
            if unread_only:
                conditions.append(c.read_at.is_(None))
            return (
                select(*self.mapper.columns)
                .where(*conditions)
                .order_by(c.created_at.desc(), c.id.desc())
                .limit(bindparam("limit"))
            )

        rows = self._rows(
            ("inbox", unread_only),
            build,
            employee=self.codec.uuid_in(employee_id),
            limit=limit,
        )
        return [self.mapper.decode(row) for row in rows]

    def unread_count(self, employee_id: UUID) -> int:
        c = self.table.c
        rows = self._rows(
            ("inbox", "unread count"),
            lambda: (
                select(func.count())
                .select_from(self.table)
                .where(c.employee_id == bindparam("employee"), c.read_at.is_(None))
            ),
            employee=self.codec.uuid_in(employee_id),
        )
        return int(rows[0][0])


class Preferences(RecordRepository[Preference]):
    kind = "notification preference"
    table_name = "preferences"
    entity_type = Preference
    unique = (("employee_id", "kind"),)

    def for_employees(self, employee_ids: Iterable[UUID]) -> list[Preference]:
        rows = self._rows_in(
            "preferences by employee",
            lambda: self.mapper.columns,
            self.table.c.employee_id,
            map(self.codec.uuid_in, employee_ids),
        )
        return [self.mapper.decode(row) for row in rows]


class Subscriptions(RecordRepository[CalendarSubscription]):
    kind = "calendar subscription"
    table_name = "subscriptions"
    entity_type = CalendarSubscription
    unique = (("employee_id", "url"),)


class SyncedItems(RecordRepository[SyncedItem]):
    kind = "synced calendar item"
    table_name = "synced_items"
    entity_type = SyncedItem
    unique = (("subscription_id", "uid"),)
