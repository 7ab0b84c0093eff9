"""The tables of contracts and their planned stages."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Date, ForeignKey, Integer, String, Table, Uuid

from crmcore.adapters.sqlalchemy.tables.columns import Schema, stamps

__all__ = ["define"]


def define(schema: Schema) -> dict[str, Table]:
    """This capability's tables, by their names in :class:`~.catalogue.Tables`."""
    # Sums are kept in whole hundredths: exact on every database and summable in SQL.
    contracts = Table(
        schema.name("contracts"),
        schema.metadata,
        Column("id", Uuid, primary_key=True),
        Column("number", String(64), nullable=False, unique=True),
        Column("signed_on", Date, nullable=False),
        Column("client_id", Uuid, ForeignKey(schema.fk("clients")), nullable=False, index=True),
        Column("project_id", Uuid, ForeignKey(schema.fk("projects")), index=True),
        Column("subject", String(1000), nullable=False),
        Column("currency", String(3), nullable=False),
        Column("vat_mode", String(16), nullable=False),
        Column("total", BigInteger, nullable=False),
        Column("status", String(16), nullable=False),
        Column("valid_from", Date),
        Column("valid_until", Date),
        *stamps(),
    )
    stages = Table(
        schema.name("contract_stages"),
        schema.metadata,
        Column("id", Uuid, primary_key=True),
        Column("contract_id", Uuid, ForeignKey(schema.fk("contracts")), nullable=False, index=True),
        Column("position", Integer, nullable=False),
        Column("name", String(500), nullable=False),
        Column("kind", String(16), nullable=False),
        Column("planned_amount", BigInteger, nullable=False),
        Column("planned_on", Date, nullable=False),
        Column("period_start", Date),
        *stamps(),
    )
    return {"contracts": contracts, "stages": stages}
