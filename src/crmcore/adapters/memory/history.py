"""The history of changes in memory."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from uuid import UUID

from crmcore.adapters.memory.repository import Repository
from crmcore.domain import Change

__all__ = ["History"]


class History(Repository):
    """Recorded changes; they are frozen, so they are stored and returned as given."""

    name = "history"
    kind = "change"

    def add_many(self, changes: Sequence[Change]) -> None:
        rows = self._writable()
        for change in changes:
            rows[change.id] = change

    def for_entity(self, entity_kind: str, entity_id: UUID) -> list[Change]:
        return self.for_entities(entity_kind, [entity_id])

    def for_entities(self, entity_kind: str, entity_ids: Iterable[UUID]) -> list[Change]:
        wanted = set(entity_ids)
        found = [
            c
            for c in self._rows().values()
            if c.entity_kind == entity_kind and c.entity_id in wanted
        ]
        found.sort(key=lambda c: (c.at, c.id))
        return found
