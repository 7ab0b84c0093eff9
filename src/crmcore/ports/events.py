"""Where event types and events are stored."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Protocol
from uuid import UUID

from crmcore.domain import Event, EventType

__all__ = ["EventRepository", "EventTypeRepository"]


class EventTypeRepository(Protocol):
    def add(self, event_type: EventType) -> None: ...

    def get(self, code: str) -> EventType | None: ...

    def update(self, event_type: EventType, expected_version: int) -> None: ...

    def list(self, *, include_archived: bool) -> list[EventType]:
        """All event types ordered by (code)."""


class EventRepository(Protocol):
    def add(self, event: Event) -> None: ...

    def add_many(self, events: Sequence[Event]) -> None:
        """Store a batch of new events (bulk import); must be fast."""

    def get(self, id: UUID) -> Event | None: ...

    def get_by_external_ref(self, external_ref: str) -> Event | None: ...

    def existing_external_refs(self, refs: Iterable[str]) -> set[str]: ...

    def update(self, event: Event, expected_version: int) -> None: ...

    def for_employees(
        self, employee_ids: Sequence[UUID], since: datetime, until: datetime
    ) -> list[Event]:
        """Events (archived ones too) of these employees with ``since <= occurred_at < until``."""
