"""The allocation log in memory."""

from __future__ import annotations

from decimal import Decimal
from uuid import UUID

from crmcore.adapters.memory.repository import RecordRepository

__all__ = ["Allocations"]


class Allocations(RecordRepository):
    name = "allocations"
    kind = "allocation"

    def applied_to(self, document_id: UUID) -> Decimal:
        rows = self._rows().values()
        return sum((a.amount for a in rows if a.target_id == document_id), Decimal("0.00"))

    def applied_from(self, document_id: UUID) -> Decimal:
        rows = self._rows().values()
        return sum((a.amount for a in rows if a.source_id == document_id), Decimal("0.00"))
