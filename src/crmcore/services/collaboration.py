"""Discussion, links (the documents tab) and attachments of any card.

Tasks, clients, contact persons, events and projects share these: each call
names its entity as the entity itself or as ``(kind, id)``.
"""

from __future__ import annotations

import io
import mimetypes
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any, BinaryIO
from uuid import UUID

from crmcore.domain import Employee
from crmcore.domain.collaboration import (
    Attachment,
    Comment,
    Link,
    check_file_description,
    mentioned_codes,
)
from crmcore.domain.signals import CommentWritten
from crmcore.errors import PermissionDenied, StorageError, ValidationError
from crmcore.ports import BlobStore, UnitOfWork
from crmcore.services.base import Service, build
from crmcore.services.refs import ENTITY_TYPES, EntityRef, find_by_id, find_employee, find_entity

__all__ = ["AttachmentService", "DiscussionService", "LinkService"]


class DiscussionService(Service):
    """``crm.discussion``: comments on a card, with @mentions of employees."""

    kind = "comment"

    def post(
        self,
        entity: EntityRef,
        text: str,
        *,
        mentions: Iterable[Employee | UUID | str] = (),
    ) -> Comment:
        """Add a comment by the acting employee.

        Employees are mentioned by ``@code`` in the text or by ``mentions``;
        both are stored (``Comment.mentions``) so they can be notified.  An
        ``@word`` that is no employee's code stays plain text.  A comment on a
        card that has a client also shows on that client's timeline.

        Example:
            >>> import crmcore
            >>> from datetime import date
            >>> crm = crmcore.open()
            >>> ivanov = crm.employees.create(code="22", name="Іванов")
            >>> task = crm.tasks.create("Кошторис", start=date(2014, 11, 5), end=date(2014, 11, 28))
            >>> comment = crm.discussion.post(task, "@22, перевірте суми")
            >>> comment.mentions == (ivanov.id,)
            True
        """
        with self._unit_of_work() as uow:
            kind, found = find_entity(uow, entity)
            self._authorize("read", found, kind=kind)
            named = self._mentions(uow, text, mentions)
            comment = build(
                Comment,
                entity_kind=kind,
                entity_id=found.id,
                author_id=self.actor.employee_id,
                author_name=self.actor.name,
                text=text,
                mentions=named,
            )
            stored = self._add(uow, uow.comments, comment)
            self._written(uow, kind, found, stored, stored.mentions)
            return stored

    def _written(
        self, uow: UnitOfWork, kind: str, entity: Any, comment: Comment, mentioned: Iterable[UUID]
    ) -> None:
        """Tell the timeline and the newly mentioned people what happened to a comment."""
        self._publish(uow, CommentWritten(comment, kind, entity, tuple(mentioned)))

    def _mentions(
        self, uow: UnitOfWork, text: object, explicit: Iterable[Employee | UUID | str]
    ) -> tuple[UUID, ...]:
        if not isinstance(text, str):
            raise ValidationError("text", f"must be str, not {type(text).__name__}")
        named: dict[UUID, None] = {}
        for index, who in enumerate(explicit):
            named.setdefault(find_employee(uow, who, f"mentions[{index}]").id, None)
        for code in mentioned_codes(text):
            employee = uow.employees.get_by_code(code)
            if employee is not None:
                named.setdefault(employee.id, None)
        return tuple(named)

    def _find(self, uow: UnitOfWork, comment: Comment | UUID) -> Comment:
        return find_by_id(uow.comments, comment, "comment", Comment)

    def edit(self, comment: Comment | UUID, text: str) -> Comment:
        """Change a comment's text (only its author may); the earlier text stays in history."""
        with self._unit_of_work() as uow:
            stored = self._find(uow, comment)
            if self.actor.employee_id is not None and stored.author_id != self.actor.employee_id:
                raise PermissionDenied(f"{self.actor.name} may not edit another person's comment")
            # Whoever was mentioned has been told already; an edit only adds people.
            added = self._mentions(uow, text, ())
            mentions = tuple(dict.fromkeys(stored.mentions + added))
            changed = self._update(
                uow,
                uow.comments,
                stored,
                comment,
                {"text": text, "mentions": mentions, "edited": True},
            )
            kind, entity = find_entity(uow, (changed.entity_kind, changed.entity_id))
            newly = [p for p in added if p not in stored.mentions]
            self._written(uow, kind, entity, changed, newly)
            return changed

    def archive(self, comment: Comment | UUID) -> Comment:
        """Hide a comment from the discussion; it stays in history."""
        with self._unit_of_work() as uow:
            stored = self._find(uow, comment)
            if self.actor.employee_id is not None and stored.author_id != self.actor.employee_id:
                raise PermissionDenied(f"{self.actor.name} may not remove another person's comment")
            changed = self._archive(uow, uow.comments, stored, comment)
            kind, entity = find_entity(uow, (changed.entity_kind, changed.entity_id))
            self._written(uow, kind, entity, changed, ())
            return changed

    def of(self, entity: EntityRef, *, include_archived: bool = False) -> list[Comment]:
        """The discussion of a card, oldest first."""
        with self._unit_of_work(writes=False) as uow:
            kind, found = find_entity(uow, entity)
            self._authorize("read", found, kind=kind)
            return [
                c
                for c in uow.comments.find(entity_kind=kind, entity_id=found.id)
                if include_archived or not c.archived
            ]


