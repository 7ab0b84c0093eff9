"""Storing read messages: keys, matching, threads, events, attachments — a batch at a time.

One batch is one unit of work: its messages, their e-mail events, timeline
lines, attachments and history, the ids that tie their threads and (for an
IMAP mailbox) how far the mailbox was read are stored together or not at
all.  A message crmcore has stored before is recognised by its key and
left as it is, so an interrupted import is simply run again.
"""

from __future__ import annotations

import hashlib
import io
import logging
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from uuid import UUID

import attrs

from crmcore.adapters.mail import DEFAULT_LIMITS, MailLimits, RawMail, parse_message
from crmcore.domain import ChangeAction, Direction, Event
from crmcore.domain.collaboration import Attachment, check_file_description
from crmcore.domain.mail import (
    EmailOwner,
    MailKind,
    MailMessage,
    Match,
    ParsedMail,
    counterparts,
    crmcore_message_id,
    direction_of,
    is_public_domain,
    match,
    split_reply,
    subject_key,
)
from crmcore.errors import CRMError, ValidationError
from crmcore.ports import UnitOfWork
from crmcore.services.context import Context
from crmcore.services.events import store_events
from crmcore.services.mail.report import LISTED, MailImportReport, Skipped
from crmcore.services.mail.threads import Threader

__all__ = ["INCOMING_TYPE", "NO_SUBJECT", "OUTGOING_TYPE", "Ingest", "event_ref"]

log = logging.getLogger("crmcore.mail")
_UNREADABLE = (LookupError, ValueError, TypeError, AttributeError, UnicodeError, AssertionError)

#: The system event types of e-mail.
INCOMING_TYPE = "ВхП"
OUTGOING_TYPE = "ИсхП"
#: The title of a message without a subject.
NO_SUBJECT = "(без темы)"


def event_ref(message_key: str) -> str:
    """The ``external_ref`` of the e-mail event of the message with this key."""
    ref = f"mail:{message_key}"
    return ref if len(ref) <= 200 else "mail:sha256:" + hashlib.sha256(ref.encode()).hexdigest()


@attrs.define
class _Read:
    """One message of a batch as it goes through the steps."""

    raw: RawMail
    mail: ParsedMail
    key: str = ""
    direction: Direction = Direction.INCOMING
    duplicate: bool = False


