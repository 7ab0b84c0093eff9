"""SQL repositories of e-mail history: messages, thread ids, aliases, mailbox progress."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import bindparam, func, select, tuple_, update

from crmcore.adapters.sqlalchemy.repository import RecordRepository, Repository
from crmcore.domain.events import Direction
from crmcore.domain.mail import LastContact, MailboxState, MailKind, MailMessage

__all__ = ["MailAliases", "MailMessages", "MailThreadIds", "MailboxStates"]


class MailMessages(RecordRepository[MailMessage]):
    kind = "e-mail"
    table_name = "mail_messages"
    entity_type = MailMessage
    unique = (("message_key",),)

    def existing_keys(self, keys: Iterable[str]) -> set[str]:
        c = self.table.c
        rows = self._rows_in("mail keys", lambda: [c.message_key], c.message_key, keys)
        return {key for (key,) in rows}

    def with_message_ids(self, message_ids: Iterable[str]) -> list[MailMessage]:
        rows = self._rows_in(
            "mail by message ids", lambda: self.mapper.columns, self.table.c.message_id, message_ids
        )
        return sorted(map(self.mapper.decode, rows), key=lambda m: m.id)

    def for_events(self, event_ids: Iterable[UUID]) -> dict[UUID, MailMessage]:
        rows = self._rows_in(
            "mail by events",
            lambda: self.mapper.columns,
            self.table.c.event_id,
            map(self.codec.uuid_in, event_ids),
        )
        return {m.event_id: m for m in map(self.mapper.decode, rows) if m.event_id is not None}

    def _page(
        self, key: str, condition: Any, params: dict[str, Any], before: Any, limit: int
    ) -> list[MailMessage]:
        c = self.table.c

        def build() -> Any:
            conditions = [condition]
            if before is not None:
                conditions.append(
                    tuple_(c.sent_at, c.id) < tuple_(bindparam("before_at"), bindparam("before_id"))
                )
            return (
                select(*self.mapper.columns)
                .where(*conditions)
                .order_by(c.sent_at.desc(), c.id.desc())
                .limit(bindparam("limit"))
            )

        if before is not None:
            params = {
                **params,
                "before_at": self.codec.moment_in(before[0]),
                "before_id": self.codec.uuid_in(before[1]),
            }
        rows = self._rows((key, before is not None), build, **params, limit=limit)
        return [self.mapper.decode(row) for row in rows]

    def thread(self, thread_id: UUID) -> list[MailMessage]:
        c = self.table.c
        rows = self._rows(
            "mail thread",
            lambda: (
                select(*self.mapper.columns)
                .where(c.thread_id == bindparam("thread"))
                .order_by(c.sent_at, c.id)
            ),
            thread=self.codec.uuid_in(thread_id),
        )
        return [self.mapper.decode(row) for row in rows]

    def by_subject(
        self, subject_key: str, since: datetime, until: datetime, limit: int
    ) -> list[MailMessage]:
        c = self.table.c
        moment = self.codec.moment_in
        rows = self._rows(
            "mail by subject",
            lambda: (
                select(*self.mapper.columns)
                .where(
                    c.subject_key == bindparam("subject"),
                    c.sent_at >= bindparam("since"),
                    c.sent_at < bindparam("until"),
                )
                .order_by(c.sent_at.desc(), c.id.desc())
                .limit(bindparam("limit"))
            ),
            subject=subject_key,
            since=moment(since),
            until=moment(until),
            limit=limit,
        )
        return [self.mapper.decode(row) for row in rows]

    def unmatched(self, before: tuple[datetime, UUID] | None, limit: int) -> list[MailMessage]:
        return self._page("mail unmatched", self.table.c.client_id.is_(None), {}, before, limit)

    def of_client(
        self, client_id: UUID, before: tuple[datetime, UUID] | None, limit: int
    ) -> list[MailMessage]:
        return self._page(
            "mail of client",
            self.table.c.client_id == bindparam("client"),
            {"client": self.codec.uuid_in(client_id)},
            before,
            limit,
        )

    def move_thread(self, source: UUID, target: UUID) -> int:
        c = self.table.c
        return self.statements.execute(
            self.db,
            ("mail move thread",),
            lambda: (
                update(self.table)
                .where(c.thread_id == bindparam("source"))
                .values(thread_id=bindparam("target"))
            ),
            {"source": self.codec.uuid_in(source), "target": self.codec.uuid_in(target)},
        )

    def last_contact(self, client_id: UUID) -> LastContact:
        c = self.table.c
        rows = self._rows(
            "mail last contact",
            lambda: (
                select(c.direction, func.max(c.sent_at))
                .where(c.client_id == bindparam("client"), c.kind == bindparam("kind"))
                .group_by(c.direction)
            ),
            client=self.codec.uuid_in(client_id),
            kind=MailKind.MESSAGE.value,
        )
        latest = {Direction(row[0]): self.codec.moment_out(row[1]) for row in rows}
        return LastContact(latest.get(Direction.INCOMING), latest.get(Direction.OUTGOING))


class MailThreadIds(Repository):
    """Message ids and their threads."""

    def threads_of(self, message_ids: Iterable[str]) -> dict[str, UUID]:
        c = self.t.mail_thread_ids.c
        rows = self._rows_in(
            "mail thread ids", lambda: [c.message_id, c.thread_id], c.message_id, message_ids
        )
        return {row[0]: self.codec.uuid_out(row[1]) for row in rows}

    def add_many(self, threads: Mapping[str, UUID]) -> None:
        known = self.threads_of(threads)
        fresh = [(i, self.codec.uuid_in(t)) for i, t in threads.items() if i not in known]
        if fresh:
            self.statements.insert_many(self.db, self.t.mail_thread_ids, fresh)

    def move_thread(self, source: UUID, target: UUID) -> None:
        table = self.t.mail_thread_ids
        self.statements.execute(
            self.db,
            ("mail move thread ids",),
            lambda: (
                update(table)
                .where(table.c.thread_id == bindparam("source"))
                .values(thread_id=bindparam("target"))
            ),
            {"source": self.codec.uuid_in(source), "target": self.codec.uuid_in(target)},
        )


class MailAliases(Repository):
    """Aliases of message ids."""

    def originals(self, aliases: Iterable[str]) -> dict[str, str]:
        c = self.t.mail_aliases.c
        rows = self._rows_in("mail aliases", lambda: [c.alias, c.original], c.alias, aliases)
        return {row[0]: row[1] for row in rows}

    def add(self, alias: str, original: str) -> bool:
        if self.originals([alias]):
            return False
        self.statements.insert_many(self.db, self.t.mail_aliases, [(alias, original)])
        return True


class MailboxStates(RecordRepository[MailboxState]):
    kind = "mailbox state"
    table_name = "mailbox_states"
    entity_type = MailboxState
    unique = (("source",),)

    def get_by_source(self, source: str) -> MailboxState | None:
        found = self.find(source=source)
        return found[0] if found else None