class LinkService(Service):
    """``crm.links``: the documents tab — links from a card to other entities."""

    kind = "link"

    def add(
        self,
        source: EntityRef,
        target: EntityRef | tuple[str, str],
        *,
        note: str = "",
    ) -> Link:
        """Link ``source`` to ``target``: a crmcore entity, or ``(kind, id)`` of
        anything else (a host's contract or invoice: ``("invoice", "INV-0042")``).

        Linking the same pair twice returns the stored link.
        """
        with self._unit_of_work() as uow:
            kind, found = find_entity(uow, source, "source")
            target_kind, target_id = self._target(uow, target)
            for link in uow.links.find(source_kind=kind, source_id=found.id):
                if link.target_kind == target_kind and link.target_id == target_id:
                    return link
            link = build(
                Link,
                source_kind=kind,
                source_id=found.id,
                target_kind=target_kind,
                target_id=target_id,
                note=note,
            )
            self._authorize("update", found, kind=kind)
            return self._add(uow, uow.links, link)

    def _target(self, uow: UnitOfWork, target: object) -> tuple[str, str]:
        if type(target) in ENTITY_TYPES:
            kind, found = find_entity(uow, target, "target")
            return kind, str(found.id)
        if isinstance(target, tuple) and len(target) == 2 and isinstance(target[0], str):
            kind, key = target
            if kind in ("client", "contact", "event", "task", "project"):
                if not isinstance(key, UUID):
                    try:
                        key = UUID(str(key))
                    except ValueError:
                        raise ValidationError("target", f"a {kind} is named by its id") from None
                found_kind, found = find_entity(uow, (kind, key), "target")
                return found_kind, str(found.id)
            if not isinstance(key, str) or not key.strip():
                raise ValidationError("target", "a document is named by a non-empty id")
            return kind, key
        raise ValidationError("target", "must be a crmcore entity or a (kind, id) pair")

    def remove(self, link: Link | UUID) -> None:
        with self._unit_of_work() as uow:
            found = find_by_id(uow.links, link, "link", Link)
            self._authorize("archive", found)
            self._delete(uow, uow.links, found)

    def of(self, entity: EntityRef) -> list[Link]:
        """The links on a card's documents tab, oldest first."""
        with self._unit_of_work(writes=False) as uow:
            kind, found = find_entity(uow, entity)
            self._authorize("read", found, kind=kind)
            return uow.links.find(source_kind=kind, source_id=found.id)

    def to(self, target: EntityRef | tuple[str, str]) -> list[Link]:
        """The links that point at ``target`` (which cards list it)."""
        with self._unit_of_work(writes=False) as uow:
            self._authorize("read")
            kind, key = self._target(uow, target)
            return uow.links.find(target_kind=kind, target_id=key)


