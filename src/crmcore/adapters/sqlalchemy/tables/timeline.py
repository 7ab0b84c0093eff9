"""The table of the client timeline."""

from __future__ import annotations

from sqlalchemy import (
    Column,
    ForeignKey,
    Index,
    String,
    Table,
    Text,
    Uuid,
)

from crmcore.adapters.sqlalchemy.tables.columns import Schema, UTCDateTime

__all__ = ["define"]


def define(schema: Schema) -> dict[str, Table]:
    """This capability\'s tables, by their names in :class:`~.catalogue.Tables`."""
    timeline = Table(
        schema.name("timeline"),
        schema.metadata,
        Column("id", Uuid, primary_key=True),
        Column("client_id", Uuid, ForeignKey(schema.fk("clients")), nullable=False),
        Column("occurred_at", UTCDateTime, nullable=False),
        Column("kind", String(32), nullable=False),
        Column("source_id", Uuid, nullable=False),
        Column("type_code", String(32)),
        Column("title", String(500), nullable=False),
        Column("summary", Text, nullable=False),
        Column("employee_id", Uuid),
        Column("contact_id", Uuid),
    )
    Index(
        f"ix_{schema.prefix}timeline_client_moment",
        timeline.c.client_id,
        timeline.c.occurred_at,
        timeline.c.id,
    )
    Index(f"ix_{schema.prefix}timeline_source", timeline.c.kind, timeline.c.source_id)
    return {"timeline": timeline}
