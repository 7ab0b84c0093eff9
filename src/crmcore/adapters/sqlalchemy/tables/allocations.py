"""The table of the allocation log."""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Column, Date, ForeignKey, String, Table, Uuid

from crmcore.adapters.sqlalchemy.tables.columns import Schema, stamps

__all__ = ["define"]


def define(schema: Schema) -> dict[str, Table]:
    """This capability's tables, by their names in :class:`~.catalogue.Tables`."""
    allocations = Table(
        schema.name("allocations"),
        schema.metadata,
        Column("id", Uuid, primary_key=True),
        Column("source_id", Uuid, ForeignKey(schema.fk("documents")), nullable=False, index=True),
        Column("target_id", Uuid, ForeignKey(schema.fk("documents")), nullable=False, index=True),
        Column("client_id", Uuid, ForeignKey(schema.fk("clients")), nullable=False, index=True),
        Column("currency", String(3), nullable=False),
        Column("amount", BigInteger, nullable=False),  # whole hundredths
        Column("effective_on", Date, nullable=False),
        Column("automatic", Boolean, nullable=False),
        *stamps(),
    )
    return {"allocations": allocations}
