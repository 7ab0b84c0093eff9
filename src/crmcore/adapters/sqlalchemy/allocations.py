"""SQL repository of the allocation log."""

from __future__ import annotations

from decimal import Decimal
from uuid import UUID

from sqlalchemy import bindparam, func, select

from crmcore.adapters.sqlalchemy.repository import RecordRepository
from crmcore.domain.allocations import Allocation

__all__ = ["Allocations"]


class Allocations(RecordRepository[Allocation]):
    kind = "allocation"
    table_name = "allocations"
    entity_type = Allocation

    def applied_to(self, document_id: UUID) -> Decimal:
        return self._sum_by("target_id", document_id)

    def applied_from(self, document_id: UUID) -> Decimal:
        return self._sum_by("source_id", document_id)

    def _sum_by(self, column: str, document_id: UUID) -> Decimal:
        c = self.table.c
        rows = self._rows(
            ("allocations", "applied", column),
            lambda: select(func.coalesce(func.sum(c.amount), 0)).where(
                c[column] == bindparam("key")
            ),
            key=self.codec.uuid_in(document_id),
        )
        return Decimal(int(rows[0][0])).scaleb(-2)
