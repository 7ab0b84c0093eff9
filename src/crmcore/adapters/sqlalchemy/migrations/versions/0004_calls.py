"""Calls and the call events PBXs reported.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context, op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def _target() -> tuple[str, str | None, str]:
    """(table prefix, schema, "schema." or ""), as crmcore passed them to alembic."""
    attributes = context.config.attributes
    schema = attributes["schema"]
    return attributes["table_prefix"], schema, f"{schema}." if schema else ""


def _stamps() -> list[sa.Column[object]]:
    return [
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    ]


def upgrade() -> None:
    prefix, schema, qualified = _target()

    def fk(column: str, table: str) -> sa.ForeignKeyConstraint:
        return sa.ForeignKeyConstraint(
            [column], [f"{qualified}{prefix}{table}.id"], name=f"fk_{prefix}calls_{column}"
        )

    op.create_table(
        f"{prefix}calls",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("pbx_id", sa.String(length=200), nullable=True),
        sa.Column("direction", sa.String(length=8), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("call_ref", sa.String(length=64), nullable=True),
        sa.Column("caller_number", sa.String(length=64), nullable=False),
        sa.Column("caller_e164", sa.String(length=16), nullable=True),
        sa.Column("caller_extension", sa.String(length=6), nullable=True),
        sa.Column("callee_number", sa.String(length=64), nullable=False),
        sa.Column("callee_e164", sa.String(length=16), nullable=True),
        sa.Column("callee_extension", sa.String(length=6), nullable=True),
        sa.Column("extension", sa.String(length=15), nullable=True),
        sa.Column("employee_id", sa.Uuid(), nullable=True),
        sa.Column("client_id", sa.Uuid(), nullable=True),
        sa.Column("contact_id", sa.Uuid(), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ring_seconds", sa.Integer(), nullable=True),
        sa.Column("talk_seconds", sa.Integer(), nullable=True),
        sa.Column("outcome", sa.String(length=10), nullable=True),
        sa.Column("sip_code", sa.Integer(), nullable=True),
        sa.Column("recording", sa.String(length=500), nullable=True),
        sa.Column("legs", sa.JSON(), nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=True),
        *_stamps(),
        fk("employee_id", "employees"),
        fk("client_id", "clients"),
        fk("contact_id", "contacts"),
        fk("event_id", "events"),
        sa.PrimaryKeyConstraint("id", name=f"pk_{prefix}calls"),
        sa.UniqueConstraint("call_ref", name=f"uq_{prefix}calls_call_ref"),
        sa.UniqueConstraint("source", "pbx_id", name=f"uq_{prefix}calls_source"),
        schema=schema,
    )
    op.create_index(
        f"ix_{prefix}calls_employee_id",
        f"{prefix}calls",
        ["employee_id"],
        unique=False,
        schema=schema,
    )
    op.create_index(
        f"ix_{prefix}calls_client",
        f"{prefix}calls",
        ["client_id", "started_at"],
        unique=False,
        schema=schema,
    )
    op.create_table(
        f"{prefix}call_events",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("call_id", sa.Uuid(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("event", sa.JSON(), nullable=False),
        *_stamps(),
        sa.ForeignKeyConstraint(
            ["call_id"],
            [f"{qualified}{prefix}calls.id"],
            name=f"fk_{prefix}call_events_call_id",
        ),
        sa.PrimaryKeyConstraint("id", name=f"pk_{prefix}call_events"),
        sa.UniqueConstraint("call_id", "key", name=f"uq_{prefix}call_events_call_id"),
        schema=schema,
    )


def downgrade() -> None:
    prefix, schema, _ = _target()
    op.drop_table(f"{prefix}call_events", schema=schema)
    op.drop_index(f"ix_{prefix}calls_client", table_name=f"{prefix}calls", schema=schema)
    op.drop_index(f"ix_{prefix}calls_employee_id", table_name=f"{prefix}calls", schema=schema)
    op.drop_table(f"{prefix}calls", schema=schema)
