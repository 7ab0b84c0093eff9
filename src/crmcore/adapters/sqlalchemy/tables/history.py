"""The table of history: who changed what, when."""

from __future__ import annotations

from sqlalchemy import (
    Column,
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
    history = Table(
        schema.name("history"),
        schema.metadata,
        Column("id", Uuid, primary_key=True),
        Column("at", UTCDateTime, nullable=False),
        Column("actor_id", Uuid),
        Column("actor_name", String(300), nullable=False),
        Column("entity_kind", String(32), nullable=False),
        Column("entity_id", Uuid, nullable=False),
        Column("action", String(16), nullable=False),
        Column("field", String(64)),
        Column("old", Text),
        Column("new", Text),
    )
    Index(
        f"ix_{schema.prefix}history_entity",
        history.c.entity_kind,
        history.c.entity_id,
        history.c.at,
    )
    return {"history": history}
