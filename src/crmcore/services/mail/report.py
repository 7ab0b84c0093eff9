"""What an import of e-mail did, message by message where something was not stored."""

from __future__ import annotations

from collections.abc import Callable

import attrs

__all__ = ["LISTED", "MailImportReport", "Progress", "Skipped"]

#: How many skipped and repaired messages a report lists by name (all are counted).
LISTED = 1000

#: Told ``(messages read so far, messages in all or None if not known)`` as an import goes.
Progress = Callable[[int, "int | None"], None]


@attrs.frozen
class Skipped:
    """A message (``source`` says where it was) and why it was left out, or what was repaired."""

    source: str
    reason: str


@attrs.frozen(kw_only=True)
class MailImportReport:
    """What an import did.

    Attributes:
        read: messages read from the source.
        created: messages stored (each with its e-mail event).
        duplicates: messages stored before (the same Message-ID and content,
            or the same content without an id), left as they were.
        unmatched: stored messages that match no client; see ``crm.mail.unmatched``.
        bounces, auto_replies: stored messages of those kinds.
        notices: copies of crmcore's own notices (a Sent folder), not stored again.
        skipped: messages not stored, with the reason (the first
            :data:`LISTED` of them; ``skipped_count`` counts all).
        repaired: stored messages read with repairs, with what was repaired
            (the first :data:`LISTED`; ``repaired_count`` counts all).
    """

    read: int = 0
    created: int = 0
    duplicates: int = 0
    unmatched: int = 0
    bounces: int = 0
    auto_replies: int = 0
    notices: int = 0
    skipped: tuple[Skipped, ...] = ()
    repaired: tuple[Skipped, ...] = ()
    skipped_count: int = 0
    repaired_count: int = 0

    def __add__(self, other: MailImportReport) -> MailImportReport:
        return MailImportReport(
            read=self.read + other.read,
            created=self.created + other.created,
            duplicates=self.duplicates + other.duplicates,
            unmatched=self.unmatched + other.unmatched,
            bounces=self.bounces + other.bounces,
            auto_replies=self.auto_replies + other.auto_replies,
            notices=self.notices + other.notices,
            skipped=(self.skipped + other.skipped)[:LISTED],
            repaired=(self.repaired + other.repaired)[:LISTED],
            skipped_count=self.skipped_count + other.skipped_count,
            repaired_count=self.repaired_count + other.repaired_count,
        )