class Ingest:
    """Imports batches of raw messages for one call of ``crm.mail.import_*``.

    What it learns of addresses (whose they are) is kept from one batch to
    the next: a mailbox names the same people again and again.
    """

    def __init__(
        self,
        context: Context,
        *,
        own_addresses: Iterable[str] = (),
        own_domains: Iterable[str] = (),
        limits: MailLimits = DEFAULT_LIMITS,
    ) -> None:
        self._context = context
        self._limits = limits
        self._own_addresses = {a.strip().casefold() for a in own_addresses}
        self._own_domains = {d.strip().lstrip("@").casefold() for d in own_domains}
        self._employees: dict[str, UUID] | None = None
        self._by_address: dict[str, list[EmailOwner]] = {}
        self._by_domain: dict[str, list[EmailOwner]] = {}

    @property
    def limits(self) -> MailLimits:
        """The bounds every message of this import is read within."""
        return self._limits

    def now(self) -> datetime:
        """The clock's time."""
        return self._context.now()

    # --- one batch ---------------------------------------------------------------

    def run(
        self, raws: Sequence[RawMail], after: Callable[[UnitOfWork], None] | None = None
    ) -> MailImportReport:
        """Import one batch in one unit of work; ``after`` runs in it before the commit.

        Should storing the batch fail, each of its messages is tried alone,
        so one bad message is skipped and the rest stored.
        """
        try:
            with self._context.unit_of_work() as uow:
                report = self._batch(uow, raws)
                if after is not None:
                    after(uow)
                return report
        except CRMError as error:
            if len(raws) == 1:
                return self._skipped(raws[0], f"not stored: {error}")
        report = MailImportReport()
        for raw in raws:
            report = report + self.run([raw])
        if after is not None:
            with self._context.unit_of_work() as uow:
                after(uow)
        return report

    def _skipped(self, raw: RawMail, reason: str) -> MailImportReport:
        log.warning("skipped %s: %s", raw.source, reason)
        return MailImportReport(read=1, skipped=(Skipped(raw.source, reason),), skipped_count=1)

    def _parse(self, raws: Sequence[RawMail]) -> tuple[list[_Read], MailImportReport]:
        report = MailImportReport()
        read: list[_Read] = []
        for raw in raws:
            if raw.data is None:
                report = report + self._skipped(raw, raw.problem or "not read")
                continue
            try:
                mail = parse_message(raw.data, received_at=raw.received_at, limits=self._limits)
            except ValidationError as error:
                report = report + self._skipped(raw, error.problem)
                continue
            except _UNREADABLE as error:
                # The standard email package's own errors on mail no program should
                # have written: one such message must not end the import.
                report = report + self._skipped(raw, f"unreadable: {type(error).__name__}")
                continue
            read.append(_Read(raw, mail))
        return read, report

    def _batch(self, uow: UnitOfWork, raws: Sequence[RawMail]) -> MailImportReport:
        read, report = self._parse(raws)
        if not read:
            return report
        employees = self._own(uow)
        own = self._own_addresses | set(employees)
        notices = self._keys(uow, read)
        threader = Threader(
            uow,
            (r.mail for r in read),
            (crmcore_message_id(r.mail.crmcore_key) for r in read if r.mail.crmcore_key),
        )
        self._learn_aliases(uow, read, threader)
        fresh = [r for r in read if not r.duplicate and r.key]
        for item in fresh:
            item.direction = direction_of(item.mail, own, self._own_domains)
        self._resolve_owners(uow, fresh, own)
        at = self._context.now()
        events: list[Event] = []
        messages: list[MailMessage] = []
        attachments: list[Attachment] = []
        repaired: list[Skipped] = []
        counts = {"unmatched": 0, "bounce": 0, "auto_reply": 0}
        for item in fresh:
            message, event = self._records(item, own, employees, threader, at)
            threader.remember(message)
            messages.append(message)
            events.append(event)
            attachments.extend(self._attachments(item, event, at, repaired))
            if message.client_id is None:
                counts["unmatched"] += 1
            counts[message.kind.value] = counts.get(message.kind.value, 0) + 1
            if item.mail.problems:
                repaired.append(Skipped(item.raw.source, "; ".join(item.mail.problems)))
        threader.store()
        store_events(self._context, uow, events, at)
        uow.mail_messages.add_many(messages)
        if attachments:
            uow.attachments.add_many(attachments)
        uow.history.add_many(
            [self._context.change("email", m.id, ChangeAction.CREATE, at) for m in messages]
        )
        duplicates = sum(1 for r in read if r.duplicate)
        return report + MailImportReport(
            read=len(read),
            created=len(messages),
            duplicates=duplicates - notices,
            notices=notices,
            unmatched=counts["unmatched"],
            bounces=counts["bounce"],
            auto_replies=counts["auto_reply"],
            repaired=tuple(repaired[:LISTED]),
            repaired_count=len(repaired),
        )

    # --- the steps ---------------------------------------------------------------

    def _own(self, uow: UnitOfWork) -> dict[str, UUID]:
        """Our employees' addresses, and whose each is."""
        if self._employees is None:
            self._employees = {
                e.email.casefold(): e.id
                for e in uow.employees.list(include_archived=True)
                if e.email
            }
        return self._employees

    def _keys(self, uow: UnitOfWork, read: list[_Read]) -> int:
        """Give each message its key, marking those stored before; returns the
        number of copies of crmcore's own notices (marked as stored too)."""
        ids = {r.mail.message_id for r in read if r.mail.message_id is not None}
        ids.update(i for r in read for i in r.mail.original_ids)
        ids.update(crmcore_message_id(r.mail.crmcore_key) for r in read if r.mail.crmcore_key)
        stored: dict[str, set[str]] = {}
        for message in uow.mail_messages.with_message_ids(ids):
            assert message.message_id is not None
            stored.setdefault(message.message_id, set()).add(message.content_hash)
        notices = 0
        for item in read:
            mail = item.mail
            if mail.kind is MailKind.NOTIFICATION:
                item.duplicate, notices = True, notices + 1
                continue
            ours = crmcore_message_id(mail.crmcore_key) if mail.crmcore_key else None
            if (ours is not None and ours in stored) or any(i in stored for i in mail.original_ids):
                item.duplicate = True
                continue
            if mail.message_id is None:
                item.key = "sha256:" + mail.content_hash
                continue
            hashes = stored.setdefault(mail.message_id, set())
            if mail.content_hash in hashes:
                item.duplicate = True
                continue
            # Another message under the same id (some mailers reuse one): kept apart.
            item.key = (
                mail.message_id if not hashes else f"{mail.message_id}#{mail.content_hash[:16]}"
            )
            hashes.add(mail.content_hash)
        keys = [r.key for r in read if r.key and not r.duplicate]
        taken = uow.mail_messages.existing_keys(keys)
        seen: set[str] = set()
        for item in read:
            if item.key and not item.duplicate:
                if item.key in taken or item.key in seen:
                    item.duplicate = True
                seen.add(item.key)
        return notices

    def _learn_aliases(self, uow: UnitOfWork, read: list[_Read], threader: Threader) -> None:
        """Ids a relay put in place of another: of crmcore's own mail, or named in a header."""
        for item in read:
            mail = item.mail
            if mail.message_id is None:
                continue
            originals = list(mail.original_ids)
            if mail.crmcore_key:
                originals.insert(0, crmcore_message_id(mail.crmcore_key))
            for original in originals:
                if original != mail.message_id and threader.thread_of(mail.message_id) is None:
                    uow.mail_aliases.add(mail.message_id, original)
                    break

    def _resolve_owners(self, uow: UnitOfWork, fresh: list[_Read], own: set[str]) -> None:
        keys: set[str] = set()
        domains: set[str] = set()
        for item in fresh:
            for address in counterparts(item.mail, item.direction, own, self._own_domains):
                if address.key not in self._by_address:
                    keys.add(address.key)
                domain = address.domain.casefold()
                if domain not in self._by_domain and not is_public_domain(domain):
                    domains.add(domain)
        if not keys and not domains:
            return
        for key in keys:
            self._by_address[key] = []
        for domain in domains:
            self._by_domain[domain] = []
        for owner in uow.clients.find_email_owners(keys, domains):
            if owner.address_key in keys:
                self._by_address[owner.address_key].append(owner)
            if owner.domain in domains:
                self._by_domain[owner.domain].append(owner)

    def _records(
        self,
        item: _Read,
        own: set[str],
        employees: dict[str, UUID],
        threader: Threader,
        at: datetime,
    ) -> tuple[MailMessage, Event]:
        mail = item.mail
        sent_at = mail.sent_at or item.raw.received_at or at
        found: Match = match(
            counterparts(mail, item.direction, own, self._own_domains),
            self._by_address,
            self._by_domain,
        )
        ours = [a for a in mail.participants if a.key in employees]
        if item.direction is Direction.OUTGOING:
            ours = ours[:1]
        else:
            ours = [a for a in ours if mail.sender is None or a.key != mail.sender.key][:1]
        employee = employees[ours[0].key] if ours else None
        parts = split_reply(mail.text)
        subject = mail.subject or NO_SUBJECT
        event = Event(
            type_code=OUTGOING_TYPE if item.direction is Direction.OUTGOING else INCOMING_TYPE,
            occurred_at=sent_at,
            subject=subject[:500],
            client_id=found.client_id,
            contact_id=found.contact_id,
            employee_id=employee,
            details=parts.new,
            outcome=mail.kind.label,
            external_ref=event_ref(item.key),
            version=1,
            created_at=at,
            updated_at=at,
        )
        message = MailMessage(
            message_key=item.key,
            message_id=mail.message_id,
            content_hash=mail.content_hash,
            thread_id=threader.thread(mail, sent_at),
            event_id=event.id,
            kind=mail.kind,
            direction=item.direction,
            subject=mail.subject[:1000],
            subject_key=subject_key(mail.subject),
            sent_at=sent_at,
            sender="" if mail.sender is None else str(mail.sender)[:1000],
            to=tuple(str(a) for a in mail.to),
            cc=tuple(str(a) for a in mail.cc),
            participants=tuple(a.key for a in mail.participants),
            text=parts.new,
            quoted=parts.quoted,
            signature=parts.signature,
            in_reply_to=mail.in_reply_to[0] if mail.in_reply_to else None,
            references=mail.references,
            client_id=found.client_id,
            contact_id=found.contact_id,
            employee_id=employee,
            match_reason=found.reason,
            matched_address=found.address,
            source=item.raw.source[:1000],
            size=mail.size,
            attachment_count=len(mail.attachments),
            version=1,
            created_at=at,
            updated_at=at,
        )
        return message, event

    def _attachments(
        self, item: _Read, event: Event, at: datetime, repaired: list[Skipped]
    ) -> list[Attachment]:
        store = self._context.runtime.blobs
        if not item.mail.attachments:
            return []
        if store is None:
            repaired.append(Skipped(item.raw.source, "attachments left out: no attachment store"))
            return []
        made = []
        for part in item.mail.attachments:
            try:
                check_file_description(part.name, part.media_type)
            except ValidationError as error:
                repaired.append(Skipped(item.raw.source, f"attachment left out: {error}"))
                continue
            blob = store.put(io.BytesIO(part.content))
            made.append(
                Attachment(
                    entity_kind="event",
                    entity_id=event.id,
                    name=part.name,
                    media_type=part.media_type,
                    size=blob.size,
                    sha256=blob.sha256,
                    version=1,
                    created_at=at,
                    updated_at=at,
                )
            )
        return made
