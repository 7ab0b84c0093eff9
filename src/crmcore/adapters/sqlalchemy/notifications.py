"""SQL repositories of outbox messages, inboxes and notification preferences."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from functools import partial
from uuid import UUID

from sqlalchemy import bindparam, func, select

from crmcore.adapters.sqlalchemy.repository import RecordRepository, chunks, in_list, in_params
from crmcore.adapters.sqlalchemy.statements import padded
from crmcore.domain.notifications import InboxItem, Message, MessageStatus, Preference

__all__ = ["Inbox", "Messages", "Preferences"]

_RETRYABLE = (MessageStatus.PENDING.value, MessageStatus.FAILED.value)


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
