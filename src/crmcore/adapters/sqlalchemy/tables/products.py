"""The catalogue of products and services."""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Column, Integer, String, Table, Uuid

from crmcore.adapters.sqlalchemy.tables.columns import Schema, sortable, stamps

__all__ = ["define"]


def define(schema: Schema) -> dict[str, Table]:
    """This capability's tables, by their names in :class:`~.catalogue.Tables`."""
    # Prices are kept in whole hundredths: exact on every database.
    products = Table(
        schema.name("products"),
        schema.metadata,
        Column("id", Uuid, primary_key=True),
        Column("code", String(64), nullable=False, unique=True),
        Column("name", String(500), nullable=False),
        Column("name_sort", sortable(500), nullable=False),
        Column("unit", String(16), nullable=False),
        Column("price", BigInteger, nullable=False),
        Column("vat_rate", Integer, nullable=False),  # whole percent
        Column("currency", String(3), nullable=False),
        Column("is_service", Boolean, nullable=False),
        Column("archived", Boolean, nullable=False),
        *stamps(),
    )
    return {"products": products}
