"""The tables of sales documents and their lines."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
)

from crmcore.adapters.sqlalchemy.tables.columns import Schema, sortable, stamps

__all__ = ["define"]


def define(schema: Schema) -> dict[str, Table]:
    """This capability's tables, by their names in :class:`~.catalogue.Tables`."""
    # Amounts are whole hundredths, quantities thousandths, unit prices ten-thousandths:
    # exact on every database and summable in SQL.
    documents = Table(
        schema.name("documents"),
        schema.metadata,
        Column("id", Uuid, primary_key=True),
        Column("kind", String(16), nullable=False),
        Column("number", sortable(64), nullable=False),
        Column("sequence", Integer),
        Column("client_id", Uuid, ForeignKey(schema.fk("clients")), nullable=False),
        Column("contact_id", Uuid, ForeignKey(schema.fk("contacts"))),
        Column("project_id", Uuid, ForeignKey(schema.fk("projects")), index=True),
        Column("contract_id", Uuid, ForeignKey(schema.fk("contracts")), index=True),
        Column("stage_id", Uuid, ForeignKey(schema.fk("contract_stages"))),
        Column("based_on_id", Uuid, ForeignKey(schema.fk("documents")), index=True),
        Column("currency", String(3), nullable=False),
        Column("vat_mode", String(16), nullable=False),
        Column("issued_on", Date, nullable=False),
        Column("due_on", Date),
        Column("status", String(16), nullable=False),
        Column("net", BigInteger, nullable=False),
        Column("vat", BigInteger, nullable=False),
        Column("gross", BigInteger, nullable=False),
        Column("note", Text, nullable=False),
        Column("source", String(32), nullable=False),
        Column("external_id", String(200)),
        *stamps(),
        UniqueConstraint("kind", "number"),
        # The statement and the ageing read a client's documents by date.
        Index(f"ix_{schema.name('documents')}_client_dated", "client_id", "issued_on"),
    )
    lines = Table(
        schema.name("document_lines"),
        schema.metadata,
        Column("id", Uuid, primary_key=True),
        Column("document_id", Uuid, ForeignKey(schema.fk("documents")), nullable=False, index=True),
        Column("position", Integer, nullable=False),
        Column("product_id", Uuid, ForeignKey(schema.fk("products"))),
        Column("description", String(1000), nullable=False),
        Column("quantity", BigInteger, nullable=False),
        Column("unit", String(16), nullable=False),
        Column("price", BigInteger, nullable=False),
        Column("discount", Integer, nullable=False),
        Column("vat_rate", Integer, nullable=False),  # whole percent
        Column("net", BigInteger, nullable=False),
        Column("vat", BigInteger, nullable=False),
        Column("gross", BigInteger, nullable=False),
        *stamps(),
    )
    return {"documents": documents, "document_lines": lines}
