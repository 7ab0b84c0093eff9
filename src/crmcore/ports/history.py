"""Where the history of changes is stored."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol
from uuid import UUID

from crmcore.domain import Change

__all__ = ["HistoryRepository"]


class HistoryRepository(Protocol):
    def add_many(self, changes: Sequence[Change]) -> None: ...

    def for_entity(self, entity_kind: str, entity_id: UUID) -> list[Change]:
        """Changes of one entity in the order they were made (at, id)."""

    def for_entities(self, entity_kind: str, entity_ids: Iterable[UUID]) -> list[Change]:
        """Changes of several entities of one kind, in the order they were made (at, id)."""
