"""The catalogue of products and services in memory."""

from __future__ import annotations

from crmcore.adapters.memory.repository import RecordRepository
from crmcore.domain.products import Product

__all__ = ["Products"]


class Products(RecordRepository):
    """Products, unique by code."""

    name = "products"
    kind = "product"
    unique = (("code",),)

    def get_by_code(self, code: str) -> Product | None:
        found = self.find(code=code)
        return found[0] if found else None
