"""Where a client's timeline entries are stored."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol
from uuid import UUID

from crmcore.domain import TimelineEntry, TimelineFilter

__all__ = ["TimelineRepository"]


class TimelineRepository(Protocol):
    def add_many(self, entries: Sequence[TimelineEntry]) -> None: ...

    def replace(self, kind: str, source_id: UUID, entry: TimelineEntry | None) -> None:
        """Drop the entries of one source record, then store ``entry`` if given."""

    def page(
        self,
        client_id: UUID,
        where: TimelineFilter,
        *,
        before: tuple[datetime, UUID] | None,
        limit: int,
    ) -> list[TimelineEntry]:
        """Entries of a client admitted by ``where``, newest first by
        (occurred_at, id), strictly after the position ``before``, at most ``limit``."""
