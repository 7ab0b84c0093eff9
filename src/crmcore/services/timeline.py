"""The client timeline: read it, and the one way capabilities write to it."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from uuid import UUID

from crmcore.domain import Client, Event, Page, TimelineEntry, TimelineFilter
from crmcore.domain.search import MAX_LIMIT
from crmcore.domain.timeline import decode_cursor, encode_cursor
from crmcore.errors import ValidationError
from crmcore.ports import UnitOfWork
from crmcore.services.base import Service
from crmcore.services.refs import ClientRef, find_client

__all__ = ["TimelineService", "entry_for_event", "summarize"]

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
