"""Where contracts and their planned stages are stored."""

from __future__ import annotations

from typing import Protocol

from crmcore.domain.contracts import Contract, Stage
from crmcore.ports.records import RecordRepository

__all__ = ["ContractRepository", "StageRepository"]


class ContractRepository(RecordRepository[Contract], Protocol):
    def get_by_code(self, number: str) -> Contract | None:
        """The contract with this number (a contract's number is its business code)."""


class StageRepository(RecordRepository[Stage], Protocol):
    """Stages, found with ``find(contract_id=...)``."""
