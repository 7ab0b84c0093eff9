"""SQL repository of the catalogue of products and services."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, ClassVar

from crmcore.adapters.sqlalchemy.repository import RecordRepository
from crmcore.domain.products import Product

__all__ = ["Products"]


class Products(RecordRepository[Product]):
    kind = "product"
    table_name = "products"
    entity_type = Product
    unique = (("code",),)
    derived: ClassVar[Mapping[str, Callable[[Any], Any]]] = {
        "name_sort": lambda product: product.name_sort
    }

    def get_by_code(self, code: str) -> Product | None:
        found = self.find(code=code)
        return found[0] if found else None
