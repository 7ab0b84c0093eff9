"""Sending a document to the client: rendered, attached, queued in the outbox."""

from __future__ import annotations

import io
from collections.abc import Iterable
from pathlib import Path

from crmcore.adapters.rendering import DocumentPage, render_html, render_pdf
from crmcore.domain.collaboration import Attachment
from crmcore.domain.documents import Document, Recipient
from crmcore.domain.ids import new_id
from crmcore.domain.notifications import Message
from crmcore.domain.signals import DocumentSent
from crmcore.errors import StorageError, ValidationError
from crmcore.ports import UnitOfWork
from crmcore.services.base import Service, build
from crmcore.services.refs import ContactRef, DocumentRef, find_contact, find_document

__all__ = ["DOCUMENT_MESSAGE", "FORMATS", "DocumentSending"]

#: The formats a document is sent in: an HTML page, and a PDF made from it.
FORMATS = frozenset({"html", "pdf"})
_MEDIA_TYPES = {"html": "text/html", "pdf": "application/pdf"}
#: The kind of an outbox message that carries a document to a client (not an employee's
#: notice, so no employee preference applies to it).
DOCUMENT_MESSAGE = "document"


class DocumentSending(Service):
    """``crm.documents.send``: the part of the document service that e-mails documents."""

    def send(
        self,
        document: DocumentRef,
        *,
        to: str | ContactRef | None = None,
        subject: str | None = None,
        body: str | None = None,
        formats: Iterable[str] = ("pdf",),
        templates: str | Path | None = None,
        seller: str = "",
    ) -> Message:
        """Render a document, attach it to the document and queue it as an e-mail.

        The message goes out through the outbox and the ``email`` channel when
        ``crm.notifications.dispatch`` next runs (after this call commits),
        once, however often it is retried; the client's timeline shows it.

        Args:
            to: an e-mail address, a contact person of the client, or by
                default the document's contact person, else the client's
                first e-mail address.
            formats: ``"html"`` (Jinja2, ``crmcore[documents]``) and/or
                ``"pdf"`` (WeasyPrint, ``crmcore[pdf]``).
            templates: a directory with the host's own ``document.html``.
            seller: the company's name and requisites for the template.

        Raises:
            ValidationError: a draft or cancelled document, no address, an
                unknown format.  PluginError: a format's library is missing.
            StorageError: no attachment store is open.
        """
        wanted = sorted(set(formats))
        if not wanted or not set(wanted) <= FORMATS:
            raise ValidationError("formats", f"must be some of {sorted(FORMATS)}, not {wanted}")
        store = self._context.runtime.blobs
        if store is None:
            raise StorageError("sending a document needs an attachment store (attachments=...)")
        with self._unit_of_work() as uow:
            found = find_document(uow, document)
            self._authorize("update", found)
            if not found.counts:
                raise ValidationError("document", f"{found.number} is {found.status.value}")
            recipient = self._recipient(uow, found, to)
            client = uow.clients.get(found.client_id)
            assert client is not None
            lines = tuple(uow.document_lines.of_documents([found.id])[found.id])
            page = DocumentPage(document=found, lines=lines, client=client, seller=seller)
            html = render_html(page, templates=templates)
            contents = {"html": html.encode("utf-8")}
            if "pdf" in wanted:
                contents["pdf"] = render_pdf(html, base=templates)
            files = []
            for kind in wanted:
                blob = store.put(io.BytesIO(contents[kind]))
                attachment = build(
                    Attachment,
                    entity_kind="document",
                    entity_id=found.id,
                    name=f"{found.number}.{kind}",
                    media_type=_MEDIA_TYPES[kind],
                    size=blob.size,
                    sha256=blob.sha256,
                    author_id=self.actor.employee_id,
                )
                files.append(self._add(uow, uow.attachments, attachment, kind="attachment"))
            now = self._now()
            message = Message(
                key=f"document:{found.id}:{new_id()}",
                kind=DOCUMENT_MESSAGE,
                channel="email",
                recipient_name=recipient.name,
                address=recipient.address,
                subject=subject or found.title,
                body=body or _greeting(found, recipient),
                entity_kind="document",
                entity_id=found.id,
                next_attempt_at=now,
                attachments=tuple(f.id for f in files),
                version=1,
                created_at=now,
                updated_at=now,
            )
            uow.messages.add_many([message])
            self._publish(uow, DocumentSent(found, recipient.address, tuple(f.name for f in files)))
            return message

    def _recipient(self, uow: UnitOfWork, document: Document, to: object) -> Recipient:
        if isinstance(to, str):
            return build(Recipient, address=to)
        contact_id = document.contact_id if to is None else None
        if to is not None or contact_id is not None:
            contact = find_contact(uow, to if to is not None else contact_id, "to")
            if contact.client_id != document.client_id:
                raise ValidationError("to", "is another client's contact person")
            if contact.email:
                return build(Recipient, address=contact.email, name=contact.name)
            if to is not None:
                raise ValidationError("to", f"{contact.name} has no e-mail address")
        client = uow.clients.get(document.client_id)
        if client is None or not client.emails:
            raise ValidationError("to", "give an address: the client has no e-mail address")
        return build(Recipient, address=client.emails[0], name=client.name)


def _greeting(document: Document, recipient: Recipient) -> str:
    hello = f"Доброго дня, {recipient.name}!" if recipient.name else "Доброго дня!"
    return f"{hello}\n\nНадсилаємо {document.title} на суму {document.total}.\n"
