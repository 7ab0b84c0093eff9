"""The tables of user-field definitions and their values."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
)

from crmcore.adapters.sqlalchemy.tables.columns import Schema, stamps

__all__ = ["define"]


def define(schema: Schema) -> dict[str, Table]:
    """This capability\'s tables, by their names in :class:`~.catalogue.Tables`."""
    field_definitions = Table(
        schema.name("field_definitions"),
        schema.metadata,
        Column("id", Uuid, primary_key=True),
        Column("entity_kind", String(32), nullable=False),
        Column("name", String(64), nullable=False),
        Column("label", String(200), nullable=False),
        Column("type", String(16), nullable=False),
        Column("required", Boolean, nullable=False),
        Column("choices", JSON, nullable=False),
        Column("default", JSON, nullable=False),
        Column("position", Integer, nullable=False),
        Column("archived", Boolean, nullable=False),
        *stamps(),
        UniqueConstraint("entity_kind", "name"),
    )
    field_values = Table(
        schema.name("field_values"),
        schema.metadata,
        Column("entity_kind", String(32), primary_key=True),
        Column("entity_id", Uuid, primary_key=True),
        Column("name", String(64), primary_key=True),
        Column("position", Integer, primary_key=True, autoincrement=False),
        Column("key", Text, nullable=False),
        # Indexed in place of the key, which may be longer than an index entry can be.
        Column("key_prefix", String(200), nullable=False),
    )
    Index(
        f"ix_{schema.prefix}field_values_lookup",
        field_values.c.entity_kind,
        field_values.c.name,
        field_values.c.key_prefix,
    )
    return {"field_definitions": field_definitions, "field_values": field_values}
