"""The tables of event types and events."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
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
    event_types = Table(
        schema.name("event_types"),
        schema.metadata,
        Column("id", Uuid, primary_key=True),
        Column("code", sortable(32), nullable=False, unique=True),
        Column("name", String(200), nullable=False),
        Column("category", String(16), nullable=False),
        Column("direction", String(16), nullable=False),
        Column("system", Boolean, nullable=False),
        Column("archived", Boolean, nullable=False),
        *stamps(),
    )
    events = Table(
        schema.name("events"),
        schema.metadata,
        Column("id", Uuid, primary_key=True),
        Column(
            "type_code",
            String(32),
            ForeignKey(schema.fk("event_types", "code")),
            nullable=False,
        ),
        Column("client_id", Uuid, ForeignKey(schema.fk("clients")), index=True),
        Column("contact_id", Uuid, ForeignKey(schema.fk("contacts")), index=True),
        Column("employee_id", Uuid, ForeignKey(schema.fk("employees")), index=True),
        Column("project_ref", String(200)),
        Column("occurred_at", UTCDateTime, nullable=False),
        Column("duration_us", BigInteger),
        Column("subject", String(500), nullable=False),
        Column("details", Text, nullable=False),
        Column("outcome", String(500), nullable=False),
        Column("external_ref", String(200), unique=True),
        Column("archived", Boolean, nullable=False),
        *stamps(),
    )
    return {"event_types": event_types, "events": events}
