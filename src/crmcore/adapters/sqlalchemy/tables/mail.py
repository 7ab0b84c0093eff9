"""The tables of e-mail history: messages, thread ids, aliases, mailbox progress."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    Uuid,
)

from crmcore.adapters.sqlalchemy.tables.columns import Schema, UTCDateTime, stamps

__all__ = ["define"]


def define(schema: Schema) -> dict[str, Table]:
    """This capability's tables, by their names in :class:`~.catalogue.Tables`."""
    messages = Table(
        schema.name("mail_messages"),
        schema.metadata,
        Column("id", Uuid, primary_key=True),
        Column("message_key", String(1000), nullable=False, unique=True),
        Column("message_id", String(1000), index=True),
        Column("content_hash", String(64), nullable=False),
        Column("thread_id", Uuid, nullable=False, index=True),
        Column("event_id", Uuid, ForeignKey(schema.fk("events")), index=True),
        Column("kind", String(16), nullable=False),
        Column("direction", String(16), nullable=False),
        Column("subject", String(1000), nullable=False),
        Column("subject_key", String(500), nullable=False),
        Column("sent_at", UTCDateTime, nullable=False),
        Column("sender", String(1000), nullable=False),
        Column("to", JSON, nullable=False),
        Column("cc", JSON, nullable=False),
        Column("participants", JSON, nullable=False),
        Column("text", Text, nullable=False),
        Column("quoted", Text, nullable=False),
        Column("signature", Text, nullable=False),
        Column("in_reply_to", String(1000)),
        Column("references", JSON, nullable=False),
        Column("client_id", Uuid, ForeignKey(schema.fk("clients"))),
        Column("contact_id", Uuid, ForeignKey(schema.fk("contacts"))),
        Column("employee_id", Uuid, ForeignKey(schema.fk("employees"))),
        Column("match_reason", String(16), nullable=False),
        Column("matched_address", String(1000)),
        Column("source", String(1000), nullable=False),
        Column("size", Integer, nullable=False),
        Column("attachment_count", Integer, nullable=False),
        Column("outbox_id", Uuid),
        *stamps(),
    )
    Index(
        f"ix_{schema.prefix}mail_messages_client_moment",
        messages.c.client_id,
        messages.c.sent_at,
        messages.c.id,
    )
    Index(
        f"ix_{schema.prefix}mail_messages_last_contact",
        messages.c.client_id,
        messages.c.kind,
        messages.c.direction,
        messages.c.sent_at,
    )
    Index(
        f"ix_{schema.prefix}mail_messages_subject",
        messages.c.subject_key,
        messages.c.sent_at,
    )
    thread_ids = Table(
        schema.name("mail_thread_ids"),
        schema.metadata,
        Column("message_id", String(1000), primary_key=True),
        Column("thread_id", Uuid, nullable=False, index=True),
    )
    aliases = Table(
        schema.name("mail_aliases"),
        schema.metadata,
        Column("alias", String(1000), primary_key=True),
        Column("original", String(1000), nullable=False),
    )
    mailbox_states = Table(
        schema.name("mailbox_states"),
        schema.metadata,
        Column("id", Uuid, primary_key=True),
        Column("source", String(1000), nullable=False, unique=True),
        Column("uid_validity", BigInteger, nullable=False),
        Column("last_uid", BigInteger, nullable=False),
        *stamps(),
    )
    return {
        "mail_messages": messages,
        "mail_thread_ids": thread_ids,
        "mail_aliases": aliases,
        "mailbox_states": mailbox_states,
    }
