"""The client timeline: read it, and keep it in step with what happens.

Capabilities never write the timeline themselves: they publish signals, and
the subscribers at the end of this module (wired in
:mod:`crmcore.services.wiring`) turn them into timeline entries in the same
unit of work.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any
from uuid import UUID

from crmcore.domain import Client, Event, Page, TimelineEntry, TimelineFilter
from crmcore.domain.search import MAX_LIMIT
from crmcore.domain.signals import (
    CommentWritten,
    DocumentIssued,
    DocumentSent,
    EventChanged,
    EventsLogged,
    TaskCreated,
    TaskStatusChanged,
)
from crmcore.domain.tasks import Task
from crmcore.domain.timeline import decode_cursor, encode_cursor
from crmcore.errors import ValidationError
from crmcore.ports import UnitOfWork
from crmcore.services.base import Service
from crmcore.services.context import Context
from crmcore.services.refs import ClientRef, find_client

__all__ = [
    "TimelineService",
    "entry_for_event",
    "show_comment",
    "show_event",
    "show_logged_events",
    "show_task_created",
    "show_task_status",
    "summarize",
]

_SUMMARY_LENGTH = 280


def summarize(text: str) -> str:
    """Text as a timeline entry's summary: cut to fit, with an ellipsis when cut."""
    return text if len(text) <= _SUMMARY_LENGTH else text[: _SUMMARY_LENGTH - 1] + "…"


def entry_for_event(event: Event) -> TimelineEntry | None:
    """The timeline line an event shows as (None for events without a client or archived)."""
    if event.client_id is None or event.archived:
        return None
    return TimelineEntry(
        id=event.id,
        client_id=event.client_id,
        occurred_at=event.occurred_at,
        kind="event",
        source_id=event.id,
        type_code=event.type_code,
        title=event.subject,
        summary=summarize(event.details),
        employee_id=event.employee_id,
        contact_id=event.contact_id,
    )


def _codes(values: str | Iterable[str] | None, field: str) -> frozenset[str] | None:
    if values is None:
        return None
    if isinstance(values, str):
        return frozenset({values})
    codes = frozenset(values)
    if not all(isinstance(code, str) for code in codes):
        raise ValidationError(field, "must be strings")
    return codes


class TimelineService(Service):
    """``crm.timeline(client, ...)``: everything that happened with a client, newest first."""

    kind = "timeline"

    @staticmethod
    def _client_id(uow: UnitOfWork, client: ClientRef) -> UUID:
        if isinstance(client, Client):
            return client.id
        if isinstance(client, UUID):
            return client
        return find_client(uow, client).id

    def __call__(
        self,
        client: ClientRef,
        *,
        kinds: str | Iterable[str] | None = None,
        types: str | Iterable[str] | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int = 50,
        cursor: str | None = None,
    ) -> Page[TimelineEntry]:
        """One page of a client's timeline, newest first.

        Args:
            client: the client (entity, id or code).
            kinds: only these kinds of entry (``"event"``; later ``"task"``, ...).
            types: only these event type codes (``"ВхЗ"``).
            since: only entries at or after this moment (tz-aware).
            until: only entries before this moment (tz-aware).
            limit: page size, 1 to 1000.
            cursor: ``next_cursor`` of the previous page.

        Returns:
            A :class:`Page` whose ``next_cursor`` is None on the last page.
            Paging is by key (moment, id), so entries added meanwhile never
            shift or repeat the pages already read.

        Raises:
            ValidationError: a naive datetime, a bad limit or cursor.
            NotFound: no such client.
        """
        if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= MAX_LIMIT:
            raise ValidationError("limit", f"must be an integer from 1 to {MAX_LIMIT}")
        try:
            where = TimelineFilter(
                kinds=_codes(kinds, "kinds"),
                type_codes=_codes(types, "types"),
                since=since,
                until=until,
            )
        except TypeError as error:
            raise ValidationError("timeline", str(error)) from None
        before = None if cursor is None else decode_cursor(cursor)
        with self._unit_of_work(writes=False) as uow:
            # The timeline is the hottest read: the client itself is loaded only
            # when access rules need it, or to tell "no entries" from "no client".
            owner = client if isinstance(client, Client) else None
            client_id = self._client_id(uow, client)
            if self._has_access_rules:
                owner = find_client(uow, client_id)
                self._authorize("read", owner)
            rows = uow.timeline.page(client_id, where, before=before, limit=limit + 1)
            if not rows and owner is None:
                find_client(uow, client_id)
        items = rows[:limit]
        more = len(rows) > limit
        next_cursor = encode_cursor(items[-1].occurred_at, items[-1].id) if more else None
        return Page(items=tuple(items), next_cursor=next_cursor)