class AttachmentService(Service):
    """``crm.attachments``: files attached to cards, kept in a content-addressed blob store."""

    kind = "attachment"

    @property
    def store(self) -> BlobStore | None:
        """The blob store keeping this CRM's attachment contents (None if it has none)."""
        return self._context.runtime.blobs

    def _store(self) -> BlobStore:
        store = self._context.runtime.blobs
        if store is None:
            raise StorageError(
                "this CRM has no attachment store: open it with "
                "attachments='file:///path/to/dir' (or a plugin's URL)"
            )
        return store

    def add(
        self,
        entity: EntityRef,
        content: bytes | BinaryIO | str | os.PathLike[str],
        *,
        name: str | None = None,
        media_type: str | None = None,
    ) -> Attachment:
        """Attach a file: ``content`` is bytes, a binary stream (read in chunks,
        so any size works) or a path.

        ``name`` is what people see (a path's file name when omitted); it is
        never used as a path.  ``media_type`` is guessed from the name when
        omitted.  The content is stored once however often it is attached.

        Example:
            >>> import crmcore
            >>> from datetime import date
            >>> crm = crmcore.open()
            >>> task = crm.tasks.create("Кошторис", start=date(2014, 11, 5), end=date(2014, 11, 28))
            >>> file = crm.attachments.add(task, "сума: 100".encode(), name="кошторис.txt")
            >>> file.size, file.media_type
            (13, 'text/plain')
            >>> crm.attachments.read(file).decode()
            'сума: 100'
        """
        store = self._store()
        if isinstance(content, (str, os.PathLike)):
            path = Path(content)
            if name is None:
                name = path.name
            try:
                stream: BinaryIO = path.open("rb")
            except OSError as error:
                raise ValidationError("content", f"cannot read {path}: {error.strerror}") from None
        elif isinstance(content, (bytes, bytearray, memoryview)):
            stream = io.BytesIO(bytes(content))
        elif hasattr(content, "read"):
            stream = content
        else:
            raise ValidationError("content", "must be bytes, a binary stream or a path")
        if name is None:
            raise ValidationError("name", "must be given for bytes or a stream")
        if media_type is None:
            media_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
        # Checked before the content is read, so a bad name stores nothing.
        check_file_description(name, media_type)
        with self._unit_of_work() as uow:
            kind, found = find_entity(uow, entity)
            self._authorize("update", found, kind=kind)
            try:
                blob = store.put(stream)
            finally:
                if isinstance(content, (str, os.PathLike)):
                    stream.close()
            attachment = build(
                Attachment,
                entity_kind=kind,
                entity_id=found.id,
                name=name,
                media_type=media_type,
                size=blob.size,
                sha256=blob.sha256,
                author_id=self.actor.employee_id,
            )
            return self._add(uow, uow.attachments, attachment)

    def _find(self, uow: UnitOfWork, attachment: Attachment | UUID) -> Attachment:
        return find_by_id(uow.attachments, attachment, "attachment", Attachment)

    def open(self, attachment: Attachment | UUID) -> BinaryIO:
        """The attachment's content as a binary stream (close it when done)."""
        with self._unit_of_work(writes=False) as uow:
            found = self._find(uow, attachment)
            self._authorize("read", found)
        return self._store().open(found.sha256)

    def read(self, attachment: Attachment | UUID) -> bytes:
        """The attachment's whole content (for small files; use :meth:`open` for large ones)."""
        with self.open(attachment) as stream:
            return stream.read()

    def archive(self, attachment: Attachment | UUID) -> Attachment:
        """Take an attachment off its card; the content stays in the store."""
        with self._unit_of_work() as uow:
            return self._archive(uow, uow.attachments, self._find(uow, attachment), attachment)

    def restore(self, attachment: Attachment | UUID) -> Attachment:
        """Put an archived attachment back on its card."""
        with self._unit_of_work() as uow:
            return self._restore(uow, uow.attachments, self._find(uow, attachment), attachment)

    def of(self, entity: EntityRef, *, include_archived: bool = False) -> list[Attachment]:
        """The attachments of a card, oldest first."""
        with self._unit_of_work(writes=False) as uow:
            kind, found = find_entity(uow, entity)
            self._authorize("read", found, kind=kind)
            return [
                a
                for a in uow.attachments.find(entity_kind=kind, entity_id=found.id)
                if include_archived or not a.archived
            ]
