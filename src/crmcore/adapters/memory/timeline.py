"""Clients' timeline entries in memory."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from crmcore.adapters.memory.repository import Repository
from crmcore.domain import TimelineEntry, TimelineFilter

__all__ = ["Timeline"]


class Timeline(Repository):
    """Timeline entries; they are frozen, so they are stored and returned as given."""

    name = "timeline"
    kind = "timeline entry"

    def add_many(self, entries: Sequence[TimelineEntry]) -> None:
        rows = self._writable()
        for entry in entries:
            rows[entry.id] = entry

    def replace(self, kind: str, source_id: UUID, entry: TimelineEntry | None) -> None:
        rows = self._writable()
        for key in [k for k, e in rows.items() if e.kind == kind and e.source_id == source_id]:
            del rows[key]
        if entry is not None:
            rows[entry.id] = entry

    def page(
        self,
        client_id: UUID,
        where: TimelineFilter,
        *,
        before: tuple[datetime, UUID] | None,
        limit: int,
    ) -> list[TimelineEntry]:
        found = [
            e
            for e in self._rows().values()
            if e.client_id == client_id
            and where.admits(e)
            and (before is None or (e.occurred_at, e.id) < before)
        ]
        found.sort(key=lambda e: (e.occurred_at, e.id), reverse=True)
        return found[:limit]
