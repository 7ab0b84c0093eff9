"""The tables of the outbox, the in-app inbox and notification preferences."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
)

from crmcore.adapters.sqlalchemy.tables.columns import Schema, UTCDateTime, stamps

__all__ = ["define"]


def define(schema: Schema) -> dict[str, Table]:
    """This capability\'s tables, by their names in :class:`~.catalogue.Tables`."""
    messages = Table(
        schema.name("outbox"),
        schema.metadata,
        Column("id", Uuid, primary_key=True),
        Column("key", String(200), nullable=False, unique=True),
        Column("kind", String(32), nullable=False),
        Column("channel", String(32), nullable=False),
        Column("recipient_id", Uuid, ForeignKey(schema.fk("employees")), index=True),
        Column("recipient_name", String(300), nullable=False),
        Column("address", String(320), nullable=False),
        Column("subject", String(500), nullable=False),
        Column("body", Text, nullable=False),
        Column("entity_kind", String(32)),
        Column("entity_id", Uuid),
        Column("status", String(8), nullable=False),
        Column("attempts", Integer, nullable=False),
        Column("next_attempt_at", UTCDateTime, nullable=False),
        Column("last_error", Text, nullable=False),
        Column("sent_at", UTCDateTime),
        Column("provider_id", String(300)),
        Column("attachments", JSON, nullable=False),
        *stamps(),
        Column("in_reply_to", String(1000)),
        Column("references", JSON, nullable=False),
    )
    Index(
        f"ix_{schema.prefix}outbox_due",
        messages.c.status,
        messages.c.next_attempt_at,
    )
    inbox = Table(
        schema.name("inbox"),
        schema.metadata,
        Column("id", Uuid, primary_key=True),
        Column("employee_id", Uuid, ForeignKey(schema.fk("employees")), nullable=False),
        Column("message_id", Uuid, ForeignKey(schema.fk("outbox")), nullable=False, unique=True),
        Column("kind", String(32), nullable=False),
        Column("subject", Text, nullable=False),
        Column("body", Text, nullable=False),
        Column("entity_kind", String(32)),
        Column("entity_id", Uuid),
        Column("read_at", UTCDateTime),
        *stamps(),
    )
    Index(f"ix_{schema.prefix}inbox_employee", inbox.c.employee_id, inbox.c.created_at)
    preferences = Table(
        schema.name("notification_preferences"),
        schema.metadata,
        Column("id", Uuid, primary_key=True),
        Column("employee_id", Uuid, ForeignKey(schema.fk("employees")), nullable=False),
        Column("kind", String(32), nullable=False),
        Column("channels", JSON, nullable=False),
        *stamps(),
        UniqueConstraint("employee_id", "kind"),
    )
    return {"messages": messages, "inbox": inbox, "preferences": preferences}
