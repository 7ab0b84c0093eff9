"""Where e-mail history is stored: messages, the ids that tie threads, aliases, mailbox progress."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Protocol
from uuid import UUID

from crmcore.domain.mail import LastContact, MailboxState, MailMessage
from crmcore.ports.records import RecordRepository

__all__ = [
    "MailAliasRepository",
    "MailMessageRepository",
    "MailThreadIdRepository",
    "MailboxStateRepository",
]


class MailMessageRepository(RecordRepository[MailMessage], Protocol):
    """Stored e-mails, unique by ``message_key``."""

    def existing_keys(self, keys: Iterable[str]) -> set[str]:
        """Which of these message keys are stored."""

    def with_message_ids(self, message_ids: Iterable[str]) -> list[MailMessage]:
        """The stored messages whose ``message_id`` is one of these, ordered by id."""

    def for_events(self, event_ids: Iterable[UUID]) -> dict[UUID, MailMessage]:
        """The messages of these e-mail events, by event id."""

    def thread(self, thread_id: UUID) -> list[MailMessage]:
        """The messages of one thread, oldest first by (sent_at, id)."""

    def by_subject(
        self, subject_key: str, since: datetime, until: datetime, limit: int
    ) -> list[MailMessage]:
        """Messages with this subject key and ``since <= sent_at < until``, newest first."""

    def unmatched(self, before: tuple[datetime, UUID] | None, limit: int) -> list[MailMessage]:
        """Messages of no client, newest first by (sent_at, id), strictly after ``before``."""

    def of_client(
        self, client_id: UUID, before: tuple[datetime, UUID] | None, limit: int
    ) -> list[MailMessage]:
        """A client's messages, newest first by (sent_at, id), strictly after ``before``."""

    def move_thread(self, source: UUID, target: UUID) -> int:
        """Put every message of thread ``source`` into ``target`` (versions unchanged);
        return how many moved."""

    def last_contact(self, client_id: UUID) -> LastContact:
        """The newest ``sent_at`` of the client's messages of kind ``message``, per direction."""


class MailThreadIdRepository(Protocol):
    """Every message id crmcore has seen — of a stored message, or named in one's
    references, or of an e-mail crmcore sent — and the thread it belongs to."""

    def threads_of(self, message_ids: Iterable[str]) -> dict[str, UUID]: ...

    def add_many(self, threads: Mapping[str, UUID]) -> None:
        """Remember these ids; ids already known keep their thread."""

    def move_thread(self, source: UUID, target: UUID) -> None: ...


class MailAliasRepository(Protocol):
    """Ids a relay gave a message in place of its own, and the original each stands for."""

    def originals(self, aliases: Iterable[str]) -> dict[str, str]: ...

    def add(self, alias: str, original: str) -> bool:
        """Remember an alias; False (and nothing changes) when it is known already."""


class MailboxStateRepository(RecordRepository[MailboxState], Protocol):
    def get_by_source(self, source: str) -> MailboxState | None: ...
