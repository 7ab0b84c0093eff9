"""The table of employees."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    String,
    Table,
    Uuid,
)

from crmcore.adapters.sqlalchemy.tables.columns import Schema, sortable, stamps

__all__ = ["define"]


def define(schema: Schema) -> dict[str, Table]:
    """This capability\'s tables, by their names in :class:`~.catalogue.Tables`."""
    employees = Table(
        schema.name("employees"),
        schema.metadata,
        Column("id", Uuid, primary_key=True),
        Column("code", sortable(64), nullable=False, unique=True),
        Column("name", String(300), nullable=False),
        Column("email", String(320)),
        Column("phone_e164", String(16)),
        Column("phone_extension", String(6)),
        Column("extension", String(6), index=True),
        Column("department", String(200)),
        Column("position", String(200)),
        Column("time_zone", String(64), nullable=False),
        Column("archived", Boolean, nullable=False),
        Column("external_id", String(200), index=True),
        *stamps(),
    )
    return {"employees": employees}
