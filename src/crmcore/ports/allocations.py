"""Where the allocation log is stored."""

from __future__ import annotations

from decimal import Decimal
from typing import Protocol
from uuid import UUID

from crmcore.domain.allocations import Allocation
from crmcore.ports.records import RecordRepository

__all__ = ["AllocationRepository"]


class AllocationRepository(RecordRepository[Allocation], Protocol):
    def applied_to(self, document_id: UUID) -> Decimal:
        """All that was ever applied to an owed document, whatever its effective date."""

    def applied_from(self, document_id: UUID) -> Decimal:
        """All that was ever applied of a paying document, whatever its effective date."""
