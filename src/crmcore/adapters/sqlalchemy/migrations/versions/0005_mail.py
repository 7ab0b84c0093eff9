"""E-mail history: messages, thread ids, aliases, mailbox progress; reply headers in the outbox.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context, op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def _target() -> tuple[str, str | None, str]:
    """(table prefix, schema, "schema." or ""), as crmcore passed them to alembic."""
    attributes = context.config.attributes
    schema = attributes["schema"]
    return attributes["table_prefix"], schema, f"{schema}." if schema else ""


def _index(prefix: str, schema: str | None, name: str, table: str, columns: list[str]) -> None:
    op.create_index(f"ix_{prefix}{name}", f"{prefix}{table}", columns, unique=False, schema=schema)


def upgrade() -> None:
    prefix, schema, qualified = _target()
    table = f"{prefix}mail_messages"

    def fk(column: str, target: str) -> sa.ForeignKeyConstraint:
        return sa.ForeignKeyConstraint(
            [column], [f"{qualified}{prefix}{target}.id"], name=f"fk_{table}_{column}"
        )

    op.create_table(
        table,
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("message_key", sa.String(length=1000), nullable=False),
        sa.Column("message_id", sa.String(length=1000), nullable=True),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("thread_id", sa.Uuid(), nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("direction", sa.String(length=16), nullable=False),
        sa.Column("subject", sa.String(length=1000), nullable=False),
        sa.Column("subject_key", sa.String(length=500), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sender", sa.String(length=1000), nullable=False),
        sa.Column("to", sa.JSON(), nullable=False),
        sa.Column("cc", sa.JSON(), nullable=False),
        sa.Column("participants", sa.JSON(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("quoted", sa.Text(), nullable=False),
        sa.Column("signature", sa.Text(), nullable=False),
        sa.Column("in_reply_to", sa.String(length=1000), nullable=True),
        sa.Column("references", sa.JSON(), nullable=False),
        sa.Column("client_id", sa.Uuid(), nullable=True),
        sa.Column("contact_id", sa.Uuid(), nullable=True),
        sa.Column("employee_id", sa.Uuid(), nullable=True),
        sa.Column("match_reason", sa.String(length=16), nullable=False),
        sa.Column("matched_address", sa.String(length=1000), nullable=True),
        sa.Column("source", sa.String(length=1000), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("attachment_count", sa.Integer(), nullable=False),
        sa.Column("outbox_id", sa.Uuid(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        fk("event_id", "events"),
        fk("client_id", "clients"),
        fk("contact_id", "contacts"),
        fk("employee_id", "employees"),
        sa.PrimaryKeyConstraint("id", name=f"pk_{table}"),
        sa.UniqueConstraint("message_key", name=f"uq_{table}_message_key"),
        schema=schema,
    )
    _index(prefix, schema, "mail_messages_message_id", "mail_messages", ["message_id"])
    _index(prefix, schema, "mail_messages_thread_id", "mail_messages", ["thread_id"])
    _index(prefix, schema, "mail_messages_event_id", "mail_messages", ["event_id"])
    _index(
        prefix,
        schema,
        "mail_messages_client_moment",
        "mail_messages",
        ["client_id", "sent_at", "id"],
    )
    _index(
        prefix,
        schema,
        "mail_messages_last_contact",
        "mail_messages",
        ["client_id", "kind", "direction", "sent_at"],
    )
    _index(prefix, schema, "mail_messages_subject", "mail_messages", ["subject_key", "sent_at"])
    op.create_table(
        f"{prefix}mail_thread_ids",
        sa.Column("message_id", sa.String(length=1000), nullable=False),
        sa.Column("thread_id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("message_id", name=f"pk_{prefix}mail_thread_ids"),
        schema=schema,
    )
    _index(prefix, schema, "mail_thread_ids_thread_id", "mail_thread_ids", ["thread_id"])
    op.create_table(
        f"{prefix}mail_aliases",
        sa.Column("alias", sa.String(length=1000), nullable=False),
        sa.Column("original", sa.String(length=1000), nullable=False),
        sa.PrimaryKeyConstraint("alias", name=f"pk_{prefix}mail_aliases"),
        schema=schema,
    )
    op.create_table(
        f"{prefix}mailbox_states",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("source", sa.String(length=1000), nullable=False),
        sa.Column("uid_validity", sa.BigInteger(), nullable=False),
        sa.Column("last_uid", sa.BigInteger(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=f"pk_{prefix}mailbox_states"),
        sa.UniqueConstraint("source", name=f"uq_{prefix}mailbox_states_source"),
        schema=schema,
    )
    # Existing outbox rows are notices: no reply headers.
    op.add_column(
        f"{prefix}outbox", sa.Column("in_reply_to", sa.String(length=1000)), schema=schema
    )
    op.add_column(
        f"{prefix}outbox",
        sa.Column("references", sa.JSON(), nullable=False, server_default="[]"),
        schema=schema,
    )


def downgrade() -> None:
    prefix, schema, _ = _target()
    op.drop_column(f"{prefix}outbox", "references", schema=schema)
    op.drop_column(f"{prefix}outbox", "in_reply_to", schema=schema)
    op.drop_table(f"{prefix}mailbox_states", schema=schema)
    op.drop_table(f"{prefix}mail_aliases", schema=schema)
    op.drop_table(f"{prefix}mail_thread_ids", schema=schema)
    op.drop_table(f"{prefix}mail_messages", schema=schema)
