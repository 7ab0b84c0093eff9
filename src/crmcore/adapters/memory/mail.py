"""E-mail history in memory: messages, thread ids, aliases, mailbox progress."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from uuid import UUID

import attrs

from crmcore.adapters.memory.repository import RecordRepository, Repository, copy_out
from crmcore.domain.events import Direction
from crmcore.domain.mail import LastContact, MailboxState, MailKind, MailMessage

__all__ = ["MailAliases", "MailMessages", "MailThreadIds", "MailboxStates"]


def _newest_first(
    messages: Iterable[MailMessage], before: tuple[datetime, UUID] | None, limit: int
) -> list[MailMessage]:
    found = [m for m in messages if before is None or (m.sent_at, m.id) < before]
    found.sort(key=lambda m: (m.sent_at, m.id), reverse=True)
    return [copy_out(m) for m in found[:limit]]


class MailMessages(RecordRepository):
    """E-mails, unique by message key."""

    name = "mail_messages"
    kind = "e-mail"
    unique = (("message_key",),)

    def _all(self) -> Iterable[MailMessage]:
        return self._rows().values()

    def existing_keys(self, keys: Iterable[str]) -> set[str]:
        wanted = set(keys)
        return {m.message_key for m in self._all() if m.message_key in wanted}

    def with_message_ids(self, message_ids: Iterable[str]) -> list[MailMessage]:
        wanted = set(message_ids)
        found = [m for m in self._all() if m.message_id in wanted]
        return [copy_out(m) for m in sorted(found, key=lambda m: m.id)]

    def for_events(self, event_ids: Iterable[UUID]) -> dict[UUID, MailMessage]:
        wanted = set(event_ids)
        return {m.event_id: copy_out(m) for m in self._all() if m.event_id in wanted}

    def thread(self, thread_id: UUID) -> list[MailMessage]:
        found = [m for m in self._all() if m.thread_id == thread_id]
        return [copy_out(m) for m in sorted(found, key=lambda m: (m.sent_at, m.id))]

    def by_subject(
        self, subject_key: str, since: datetime, until: datetime, limit: int
    ) -> list[MailMessage]:
        found = [
            m for m in self._all() if m.subject_key == subject_key and since <= m.sent_at < until
        ]
        return _newest_first(found, None, limit)

    def unmatched(self, before: tuple[datetime, UUID] | None, limit: int) -> list[MailMessage]:
        return _newest_first((m for m in self._all() if m.client_id is None), before, limit)

    def of_client(
        self, client_id: UUID, before: tuple[datetime, UUID] | None, limit: int
    ) -> list[MailMessage]:
        return _newest_first((m for m in self._all() if m.client_id == client_id), before, limit)

    def move_thread(self, source: UUID, target: UUID) -> int:
        rows = self._writable()
        moved = [key for key, m in rows.items() if m.thread_id == source]
        for key in moved:
            rows[key] = attrs.evolve(rows[key], thread_id=target)
        return len(moved)

    def last_contact(self, client_id: UUID) -> LastContact:
        latest: dict[Direction, datetime] = {}
        for m in self._all():
            wanted = m.client_id == client_id and m.kind is MailKind.MESSAGE
            if wanted and (m.direction not in latest or m.sent_at > latest[m.direction]):
                latest[m.direction] = m.sent_at
        return LastContact(latest.get(Direction.INCOMING), latest.get(Direction.OUTGOING))


class MailThreadIds(Repository):
    """Message ids and their threads, keyed by id."""

    name = "mail_thread_ids"
    kind = "mail thread id"

    def threads_of(self, message_ids: Iterable[str]) -> dict[str, UUID]:
        rows = self._rows()
        return {i: rows[i] for i in set(message_ids) if i in rows}

    def add_many(self, threads: Mapping[str, UUID]) -> None:
        rows = self._writable()
        for message_id, thread_id in threads.items():
            rows.setdefault(message_id, thread_id)

    def move_thread(self, source: UUID, target: UUID) -> None:
        rows = self._writable()
        for key in [k for k, thread in rows.items() if thread == source]:
            rows[key] = target


class MailAliases(Repository):
    """Aliases and the ids they stand for, keyed by alias."""

    name = "mail_aliases"
    kind = "mail alias"

    def originals(self, aliases: Iterable[str]) -> dict[str, str]:
        rows = self._rows()
        return {a: rows[a] for a in set(aliases) if a in rows}

    def add(self, alias: str, original: str) -> bool:
        if alias in self._rows():
            return False
        self._writable()[alias] = original
        return True


class MailboxStates(RecordRepository):
    """How far each IMAP mailbox was read, one per source."""

    name = "mailbox_states"
    kind = "mailbox state"
    unique = (("source",),)

    def get_by_source(self, source: str) -> MailboxState | None:
        found = self.find(source=source)
        return found[0] if found else None
