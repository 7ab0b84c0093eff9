"""SQL repositories of contracts and their planned stages."""

from __future__ import annotations

from crmcore.adapters.sqlalchemy.repository import RecordRepository
from crmcore.domain.contracts import Contract, Stage

__all__ = ["Contracts", "Stages"]


class Contracts(RecordRepository[Contract]):
    kind = "contract"
    table_name = "contracts"
    entity_type = Contract
    unique = (("number",),)

    def get_by_code(self, number: str) -> Contract | None:
        found = self.find(number=number)
        return found[0] if found else None


class Stages(RecordRepository[Stage]):
    kind = "stage"
    table_name = "stages"
    entity_type = Stage
    order_by = ("contract_id", "position")
