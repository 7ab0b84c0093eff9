"""The table of projects."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    ForeignKey,
    String,
    Table,
    Text,
    Uuid,
)

from crmcore.adapters.sqlalchemy.tables.columns import Schema, UTCDateTime, sortable, stamps

__all__ = ["define"]


def define(schema: Schema) -> dict[str, Table]:
    """This capability\'s tables, by their names in :class:`~.catalogue.Tables`."""
    projects = Table(
        schema.name("projects"),
        schema.metadata,
        Column("id", Uuid, primary_key=True),
        Column("code", String(64), nullable=False, unique=True),
        Column("name", String(500), nullable=False),
        Column("name_sort", sortable(500), nullable=False),
        Column("client_id", Uuid, ForeignKey(schema.fk("clients")), index=True),
        Column("manager_id", Uuid, ForeignKey(schema.fk("employees"))),
        Column("controller_id", Uuid, ForeignKey(schema.fk("employees"))),
        Column("description", Text, nullable=False),
        Column("planned_start", UTCDateTime),
        Column("planned_end", UTCDateTime),
        Column("archived", Boolean, nullable=False),
        *stamps(),
    )
    # Hours are kept as whole hundredths of an hour; durations as microseconds.
    return {"projects": projects}
