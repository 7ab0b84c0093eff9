"""Reminders, repeating tasks, the notification outbox and inbox, preferences, calendar sync.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context, op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def _target() -> tuple[str, str | None, str]:
    """(table prefix, schema, "schema." or ""), as crmcore passed them to alembic."""
    attributes = context.config.attributes
    schema = attributes["schema"]
    return attributes["table_prefix"], schema, f"{schema}." if schema else ""


def upgrade() -> None:
    prefix, schema, qualified = _target()
    op.create_table(
        f"{prefix}calendar_subscriptions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("employee_id", sa.Uuid(), nullable=False),
        sa.Column("url", sa.String(length=1000), nullable=False),
        sa.Column("sync_token", sa.Text(), nullable=True),
        sa.Column("synced_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["employee_id"],
            [f"{qualified}{prefix}employees.id"],
            name=f"fk_{prefix}calendar_subscriptions_employee_id",
        ),
        sa.PrimaryKeyConstraint("id", name=f"pk_{prefix}calendar_subscriptions"),
        sa.UniqueConstraint(
            "employee_id", "url", name=f"uq_{prefix}calendar_subscriptions_employee_id"
        ),
        schema=schema,
    )
    op.create_table(
        f"{prefix}notification_preferences",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("employee_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("channels", sa.JSON(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["employee_id"],
            [f"{qualified}{prefix}employees.id"],
            name=f"fk_{prefix}notification_preferences_employee_id",
        ),
        sa.PrimaryKeyConstraint("id", name=f"pk_{prefix}notification_preferences"),
        sa.UniqueConstraint(
            "employee_id", "kind", name=f"uq_{prefix}notification_preferences_employee_id"
        ),
        schema=schema,
    )
    op.create_table(
        f"{prefix}outbox",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("recipient_id", sa.Uuid(), nullable=True),
        sa.Column("recipient_name", sa.String(length=300), nullable=False),
        sa.Column("address", sa.String(length=320), nullable=False),
        sa.Column("subject", sa.String(length=500), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("entity_kind", sa.String(length=32), nullable=True),
        sa.Column("entity_id", sa.Uuid(), nullable=True),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("provider_id", sa.String(length=300), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["recipient_id"],
            [f"{qualified}{prefix}employees.id"],
            name=f"fk_{prefix}outbox_recipient_id",
        ),
        sa.PrimaryKeyConstraint("id", name=f"pk_{prefix}outbox"),
        sa.UniqueConstraint("key", name=f"uq_{prefix}outbox_key"),
        schema=schema,
    )
    op.create_index(
        f"ix_{prefix}outbox_due",
        f"{prefix}outbox",
        ["status", "next_attempt_at"],
        unique=False,
        schema=schema,
    )
    op.create_index(
        f"ix_{prefix}outbox_recipient_id",
        f"{prefix}outbox",
        ["recipient_id"],
        unique=False,
        schema=schema,
    )
    op.create_table(
        f"{prefix}calendar_synced_items",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("subscription_id", sa.Uuid(), nullable=False),
        sa.Column("uid", sa.String(length=500), nullable=False),
        sa.Column("entity_kind", sa.String(length=32), nullable=False),
        sa.Column("entity_id", sa.Uuid(), nullable=False),
        sa.Column("href", sa.String(length=1000), nullable=False),
        sa.Column("etag", sa.String(length=500), nullable=True),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            [f"{qualified}{prefix}calendar_subscriptions.id"],
            name=f"fk_{prefix}calendar_synced_items_subscription_id",
        ),
        sa.PrimaryKeyConstraint("id", name=f"pk_{prefix}calendar_synced_items"),
        sa.UniqueConstraint(
            "subscription_id", "uid", name=f"uq_{prefix}calendar_synced_items_subscription_id"
        ),
        schema=schema,
    )
    op.create_table(
        f"{prefix}inbox",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("employee_id", sa.Uuid(), nullable=False),
        sa.Column("message_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("entity_kind", sa.String(length=32), nullable=True),
        sa.Column("entity_id", sa.Uuid(), nullable=True),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["employee_id"],
            [f"{qualified}{prefix}employees.id"],
            name=f"fk_{prefix}inbox_employee_id",
        ),
        sa.ForeignKeyConstraint(
            ["message_id"], [f"{qualified}{prefix}outbox.id"], name=f"fk_{prefix}inbox_message_id"
        ),
        sa.PrimaryKeyConstraint("id", name=f"pk_{prefix}inbox"),
        sa.UniqueConstraint("message_id", name=f"uq_{prefix}inbox_message_id"),
        schema=schema,
    )
    op.create_index(
        f"ix_{prefix}inbox_employee",
        f"{prefix}inbox",
        ["employee_id", "created_at"],
        unique=False,
        schema=schema,
    )
    op.create_table(
        f"{prefix}reminders",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("task_id", sa.Uuid(), nullable=False),
        sa.Column("before", sa.BigInteger(), nullable=False),
        sa.Column("anchor", sa.String(length=8), nullable=False),
        sa.Column("recipients", sa.JSON(), nullable=False),
        sa.Column("channels", sa.JSON(), nullable=False),
        sa.Column("repeat_every", sa.BigInteger(), nullable=True),
        sa.Column("next_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("fired", sa.Integer(), nullable=False),
        sa.Column("acknowledged_by", sa.JSON(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["task_id"], [f"{qualified}{prefix}tasks.id"], name=f"fk_{prefix}reminders_task_id"
        ),
        sa.PrimaryKeyConstraint("id", name=f"pk_{prefix}reminders"),
        schema=schema,
    )
    op.create_index(
        f"ix_{prefix}reminders_next_at",
        f"{prefix}reminders",
        ["next_at"],
        unique=False,
        schema=schema,
    )
    op.create_index(
        f"ix_{prefix}reminders_task_id",
        f"{prefix}reminders",
        ["task_id"],
        unique=False,
        schema=schema,
    )
    op.create_table(
        f"{prefix}task_series",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("template_id", sa.Uuid(), nullable=False),
        sa.Column("frequency", sa.String(length=8), nullable=False),
        sa.Column("interval", sa.Integer(), nullable=False),
        sa.Column("weekdays", sa.JSON(), nullable=False),
        sa.Column("month_day", sa.Integer(), nullable=True),
        sa.Column("nth", sa.Integer(), nullable=True),
        sa.Column("month", sa.Integer(), nullable=True),
        sa.Column("week_start", sa.Integer(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=True),
        sa.Column("until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("time_zone", sa.String(length=64), nullable=False),
        sa.Column("exceptions", sa.JSON(), nullable=False),
        sa.Column("lead", sa.BigInteger(), nullable=False),
        sa.Column("next_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("materialise_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("archived", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["template_id"],
            [f"{qualified}{prefix}tasks.id"],
            name=f"fk_{prefix}task_series_template_id",
        ),
        sa.PrimaryKeyConstraint("id", name=f"pk_{prefix}task_series"),
        schema=schema,
    )
    op.create_index(
        f"ix_{prefix}task_series_materialise_at",
        f"{prefix}task_series",
        ["materialise_at"],
        unique=False,
        schema=schema,
    )
    op.create_index(
        f"ix_{prefix}task_series_template_id",
        f"{prefix}task_series",
        ["template_id"],
        unique=False,
        schema=schema,
    )
    op.add_column(
        f"{prefix}tasks",
        sa.Column("watchers", sa.JSON(), nullable=False, server_default="[]"),
        schema=schema,
    )
    op.add_column(f"{prefix}tasks", sa.Column("series_id", sa.Uuid(), nullable=True), schema=schema)
    op.add_column(
        f"{prefix}tasks",
        sa.Column("occurrence", sa.DateTime(timezone=True), nullable=True),
        schema=schema,
    )
    op.add_column(
        f"{prefix}tasks",
        sa.Column("external_ref", sa.String(length=300), nullable=True),
        schema=schema,
    )
    op.create_index(
        f"ix_{prefix}tasks_external_ref",
        f"{prefix}tasks",
        ["external_ref"],
        unique=True,
        schema=schema,
    )
    op.create_index(
        f"ix_{prefix}tasks_occurrence",
        f"{prefix}tasks",
        ["series_id", "occurrence"],
        unique=True,
        schema=schema,
    )


def downgrade() -> None:
    prefix, schema, _ = _target()
    op.drop_index(f"ix_{prefix}tasks_occurrence", table_name=f"{prefix}tasks", schema=schema)
    op.drop_index(f"ix_{prefix}tasks_external_ref", table_name=f"{prefix}tasks", schema=schema)
    op.drop_column(f"{prefix}tasks", "external_ref", schema=schema)
    op.drop_column(f"{prefix}tasks", "occurrence", schema=schema)
    op.drop_column(f"{prefix}tasks", "series_id", schema=schema)
    op.drop_column(f"{prefix}tasks", "watchers", schema=schema)
    op.drop_index(
        f"ix_{prefix}task_series_template_id", table_name=f"{prefix}task_series", schema=schema
    )
    op.drop_index(
        f"ix_{prefix}task_series_materialise_at", table_name=f"{prefix}task_series", schema=schema
    )
    op.drop_table(f"{prefix}task_series", schema=schema)
    op.drop_index(f"ix_{prefix}reminders_task_id", table_name=f"{prefix}reminders", schema=schema)
    op.drop_index(f"ix_{prefix}reminders_next_at", table_name=f"{prefix}reminders", schema=schema)
    op.drop_table(f"{prefix}reminders", schema=schema)
    op.drop_index(f"ix_{prefix}inbox_employee", table_name=f"{prefix}inbox", schema=schema)
    op.drop_table(f"{prefix}inbox", schema=schema)
    op.drop_table(f"{prefix}calendar_synced_items", schema=schema)
    op.drop_index(f"ix_{prefix}outbox_recipient_id", table_name=f"{prefix}outbox", schema=schema)
    op.drop_index(f"ix_{prefix}outbox_due", table_name=f"{prefix}outbox", schema=schema)
    op.drop_table(f"{prefix}outbox", schema=schema)
    op.drop_table(f"{prefix}notification_preferences", schema=schema)
    op.drop_table(f"{prefix}calendar_subscriptions", schema=schema)
