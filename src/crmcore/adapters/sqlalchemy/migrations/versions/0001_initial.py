"""Initial schema: clients, contacts, phones, employees, event types, events, timeline, history.

Revision ID: 0001
Revises:
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context, op

revision = "0001"
down_revision = None
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
        f"{prefix}employees",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column(
            "code",
            sa.String(length=64).with_variant(sa.String(length=64, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("phone_e164", sa.String(length=16), nullable=True),
        sa.Column("phone_extension", sa.String(length=6), nullable=True),
        sa.Column("extension", sa.String(length=6), nullable=True),
        sa.Column("department", sa.String(length=200), nullable=True),
        sa.Column("position", sa.String(length=200), nullable=True),
        sa.Column("time_zone", sa.String(length=64), nullable=False),
        sa.Column("archived", sa.Boolean(), nullable=False),
        sa.Column("external_id", sa.String(length=200), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=f"pk_{prefix}employees"),
        sa.UniqueConstraint("code", name=f"uq_{prefix}employees_code"),
        schema=schema,
    )
    op.create_index(
        f"ix_{prefix}employees_extension",
        f"{prefix}employees",
        ["extension"],
        unique=False,
        schema=schema,
    )
    op.create_index(
        f"ix_{prefix}employees_external_id",
        f"{prefix}employees",
        ["external_id"],
        unique=False,
        schema=schema,
    )
    op.create_table(
        f"{prefix}event_types",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column(
            "code",
            sa.String(length=32).with_variant(sa.String(length=32, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("category", sa.String(length=16), nullable=False),
        sa.Column("direction", sa.String(length=16), nullable=False),
        sa.Column("system", sa.Boolean(), nullable=False),
        sa.Column("archived", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=f"pk_{prefix}event_types"),
        sa.UniqueConstraint("code", name=f"uq_{prefix}event_types_code"),
        schema=schema,
    )
    op.create_table(
        f"{prefix}history",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Uuid(), nullable=True),
        sa.Column("actor_name", sa.String(length=300), nullable=False),
        sa.Column("entity_kind", sa.String(length=32), nullable=False),
        sa.Column("entity_id", sa.Uuid(), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("field", sa.String(length=64), nullable=True),
        sa.Column("old", sa.Text(), nullable=True),
        sa.Column("new", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=f"pk_{prefix}history"),
        schema=schema,
    )
    op.create_index(
        f"ix_{prefix}history_entity",
        f"{prefix}history",
        ["entity_kind", "entity_id", "at"],
        unique=False,
        schema=schema,
    )
    op.create_table(
        f"{prefix}clients",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("code_key", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=500), nullable=False),
        sa.Column("name_key", sa.String(length=500), nullable=False),
        sa.Column(
            "name_sort",
            sa.String(length=500).with_variant(sa.String(length=500, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("tax_code", sa.String(length=32), nullable=True),
        sa.Column("responsible_id", sa.Uuid(), nullable=True),
        sa.Column("addresses", sa.JSON(), nullable=False),
        sa.Column("phones", sa.JSON(), nullable=False),
        sa.Column("emails", sa.JSON(), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("archived", sa.Boolean(), nullable=False),
        sa.Column("merged_into", sa.Uuid(), nullable=True),
        sa.Column("external_id", sa.String(length=200), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["responsible_id"],
            [f"{qualified}{prefix}employees.id"],
            name=f"fk_{prefix}clients_responsible_id",
        ),
        sa.PrimaryKeyConstraint("id", name=f"pk_{prefix}clients"),
        sa.UniqueConstraint("code", name=f"uq_{prefix}clients_code"),
        schema=schema,
    )
    op.create_index(
        f"ix_{prefix}clients_code_key",
        f"{prefix}clients",
        ["code_key"],
        unique=False,
        schema=schema,
    )
    op.create_index(
        f"ix_{prefix}clients_external_id",
        f"{prefix}clients",
        ["external_id"],
        unique=False,
        schema=schema,
    )
    op.create_index(
        f"ix_{prefix}clients_name_sort",
        f"{prefix}clients",
        ["name_sort"],
        unique=False,
        schema=schema,
    )
    op.create_index(
        f"ix_{prefix}clients_responsible_id",
        f"{prefix}clients",
        ["responsible_id"],
        unique=False,
        schema=schema,
    )
    op.create_index(
        f"ix_{prefix}clients_tax_code",
        f"{prefix}clients",
        ["tax_code"],
        unique=False,
        schema=schema,
    )
    op.create_table(
        f"{prefix}client_emails",
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("address", sa.String(length=320), nullable=False),
        sa.Column("address_key", sa.String(length=320), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"],
            [f"{qualified}{prefix}clients.id"],
            name=f"fk_{prefix}client_emails_client_id",
        ),
        sa.PrimaryKeyConstraint("client_id", "position", name=f"pk_{prefix}client_emails"),
        schema=schema,
    )
    op.create_index(
        f"ix_{prefix}client_emails_address_key",
        f"{prefix}client_emails",
        ["address_key"],
        unique=False,
        schema=schema,
    )
    op.create_table(
        f"{prefix}client_tags",
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("tag", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"],
            [f"{qualified}{prefix}clients.id"],
            name=f"fk_{prefix}client_tags_client_id",
        ),
        sa.PrimaryKeyConstraint("client_id", "position", name=f"pk_{prefix}client_tags"),
        schema=schema,
    )
    op.create_index(
        f"ix_{prefix}client_tags_tag", f"{prefix}client_tags", ["tag"], unique=False, schema=schema
    )
    op.create_table(
        f"{prefix}contacts",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column(
            "name_sort",
            sa.String(length=300).with_variant(sa.String(length=300, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("position", sa.String(length=200), nullable=True),
        sa.Column("phones", sa.JSON(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("archived", sa.Boolean(), nullable=False),
        sa.Column("external_id", sa.String(length=200), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"], [f"{qualified}{prefix}clients.id"], name=f"fk_{prefix}contacts_client_id"
        ),
        sa.PrimaryKeyConstraint("id", name=f"pk_{prefix}contacts"),
        schema=schema,
    )
    op.create_index(
        f"ix_{prefix}contacts_client_id",
        f"{prefix}contacts",
        ["client_id"],
        unique=False,
        schema=schema,
    )
    op.create_index(
        f"ix_{prefix}contacts_external_id",
        f"{prefix}contacts",
        ["external_id"],
        unique=False,
        schema=schema,
    )
    op.create_table(
        f"{prefix}timeline",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("source_id", sa.Uuid(), nullable=False),
        sa.Column("type_code", sa.String(length=32), nullable=True),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("employee_id", sa.Uuid(), nullable=True),
        sa.Column("contact_id", sa.Uuid(), nullable=True),
        sa.ForeignKeyConstraint(
            ["client_id"], [f"{qualified}{prefix}clients.id"], name=f"fk_{prefix}timeline_client_id"
        ),
        sa.PrimaryKeyConstraint("id", name=f"pk_{prefix}timeline"),
        schema=schema,
    )
    op.create_index(
        f"ix_{prefix}timeline_client_moment",
        f"{prefix}timeline",
        ["client_id", "occurred_at", "id"],
        unique=False,
        schema=schema,
    )
    op.create_index(
        f"ix_{prefix}timeline_source",
        f"{prefix}timeline",
        ["kind", "source_id"],
        unique=False,
        schema=schema,
    )
    op.create_table(
        f"{prefix}events",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("type_code", sa.String(length=32), nullable=False),
        sa.Column("client_id", sa.Uuid(), nullable=True),
        sa.Column("contact_id", sa.Uuid(), nullable=True),
        sa.Column("employee_id", sa.Uuid(), nullable=True),
        sa.Column("project_ref", sa.String(length=200), nullable=True),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("duration_us", sa.BigInteger(), nullable=True),
        sa.Column("subject", sa.String(length=500), nullable=False),
        sa.Column("details", sa.Text(), nullable=False),
        sa.Column("outcome", sa.String(length=500), nullable=False),
        sa.Column("external_ref", sa.String(length=200), nullable=True),
        sa.Column("archived", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"], [f"{qualified}{prefix}clients.id"], name=f"fk_{prefix}events_client_id"
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            [f"{qualified}{prefix}contacts.id"],
            name=f"fk_{prefix}events_contact_id",
        ),
        sa.ForeignKeyConstraint(
            ["employee_id"],
            [f"{qualified}{prefix}employees.id"],
            name=f"fk_{prefix}events_employee_id",
        ),
        sa.ForeignKeyConstraint(
            ["type_code"],
            [f"{qualified}{prefix}event_types.code"],
            name=f"fk_{prefix}events_type_code",
        ),
        sa.PrimaryKeyConstraint("id", name=f"pk_{prefix}events"),
        sa.UniqueConstraint("external_ref", name=f"uq_{prefix}events_external_ref"),
        schema=schema,
    )
    op.create_index(
        f"ix_{prefix}events_client_id",
        f"{prefix}events",
        ["client_id"],
        unique=False,
        schema=schema,
    )
    op.create_index(
        f"ix_{prefix}events_contact_id",
        f"{prefix}events",
        ["contact_id"],
        unique=False,
        schema=schema,
    )
    op.create_index(
        f"ix_{prefix}events_employee_id",
        f"{prefix}events",
        ["employee_id"],
        unique=False,
        schema=schema,
    )
    op.create_table(
        f"{prefix}phones",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column("contact_id", sa.Uuid(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("e164", sa.String(length=16), nullable=True),
        sa.Column("extension", sa.String(length=6), nullable=True),
        sa.ForeignKeyConstraint(
            ["client_id"], [f"{qualified}{prefix}clients.id"], name=f"fk_{prefix}phones_client_id"
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            [f"{qualified}{prefix}contacts.id"],
            name=f"fk_{prefix}phones_contact_id",
        ),
        sa.PrimaryKeyConstraint("id", name=f"pk_{prefix}phones"),
        schema=schema,
    )
    op.create_index(
        f"ix_{prefix}phones_client_id",
        f"{prefix}phones",
        ["client_id"],
        unique=False,
        schema=schema,
    )
    op.create_index(
        f"ix_{prefix}phones_contact_id",
        f"{prefix}phones",
        ["contact_id"],
        unique=False,
        schema=schema,
    )
    op.create_index(
        f"ix_{prefix}phones_e164", f"{prefix}phones", ["e164"], unique=False, schema=schema
    )
    op.create_index(
        f"ix_{prefix}phones_extension",
        f"{prefix}phones",
        ["extension"],
        unique=False,
        schema=schema,
    )


def downgrade() -> None:
    prefix, schema, _ = _target()

    op.drop_index(f"ix_{prefix}phones_extension", table_name=f"{prefix}phones", schema=schema)
    op.drop_index(f"ix_{prefix}phones_e164", table_name=f"{prefix}phones", schema=schema)
    op.drop_index(f"ix_{prefix}phones_contact_id", table_name=f"{prefix}phones", schema=schema)
    op.drop_index(f"ix_{prefix}phones_client_id", table_name=f"{prefix}phones", schema=schema)
    op.drop_table(f"{prefix}phones", schema=schema)
    op.drop_index(f"ix_{prefix}events_employee_id", table_name=f"{prefix}events", schema=schema)
    op.drop_index(f"ix_{prefix}events_contact_id", table_name=f"{prefix}events", schema=schema)
    op.drop_index(f"ix_{prefix}events_client_id", table_name=f"{prefix}events", schema=schema)
    op.drop_table(f"{prefix}events", schema=schema)
    op.drop_index(f"ix_{prefix}timeline_source", table_name=f"{prefix}timeline", schema=schema)
    op.drop_index(
        f"ix_{prefix}timeline_client_moment", table_name=f"{prefix}timeline", schema=schema
    )
    op.drop_table(f"{prefix}timeline", schema=schema)
    op.drop_index(f"ix_{prefix}contacts_external_id", table_name=f"{prefix}contacts", schema=schema)
    op.drop_index(f"ix_{prefix}contacts_client_id", table_name=f"{prefix}contacts", schema=schema)
    op.drop_table(f"{prefix}contacts", schema=schema)
    op.drop_index(f"ix_{prefix}client_tags_tag", table_name=f"{prefix}client_tags", schema=schema)
    op.drop_table(f"{prefix}client_tags", schema=schema)
    op.drop_index(
        f"ix_{prefix}client_emails_address_key", table_name=f"{prefix}client_emails", schema=schema
    )
    op.drop_table(f"{prefix}client_emails", schema=schema)
    op.drop_index(f"ix_{prefix}clients_tax_code", table_name=f"{prefix}clients", schema=schema)
    op.drop_index(
        f"ix_{prefix}clients_responsible_id", table_name=f"{prefix}clients", schema=schema
    )
    op.drop_index(f"ix_{prefix}clients_name_sort", table_name=f"{prefix}clients", schema=schema)
    op.drop_index(f"ix_{prefix}clients_external_id", table_name=f"{prefix}clients", schema=schema)
    op.drop_index(f"ix_{prefix}clients_code_key", table_name=f"{prefix}clients", schema=schema)
    op.drop_table(f"{prefix}clients", schema=schema)
    op.drop_index(f"ix_{prefix}history_entity", table_name=f"{prefix}history", schema=schema)
    op.drop_table(f"{prefix}history", schema=schema)
    op.drop_table(f"{prefix}event_types", schema=schema)
    op.drop_index(
        f"ix_{prefix}employees_external_id", table_name=f"{prefix}employees", schema=schema
    )
    op.drop_index(f"ix_{prefix}employees_extension", table_name=f"{prefix}employees", schema=schema)
    op.drop_table(f"{prefix}employees", schema=schema)
