"""``crm.mail``: import e-mail into client history, read it by thread and client, review it."""

from __future__ import annotations

import os
import ssl
from collections.abc import Iterable
from typing import BinaryIO
from uuid import UUID

from crmcore.adapters.mail import DEFAULT_LIMITS, ImapMailbox, MailLimits, RawMail, read_mbox
from crmcore.domain import Page
from crmcore.domain.mail import LastContact, MailMessage, MatchReason, normalize_message_id
from crmcore.domain.search import MAX_LIMIT
from crmcore.domain.timeline import decode_cursor, encode_cursor
from crmcore.errors import NotFound, ValidationError
from crmcore.ports import UnitOfWork
from crmcore.services.base import Service
from crmcore.services.events import EventService
from crmcore.services.mail.ingest import Ingest
from crmcore.services.mail.replies import send_reply
from crmcore.services.mail.report import MailImportReport, Progress
from crmcore.services.mail.sources import import_imap, import_raw, raw_from_path
from crmcore.services.refs import ClientRef, ContactRef, find_by_id, find_client, find_parties

__all__ = ["MailService"]

MailRef = MailMessage | UUID
_BATCH = 200


def _limit(limit: object) -> int:
    if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= MAX_LIMIT:
        raise ValidationError("limit", f"must be an integer from 1 to {MAX_LIMIT}")
    return limit