# ---------------------------------------------------------------- subscribers


def show_logged_events(context: Context, uow: UnitOfWork, signal: EventsLogged) -> None:
    """New events of a client show on its timeline."""
    uow.timeline.add_many(
        [entry for event in signal.events if (entry := entry_for_event(event)) is not None]
    )


def show_event(context: Context, uow: UnitOfWork, signal: EventChanged) -> None:
    """A corrected event's line follows it; an archived event leaves the timeline."""
    uow.timeline.replace("event", signal.event.id, entry_for_event(signal.event))


def show_task_created(context: Context, uow: UnitOfWork, signal: TaskCreated) -> None:
    """A new task for a client shows with its status."""
    task = signal.task
    _show_task(context, uow, task, "task", task.name, task.status.label)


def show_document(context: Context, uow: UnitOfWork, signal: DocumentIssued) -> None:
    """An issued document shows on its client's timeline with its total."""
    document = signal.document
    uow.timeline.add_many(
        [
            TimelineEntry(
                client_id=document.client_id,
                occurred_at=context.now(),
                kind="document",
                source_id=document.id,
                title=document.title,
                summary=str(document.total),
                employee_id=context.actor.employee_id,
                contact_id=document.contact_id,
            )
        ]
    )


def show_document_sent(context: Context, uow: UnitOfWork, signal: DocumentSent) -> None:
    """A document e-mailed to the client shows on its timeline: to whom, which files."""
    document = signal.document
    uow.timeline.add_many(
        [
            TimelineEntry(
                client_id=document.client_id,
                occurred_at=context.now(),
                kind="document_sent",
                source_id=document.id,
                title=f"Надіслано: {document.title}",
                summary=f"{signal.address}: {', '.join(signal.files)}",
                employee_id=context.actor.employee_id,
                contact_id=document.contact_id,
            )
        ]
    )


def show_task_status(context: Context, uow: UnitOfWork, signal: TaskStatusChanged) -> None:
    """Each move of a client's task shows as "from → to", with the note given."""
    before, after = signal.before, signal.after
    summary = f"{before.status.label} → {after.status.label}"
    if signal.note:
        summary = f"{summary}: {signal.note}"
    _show_task(context, uow, after, "task_status", f"{after.name}: {after.status.label}", summary)


def _show_task(
    context: Context, uow: UnitOfWork, task: Task, kind: str, title: str, summary: str
) -> None:
    if task.client_id is None:
        return
    uow.timeline.add_many(
        [
            TimelineEntry(
                client_id=task.client_id,
                occurred_at=context.now(),
                kind=kind,
                source_id=task.id,
                type_code=task.type_code,
                title=title,
                summary=summary,
                employee_id=context.actor.employee_id,
                contact_id=task.contact_id,
            )
        ]
    )


def show_comment(context: Context, uow: UnitOfWork, signal: CommentWritten) -> None:
    """Keep a comment's line on the client's timeline in step with the comment."""
    comment, entity = signal.comment, signal.entity
    client_id = _client_of(signal.entity_kind, entity)
    if client_id is None:
        return
    entry = None
    if not comment.archived:
        title = getattr(entity, "name", None) or getattr(entity, "subject", "")
        entry = TimelineEntry(
            client_id=client_id,
            occurred_at=comment.created_at or context.now(),
            kind="comment",
            source_id=comment.id,
            title=f"{comment.author_name}: {title}",
            summary=summarize(comment.text),
            employee_id=comment.author_id,
            contact_id=getattr(entity, "contact_id", None),
        )
    uow.timeline.replace("comment", comment.id, entry)


def _client_of(kind: str, entity: Any) -> UUID | None:
    """The client whose timeline shows what happens on this entity."""
    if kind == "client":
        return entity.id  # type: ignore[no-any-return]
    return getattr(entity, "client_id", None)
