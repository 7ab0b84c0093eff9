"""Contracts and their stages in memory."""

from __future__ import annotations

from crmcore.adapters.memory.repository import RecordRepository
from crmcore.domain.contracts import Contract

__all__ = ["Contracts", "Stages"]


class Contracts(RecordRepository):
    """Contracts, unique by number."""

    name = "contracts"
    kind = "contract"
    unique = (("number",),)

    def get_by_code(self, number: str) -> Contract | None:
        found = self.find(number=number)
        return found[0] if found else None


class Stages(RecordRepository):
    name = "stages"
    kind = "stage"
