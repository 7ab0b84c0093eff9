"""Event types and events in memory."""

from __future__ import annotations

import copy
from collections.abc import Iterable, Sequence
from datetime import datetime
from uuid import UUID

from crmcore.adapters.memory.repository import Repository, copy_out
from crmcore.domain import Event, EventType
from crmcore.errors import DuplicateError

__all__ = ["EventTypes", "Events"]


class EventTypes(Repository):
    """Event types, keyed by code."""

    name = "event_types"
    kind = "event type"

    def add(self, event_type: EventType) -> None:
        if event_type.code in self._rows():
            raise DuplicateError("code", event_type.code)
        self._put(event_type.code, event_type)

    def update(self, event_type: EventType, expected_version: int) -> None:
        self._replace(event_type.code, event_type, expected_version)

    def list(self, *, include_archived: bool) -> list[EventType]:
        found = [t for t in self._rows().values() if include_archived or not t.archived]
        found.sort(key=lambda t: t.code)
        return [copy_out(t) for t in found]


class Events(Repository):
    """Events, unique by external reference where they have one."""

    name = "events"
    kind = "event"

    def add(self, event: Event) -> None:
        self.add_many([event])

    def add_many(self, events: Sequence[Event]) -> None:
        refs = {e.external_ref for e in events if e.external_ref is not None}
        taken = self.existing_external_refs(refs)
        if taken or len(refs) < sum(1 for e in events if e.external_ref is not None):
            duplicate = next(iter(taken)) if taken else "(repeated within the batch)"
            raise DuplicateError("external_ref", duplicate)
        rows = self._writable()
        for event in events:
            rows[event.id] = copy.copy(event)

    def get_by_external_ref(self, external_ref: str) -> Event | None:
        for event in self._rows().values():
            if event.external_ref == external_ref:
                return copy_out(event)  # type: ignore[no-any-return]
        return None

    def existing_external_refs(self, refs: Iterable[str]) -> set[str]:
        wanted = set(refs)
        if not wanted:
            return set()
        return {e.external_ref for e in self._rows().values() if e.external_ref in wanted}

    def for_employees(
        self, employee_ids: Sequence[UUID], since: datetime, until: datetime
    ) -> list[Event]:
        wanted = set(employee_ids)
        found = [
            e
            for e in self._rows().values()
            if e.employee_id in wanted and since <= e.occurred_at < until
        ]
        found.sort(key=lambda e: (e.occurred_at, e.id))
        return [copy_out(e) for e in found]

    def update(self, event: Event, expected_version: int) -> None:
        if event.external_ref is not None:
            other = self.get_by_external_ref(event.external_ref)
            if other is not None and other.id != event.id:
                raise DuplicateError("external_ref", event.external_ref)
        self._replace(event.id, event, expected_version)
