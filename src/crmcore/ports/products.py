"""Where the catalogue of products and services is stored."""

from __future__ import annotations

from typing import Protocol

from crmcore.domain.products import Product
from crmcore.ports.records import RecordRepository

__all__ = ["ProductRepository"]


class ProductRepository(RecordRepository[Product], Protocol):
    def get_by_code(self, code: str) -> Product | None: ...
