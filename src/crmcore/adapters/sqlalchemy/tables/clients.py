"""The tables of clients, their e-mails, tags and contact persons, and every phone."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    Uuid,
)

from crmcore.adapters.sqlalchemy.tables.columns import Schema, sortable, stamps

__all__ = ["define"]


def define(schema: Schema) -> dict[str, Table]:
    """This capability\'s tables, by their names in :class:`~.catalogue.Tables`."""
    clients = Table(
        schema.name("clients"),
        schema.metadata,
        Column("id", Uuid, primary_key=True),
        Column("code", String(64), nullable=False, unique=True),
        Column("code_key", String(64), nullable=False, index=True),
        Column("name", String(500), nullable=False),
        Column("name_key", String(500), nullable=False),
        Column("name_sort", sortable(500), nullable=False, index=True),
        Column("kind", String(16), nullable=False),
        Column("tax_code", String(32), index=True),
        Column("responsible_id", Uuid, ForeignKey(schema.fk("employees")), index=True),
        Column("addresses", JSON, nullable=False),
        # The lists are kept whole here for reading a client in one row, and
        # one item a row in the tables below for indexed lookups.
        Column("phones", JSON, nullable=False),
        Column("emails", JSON, nullable=False),
        Column("tags", JSON, nullable=False),
        Column("notes", Text, nullable=False),
        Column("archived", Boolean, nullable=False),
        Column("merged_into", Uuid),
        Column("external_id", String(200), index=True),
        *stamps(),
    )
    client_emails = Table(
        schema.name("client_emails"),
        schema.metadata,
        Column("client_id", Uuid, ForeignKey(schema.fk("clients")), primary_key=True),
        Column("position", Integer, primary_key=True, autoincrement=False),
        Column("address", String(320), nullable=False),
        Column("address_key", String(320), nullable=False, index=True),
    )
    client_tags = Table(
        schema.name("client_tags"),
        schema.metadata,
        Column("client_id", Uuid, ForeignKey(schema.fk("clients")), primary_key=True),
        Column("position", Integer, primary_key=True, autoincrement=False),
        Column("tag", String(100), nullable=False, index=True),
    )
    contacts = Table(
        schema.name("contacts"),
        schema.metadata,
        Column("id", Uuid, primary_key=True),
        Column("client_id", Uuid, ForeignKey(schema.fk("clients")), nullable=False, index=True),
        Column("name", String(300), nullable=False),
        Column("name_sort", sortable(300), nullable=False),
        Column("position", String(200)),
        Column("phones", JSON, nullable=False),
        Column("fax", JSON),
        Column("email", String(320)),
        Column("notes", Text, nullable=False),
        Column("archived", Boolean, nullable=False),
        Column("external_id", String(200), index=True),
        *stamps(),
    )
    phones = Table(
        schema.name("phones"),
        schema.metadata,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("client_id", Uuid, ForeignKey(schema.fk("clients")), nullable=False, index=True),
        Column("contact_id", Uuid, ForeignKey(schema.fk("contacts")), index=True),
        Column("position", Integer, nullable=False),
        Column("e164", String(16), index=True),
        Column("extension", String(6), index=True),
    )
    return {
        "clients": clients,
        "client_emails": client_emails,
        "client_tags": client_tags,
        "contacts": contacts,
        "phones": phones,
    }
