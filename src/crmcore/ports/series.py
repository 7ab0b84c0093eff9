"""Where the series of repeating tasks are stored."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol
from uuid import UUID

from crmcore.domain.series import Series
from crmcore.ports.records import RecordRepository

__all__ = ["SeriesRepository"]


class SeriesRepository(RecordRepository[Series], Protocol):
    def due(self, now: datetime, limit: int) -> list[Series]:
        """Unarchived series with ``materialise_at <= now``, by ``materialise_at``."""
        ...

    def for_employees(self, employee_ids: Sequence[UUID], until: datetime) -> list[Series]:
        """Unarchived series with ``next_at < until`` whose template task has an
        executor row of one of ``employee_ids``, by id."""
        ...
