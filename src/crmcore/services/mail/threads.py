"""Putting messages into threads with what storage knows, one batch at a time.

Messages are threaded in the order they are read, and each sees the ones
before it in the same batch.  A message whose own id an earlier message
named (it arrived after its reply) takes that thread; when its references
lead to another thread too, the two are one conversation and are merged.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from uuid import UUID

from crmcore.domain.ids import new_id
from crmcore.domain.mail import (
    SUBJECT_WINDOW,
    MailMessage,
    ParsedMail,
    is_reply_subject,
    references_newest_first,
    shares_participant,
    subject_key,
)
from crmcore.ports import UnitOfWork

__all__ = ["Threader"]

_SUBJECT_CANDIDATES = 20


class Threader:
    """Finds the thread of each message of one batch, in one unit of work."""

    def __init__(
        self, uow: UnitOfWork, mails: Iterable[ParsedMail], extra_ids: Iterable[str]
    ) -> None:
        self._uow = uow
        wanted: set[str] = set(extra_ids)
        for mail in mails:
            wanted.update(self.ids_of(mail))
        self._originals = uow.mail_aliases.originals(wanted)
        self._known = uow.mail_thread_ids.threads_of({self._originals.get(i, i) for i in wanted})
        self.fresh: dict[str, UUID] = {}
        self.pending: list[MailMessage] = []

    @staticmethod
    def ids_of(mail: ParsedMail) -> list[str]:
        """Every id a message is known by or points at."""
        ids = [*references_newest_first(mail.in_reply_to, mail.references), *mail.original_ids]
        if mail.message_id is not None:
            ids.append(mail.message_id)
        if mail.reported_id is not None:
            ids.append(mail.reported_id)
        return ids

    def original(self, message_id: str) -> str:
        """The id a relay's alias stands for (the id itself when it is none)."""
        return self._originals.get(message_id, message_id)

    def thread_of(self, message_id: str) -> UUID | None:
        """The thread an id belongs to, as far as storage and this batch know."""
        key = self.original(message_id)
        return self.fresh.get(key) or self._known.get(key)

    def _merge(self, source: UUID, target: UUID) -> None:
        self._uow.mail_messages.move_thread(source, target)
        self._uow.mail_thread_ids.move_thread(source, target)
        for table in (self.fresh, self._known):
            for key, thread in table.items():
                if thread == source:
                    table[key] = target
        for message in self.pending:
            if message.thread_id == source:
                message.thread_id = target

    def _by_subject(self, mail: ParsedMail, sent_at: datetime) -> UUID | None:
        key = subject_key(mail.subject)
        if not key:
            return None
        people = [a.key for a in mail.participants]
        since, until = sent_at - SUBJECT_WINDOW, sent_at + SUBJECT_WINDOW
        candidates = [
            m for m in self.pending if m.subject_key == key and since <= m.sent_at < until
        ]
        candidates += self._uow.mail_messages.by_subject(key, since, until, _SUBJECT_CANDIDATES)
        candidates.sort(key=lambda m: abs((m.sent_at - sent_at).total_seconds()))
        for candidate in candidates:
            if shares_participant(people, candidate.participants):
                return candidate.thread_id
        return None

    def thread(self, mail: ParsedMail, sent_at: datetime) -> UUID:
        """The thread of ``mail``: joined, merged, found by subject, or new."""
        answered = references_newest_first(mail.in_reply_to, mail.references)
        if mail.reported_id is not None:
            answered.insert(0, mail.reported_id)
        by_reference = next(
            (found for ref in answered if (found := self.thread_of(ref)) is not None), None
        )
        own_ids = [i for i in (mail.message_id, *mail.original_ids) if i is not None]
        by_own = next((found for i in own_ids if (found := self.thread_of(i)) is not None), None)
        if by_reference is not None and by_own is not None and by_reference != by_own:
            self._merge(by_own, by_reference)
        thread = by_reference or by_own
        if thread is None and (answered or is_reply_subject(mail.subject)):
            thread = self._by_subject(mail, sent_at)
        if thread is None:
            thread = new_id()
        for message_id in (*own_ids, *answered):
            key = self.original(message_id)
            if key not in self._known:
                self.fresh.setdefault(key, thread)
        return thread

    def remember(self, message: MailMessage) -> None:
        """A message of this batch, for the ones after it (subject threading, merges)."""
        self.pending.append(message)

    def store(self) -> None:
        """Store the ids this batch added."""
        if self.fresh:
            self._uow.mail_thread_ids.add_many(self.fresh)
            self._known.update(self.fresh)
            self.fresh = {}
