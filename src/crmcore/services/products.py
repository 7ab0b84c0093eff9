"""The catalogue of products and services."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from crmcore.domain.products import Product
from crmcore.services.base import Service, build
from crmcore.services.refs import ProductRef, find_product

__all__ = ["ProductService"]


class ProductService(Service):
    """``crm.products``: the catalogue a document's lines are taken from."""

    kind = "product"

    def create(
        self,
        *,
        code: str,
        name: str,
        price: Decimal | str | int,
        unit: str = "шт",
        vat_rate: Decimal | str | int = Decimal(20),
        currency: str = "UAH",
        is_service: bool = False,
    ) -> Product:
        """Add a product or service; ``code`` is unique, ``price`` is without VAT.

        Example:
            >>> import crmcore
            >>> crm = crmcore.open()
            >>> crm.products.create(code="К-1", name="Кава, 1 кг", unit="кг", price="450.00").price
            Decimal('450.00')
        """
        product = build(
            Product,
            code=code,
            name=name,
            price=price,
            unit=unit,
            vat_rate=vat_rate,
            currency=currency,
            is_service=is_service,
        )
        with self._unit_of_work() as uow:
            return self._add(uow, uow.products, product)

    def get(self, product: ProductRef) -> Product:
        with self._unit_of_work(writes=False) as uow:
            found = find_product(uow, product)
            self._authorize("read", found)
            return found

    def update(self, product: ProductRef, **changes: Any) -> Product:
        """Change a product; documents already made keep the prices they were made with."""
        with self._unit_of_work() as uow:
            stored = find_product(uow, product)
            return self._update(uow, uow.products, stored, product, changes)

    def archive(self, product: ProductRef) -> Product:
        with self._unit_of_work() as uow:
            return self._archive(uow, uow.products, find_product(uow, product), product)

    def list(self, *, include_archived: bool = False) -> list[Product]:
        """The catalogue, by name."""
        with self._unit_of_work(writes=False) as uow:
            self._authorize("read")
            found = [p for p in uow.products.find() if include_archived or not p.archived]
        return sorted(found, key=lambda p: (p.name_sort, p.id))