def _batch_size(value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ValidationError("batch_size", "must be a positive integer")
    return value


def _page(found: list[MailMessage], limit: int) -> Page[MailMessage]:
    items = found[:limit]
    more = len(found) > limit
    cursor = encode_cursor(items[-1].sent_at, items[-1].id) if more else None
    return Page(items=tuple(items), next_cursor=cursor)


class MailService(Service):
    """``crm.mail``: e-mail in the history of clients.

    Imports put every message on its client's timeline as an e-mail event
    (``ВхП`` incoming, ``ИсхП`` outgoing), threaded, with its attachments;
    messages of no known client wait in :meth:`unmatched`.  Importing a
    message again changes nothing.

    ``own_domains`` and ``own_addresses`` of the imports say which addresses
    are ours besides the employees' own (a shared ``office@`` box, the
    company's domain): a message from one of them is outgoing.
    """

    kind = "email"

    def _ingest(
        self, own_addresses: Iterable[str], own_domains: Iterable[str], limits: MailLimits
    ) -> Ingest:
        self._authorize("import")
        if isinstance(own_addresses, str) or isinstance(own_domains, str):
            raise ValidationError("own_addresses", "must be a list of addresses, not one string")
        return Ingest(
            self._context, own_addresses=own_addresses, own_domains=own_domains, limits=limits
        )

    # --- importing ---------------------------------------------------------------------

    def import_message(
        self,
        raw: bytes,
        *,
        source: str = "message",
        own_addresses: Iterable[str] = (),
        own_domains: Iterable[str] = (),
        limits: MailLimits = DEFAULT_LIMITS,
    ) -> MailImportReport:
        """Import one RFC 822 message given as bytes (an ``.eml`` file's content).

        Returns:
            What was done; a message that cannot be read is in ``skipped``
            with the reason, and nothing of it is stored.

        Raises:
            ValidationError: ``raw`` is not bytes.

        Example:
            >>> import crmcore
            >>> crm = crmcore.open()
            >>> neptune = crm.clients.create(
            ...     code="06951937", name="Нептун", emails=["office@neptun.ua"]
            ... )
            >>> raw = (
            ...     b"From: office@neptun.ua\\nTo: sales@intelserv.com\\nSubject: Order\\n"
            ...     b"Message-ID: <o-1@neptun.ua>\\nDate: Wed, 5 Nov 2014 10:00:00 +0200\\n\\n"
            ...     b"Please send the invoice.\\n"
            ... )
            >>> crm.mail.import_message(raw, own_domains=["intelserv.com"]).created
            1
            >>> crm.mail.import_message(raw, own_domains=["intelserv.com"]).duplicates
            1
            >>> [(e.type_code, e.title) for e in crm.timeline(neptune)]
            [('ВхП', 'Order')]
        """
        if not isinstance(raw, (bytes, bytearray)):
            raise ValidationError("raw", f"must be bytes, not {type(raw).__name__}")
        ingest = self._ingest(own_addresses, own_domains, limits)
        return ingest.run([RawMail(source, bytes(raw))])

    def import_file(
        self,
        path: str | os.PathLike[str],
        *,
        own_addresses: Iterable[str] = (),
        own_domains: Iterable[str] = (),
        progress: Progress | None = None,
        batch_size: int = _BATCH,
        limits: MailLimits = DEFAULT_LIMITS,
    ) -> MailImportReport:
        """Import an ``.eml`` file, an mbox file, or every such file under a folder.

        The messages are read one at a time and stored ``batch_size`` at a
        time, each batch in a transaction of its own: memory stays bounded,
        and an import that stopped half-way is run again to finish it.

        Raises:
            ValidationError: ``"path"`` does not exist.
        """
        if not os.path.exists(path):
            raise ValidationError("path", f"{os.fspath(path)!r} does not exist")
        ingest = self._ingest(own_addresses, own_domains, limits)
        raws = raw_from_path(path, limits)
        return import_raw(ingest, raws, _batch_size(batch_size), progress)

    def import_mbox(
        self,
        stream: BinaryIO,
        *,
        name: str = "mbox",
        own_addresses: Iterable[str] = (),
        own_domains: Iterable[str] = (),
        progress: Progress | None = None,
        batch_size: int = _BATCH,
        limits: MailLimits = DEFAULT_LIMITS,
    ) -> MailImportReport:
        """Import the mbox read from a binary stream (``name`` names its messages in reports)."""
        if not hasattr(stream, "readline"):
            raise ValidationError("stream", "must be a binary stream")
        ingest = self._ingest(own_addresses, own_domains, limits)
        raws = read_mbox(stream, name, limits)
        return import_raw(ingest, raws, _batch_size(batch_size), progress)

    def import_imap(
        self,
        mailbox: ImapMailbox | str,
        *,
        password: str | None = None,
        ssl_context: ssl.SSLContext | None = None,
        own_addresses: Iterable[str] = (),
        own_domains: Iterable[str] = (),
        progress: Progress | None = None,
        batch_size: int = _BATCH,
        limits: MailLimits = DEFAULT_LIMITS,
    ) -> MailImportReport:
        """Import what is new in an IMAP mailbox (``imaps://user@host/INBOX`` or an
        :class:`~crmcore.adapters.mail.ImapMailbox`).

        How far the mailbox was read is stored with each batch, so the next
        import fetches only newer messages; the login's own address counts
        as ours.

        Raises:
            ValidationError: a malformed URL or missing password.
            MailboxError: the server cannot be reached, refuses the login, or
                the connection breaks off (what was stored before stays).
        """
        box = (
            mailbox
            if isinstance(mailbox, ImapMailbox)
            else ImapMailbox.from_url(mailbox, password=password, ssl_context=ssl_context)
        )
        login = [box.username] if "@" in box.username else []
        ingest = self._ingest([*own_addresses, *login], own_domains, limits)
        size = _batch_size(batch_size)
        # Only the progress is read here: each batch then commits on its own.
        with self._unit_of_work(writes=False) as uow:
            stored = uow.mailbox_states.get_by_source(box.source)
        return import_imap(ingest, box, stored, size, progress)

    # --- reading -----------------------------------------------------------------------

    def _find(self, uow: UnitOfWork, message: MailRef) -> MailMessage:
        return find_by_id(uow.mail_messages, message, "e-mail", MailMessage)

    def get(self, message: MailRef) -> MailMessage:
        """The stored e-mail.  Raises NotFound."""
        with self._unit_of_work(writes=False) as uow:
            found = self._find(uow, message)
            self._authorize("read", found)
            return found

    def for_events(self, events: Iterable[UUID]) -> dict[UUID, MailMessage]:
        """The e-mails of these events (a timeline page's ``source_id``), by event id."""
        with self._unit_of_work(writes=False) as uow:
            self._authorize("read")
            return uow.mail_messages.for_events(events)

    def thread(self, thread: MailRef) -> list[MailMessage]:
        """The messages of a thread (given by its id, or by one of its messages), oldest first."""
        with self._unit_of_work(writes=False) as uow:
            self._authorize("read")
            if isinstance(thread, MailMessage):
                thread = thread.thread_id
            if not isinstance(thread, UUID):
                raise ValidationError("thread", "must be a thread id or an e-mail")
            found = uow.mail_messages.thread(thread)
            if not found:
                stored = uow.mail_messages.get(thread)
                if stored is None:
                    raise NotFound("mail thread", thread)
                found = uow.mail_messages.thread(stored.thread_id)
            return found

    def thread_id(self, message_id: str) -> UUID | None:
        """The thread a Message-ID belongs to (as written in a header, or an outbox
        message's :func:`~crmcore.domain.mail.crmcore_message_id`), if known."""
        normalized = normalize_message_id(message_id) if isinstance(message_id, str) else None
        if normalized is None:
            raise ValidationError("message_id", "is not a message id")
        with self._unit_of_work(writes=False) as uow:
            self._authorize("read")
            original = uow.mail_aliases.originals([normalized]).get(normalized, normalized)
            return uow.mail_thread_ids.threads_of([original]).get(original)

    def of_client(
        self, client: ClientRef, *, limit: int = 50, cursor: str | None = None
    ) -> Page[MailMessage]:
        """A client's e-mails, newest first, a page at a time."""
        _limit(limit)
        before = None if cursor is None else decode_cursor(cursor)
        with self._unit_of_work(writes=False) as uow:
            owner = find_client(uow, client)
            self._authorize("read", owner)
            return _page(uow.mail_messages.of_client(owner.id, before, limit + 1), limit)

    def unmatched(self, *, limit: int = 50, cursor: str | None = None) -> Page[MailMessage]:
        """The e-mails of no known client, newest first: the list to review with :meth:`assign`."""
        _limit(limit)
        before = None if cursor is None else decode_cursor(cursor)
        with self._unit_of_work(writes=False) as uow:
            self._authorize("read")
            return _page(uow.mail_messages.unmatched(before, limit + 1), limit)

    def last_contact(self, client: ClientRef) -> LastContact:
        """When the client last wrote and was written to; bounces, automatic replies
        and crmcore's notices do not count."""
        with self._unit_of_work(writes=False) as uow:
            owner = find_client(uow, client)
            self._authorize("read", owner)
            return uow.mail_messages.last_contact(owner.id)

    # --- reviewing ---------------------------------------------------------------------

    def assign(
        self, message: MailRef, client: ClientRef, *, contact: ContactRef | None = None
    ) -> MailMessage:
        """Say whose a message is: it moves to that client's timeline (reason ``manual``).

        Raises:
            ValidationError: no such client or contact, or the contact is another client's.
            NotFound: no such e-mail.
        """
        with self._unit_of_work() as uow:
            stored = self._find(uow, message)
            owner, person = find_parties(uow, client, contact)
            if owner is None:
                raise ValidationError("client", "must be given")
            changed = self._update(
                uow,
                uow.mail_messages,
                stored,
                message,
                {
                    "client_id": owner.id,
                    "contact_id": None if person is None else person.id,
                    "match_reason": MatchReason.MANUAL,
                    "matched_address": None,
                },
            )
            if stored.event_id is not None:
                EventService(self._context).update(stored.event_id, client=owner, contact=person)
            return changed

    def alias(self, alias: str, original: str) -> bool:
        """Say that a relay gave the message ``original`` the id ``alias`` (both as
        written in headers); replies naming either join one thread.  False if known."""
        pair = [normalize_message_id(v) if isinstance(v, str) else None for v in (alias, original)]
        for field, value in zip(("alias", "original"), pair, strict=True):
            if value is None:
                raise ValidationError(field, "is not a message id")
        rewritten, kept = pair
        assert rewritten is not None
        assert kept is not None
        if rewritten == kept:
            raise ValidationError("alias", "is the original id itself")
        with self._unit_of_work() as uow:
            self._authorize("update")
            return uow.mail_aliases.add(rewritten, kept)

    def reply(
        self,
        message: MailRef,
        text: str,
        *,
        to: str | None = None,
        subject: str | None = None,
        channel: str = "email",
    ) -> MailMessage:
        """Answer an e-mail: queue the reply in the outbox (``channel``) and put it on
        the client's timeline as an outgoing e-mail of the same thread.

        The reply carries ``In-Reply-To`` and ``References``, so the client's
        mail program threads it, and a ``Message-ID`` made from its outbox key,
        so the client's answer joins the thread again.

        Raises:
            ValidationError: an empty text; a subject or address with a line
                break or control character (``subject``, ``to``); no address
                to reply to.  Nothing is queued then.
        """
        with self._unit_of_work() as uow:
            original = self._find(uow, message)
            self._authorize("update", original)
            return send_reply(self._context, uow, original, text, to, subject, channel)
