"""The tables of calls and of the call events PBXs reported."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    UniqueConstraint,
    Uuid,
)

from crmcore.adapters.sqlalchemy.tables.columns import Schema, UTCDateTime, stamps

__all__ = ["define"]


def define(schema: Schema) -> dict[str, Table]:
    """This capability\'s tables, by their names in :class:`~.catalogue.Tables`."""
    calls = Table(
        schema.name("calls"),
        schema.metadata,
        Column("id", Uuid, primary_key=True),
        Column("source", String(32), nullable=False),
        Column("pbx_id", String(200)),
        Column("direction", String(8), nullable=False),
        Column("started_at", UTCDateTime, nullable=False),
        Column("call_ref", String(64), unique=True),
        Column("caller_number", String(64), nullable=False),
        Column("caller_e164", String(16)),
        Column("caller_extension", String(6)),
        Column("callee_number", String(64), nullable=False),
        Column("callee_e164", String(16)),
        Column("callee_extension", String(6)),
        Column("extension", String(15)),
        Column("employee_id", Uuid, ForeignKey(schema.fk("employees")), index=True),
        Column("client_id", Uuid, ForeignKey(schema.fk("clients"))),
        Column("contact_id", Uuid, ForeignKey(schema.fk("contacts"))),
        Column("answered_at", UTCDateTime),
        Column("ended_at", UTCDateTime),
        Column("ring_seconds", Integer),
        Column("talk_seconds", Integer),
        Column("outcome", String(10)),
        Column("sip_code", Integer),
        Column("recording", String(500)),
        Column("legs", JSON, nullable=False),
        Column("event_id", Uuid, ForeignKey(schema.fk("events"))),
        *stamps(),
        UniqueConstraint("source", "pbx_id"),
    )
    Index(f"ix_{schema.prefix}calls_client", calls.c.client_id, calls.c.started_at)
    call_events = Table(
        schema.name("call_events"),
        schema.metadata,
        Column("id", Uuid, primary_key=True),
        Column("call_id", Uuid, ForeignKey(schema.fk("calls")), nullable=False),
        Column("key", String(200), nullable=False),
        Column("event", JSON, nullable=False),
        *stamps(),
        UniqueConstraint("call_id", "key"),
    )
    return {"calls": calls, "call_events": call_events}
