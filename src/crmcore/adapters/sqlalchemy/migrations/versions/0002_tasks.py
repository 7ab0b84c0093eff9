"""Tasks, projects, discussion, links, attachments and user fields; contacts get a fax.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context, op

revision = "0002"
down_revision = "0001"
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
        f"{prefix}field_definitions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("entity_kind", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("required", sa.Boolean(), nullable=False),
        sa.Column("choices", sa.JSON(), nullable=False),
        sa.Column("default", sa.JSON(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("archived", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=f"pk_{prefix}field_definitions"),
        sa.UniqueConstraint(
            "entity_kind", "name", name=f"uq_{prefix}field_definitions_entity_kind"
        ),
        schema=schema,
    )
    op.create_table(
        f"{prefix}field_values",
        sa.Column("entity_kind", sa.String(length=32), nullable=False),
        sa.Column("entity_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("position", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("key_prefix", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint(
            "entity_kind", "entity_id", "name", "position", name=f"pk_{prefix}field_values"
        ),
        schema=schema,
    )
    op.create_index(
        f"ix_{prefix}field_values_lookup",
        f"{prefix}field_values",
        ["entity_kind", "name", "key_prefix"],
        unique=False,
        schema=schema,
    )
    op.create_table(
        f"{prefix}links",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("source_kind", sa.String(length=32), nullable=False),
        sa.Column("source_id", sa.Uuid(), nullable=False),
        sa.Column("target_kind", sa.String(length=32), nullable=False),
        sa.Column("target_id", sa.String(length=200), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=f"pk_{prefix}links"),
        schema=schema,
    )
    op.create_index(
        f"ix_{prefix}links_source",
        f"{prefix}links",
        ["source_kind", "source_id"],
        unique=False,
        schema=schema,
    )
    op.create_index(
        f"ix_{prefix}links_target",
        f"{prefix}links",
        ["target_kind", "target_id"],
        unique=False,
        schema=schema,
    )
    op.create_table(
        f"{prefix}attachments",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("entity_kind", sa.String(length=32), nullable=False),
        sa.Column("entity_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("media_type", sa.String(length=255), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("author_id", sa.Uuid(), nullable=True),
        sa.Column("archived", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"],
            [f"{qualified}{prefix}employees.id"],
            name=f"fk_{prefix}attachments_author_id",
        ),
        sa.PrimaryKeyConstraint("id", name=f"pk_{prefix}attachments"),
        schema=schema,
    )
    op.create_index(
        f"ix_{prefix}attachments_entity",
        f"{prefix}attachments",
        ["entity_kind", "entity_id"],
        unique=False,
        schema=schema,
    )
    op.create_index(
        f"ix_{prefix}attachments_sha256",
        f"{prefix}attachments",
        ["sha256"],
        unique=False,
        schema=schema,
    )
    op.create_table(
        f"{prefix}comments",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("entity_kind", sa.String(length=32), nullable=False),
        sa.Column("entity_id", sa.Uuid(), nullable=False),
        sa.Column("author_id", sa.Uuid(), nullable=True),
        sa.Column("author_name", sa.String(length=300), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("mentions", sa.JSON(), nullable=False),
        sa.Column("edited", sa.Boolean(), nullable=False),
        sa.Column("archived", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"],
            [f"{qualified}{prefix}employees.id"],
            name=f"fk_{prefix}comments_author_id",
        ),
        sa.PrimaryKeyConstraint("id", name=f"pk_{prefix}comments"),
        schema=schema,
    )
    op.create_index(
        f"ix_{prefix}comments_entity",
        f"{prefix}comments",
        ["entity_kind", "entity_id"],
        unique=False,
        schema=schema,
    )
    op.create_table(
        f"{prefix}projects",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=500), nullable=False),
        sa.Column(
            "name_sort",
            sa.String(length=500).with_variant(sa.String(length=500, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("client_id", sa.Uuid(), nullable=True),
        sa.Column("manager_id", sa.Uuid(), nullable=True),
        sa.Column("controller_id", sa.Uuid(), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("planned_start", sa.DateTime(timezone=True), nullable=True),
        sa.Column("planned_end", sa.DateTime(timezone=True), nullable=True),
        sa.Column("archived", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"], [f"{qualified}{prefix}clients.id"], name=f"fk_{prefix}projects_client_id"
        ),
        sa.ForeignKeyConstraint(
            ["controller_id"],
            [f"{qualified}{prefix}employees.id"],
            name=f"fk_{prefix}projects_controller_id",
        ),
        sa.ForeignKeyConstraint(
            ["manager_id"],
            [f"{qualified}{prefix}employees.id"],
            name=f"fk_{prefix}projects_manager_id",
        ),
        sa.PrimaryKeyConstraint("id", name=f"pk_{prefix}projects"),
        sa.UniqueConstraint("code", name=f"uq_{prefix}projects_code"),
        schema=schema,
    )
    op.create_index(
        f"ix_{prefix}projects_client_id",
        f"{prefix}projects",
        ["client_id"],
        unique=False,
        schema=schema,
    )
    op.create_table(
        f"{prefix}tasks",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=500), nullable=False),
        sa.Column(
            "name_sort",
            sa.String(length=500).with_variant(sa.String(length=500, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("author_id", sa.Uuid(), nullable=True),
        sa.Column("controller_id", sa.Uuid(), nullable=True),
        sa.Column("type_code", sa.String(length=32), nullable=True),
        sa.Column("client_id", sa.Uuid(), nullable=True),
        sa.Column("contact_id", sa.Uuid(), nullable=True),
        sa.Column("project_id", sa.Uuid(), nullable=True),
        sa.Column("event_id", sa.Uuid(), nullable=True),
        sa.Column("planned_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("planned_end", sa.DateTime(timezone=True), nullable=False),
        sa.Column("planned_hours", sa.BigInteger(), nullable=True),
        sa.Column("percent_done", sa.Integer(), nullable=False),
        sa.Column("hours_spent", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("colour", sa.String(length=32), nullable=True),
        sa.Column("priority", sa.String(length=16), nullable=False),
        sa.Column("priority_order", sa.Integer(), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("progress_mode", sa.String(length=16), nullable=False),
        sa.Column("time_zone", sa.String(length=64), nullable=False),
        sa.Column("resume_status", sa.String(length=16), nullable=True),
        sa.Column("archived", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"], [f"{qualified}{prefix}employees.id"], name=f"fk_{prefix}tasks_author_id"
        ),
        sa.ForeignKeyConstraint(
            ["client_id"], [f"{qualified}{prefix}clients.id"], name=f"fk_{prefix}tasks_client_id"
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"], [f"{qualified}{prefix}contacts.id"], name=f"fk_{prefix}tasks_contact_id"
        ),
        sa.ForeignKeyConstraint(
            ["controller_id"],
            [f"{qualified}{prefix}employees.id"],
            name=f"fk_{prefix}tasks_controller_id",
        ),
        sa.ForeignKeyConstraint(
            ["event_id"], [f"{qualified}{prefix}events.id"], name=f"fk_{prefix}tasks_event_id"
        ),
        sa.ForeignKeyConstraint(
            ["project_id"], [f"{qualified}{prefix}projects.id"], name=f"fk_{prefix}tasks_project_id"
        ),
        sa.ForeignKeyConstraint(
            ["type_code"],
            [f"{qualified}{prefix}event_types.code"],
            name=f"fk_{prefix}tasks_type_code",
        ),
        sa.PrimaryKeyConstraint("id", name=f"pk_{prefix}tasks"),
        schema=schema,
    )
    op.create_index(
        f"ix_{prefix}tasks_author_id", f"{prefix}tasks", ["author_id"], unique=False, schema=schema
    )
    op.create_index(
        f"ix_{prefix}tasks_client_id", f"{prefix}tasks", ["client_id"], unique=False, schema=schema
    )
    op.create_index(
        f"ix_{prefix}tasks_controller_id",
        f"{prefix}tasks",
        ["controller_id"],
        unique=False,
        schema=schema,
    )
    op.create_index(
        f"ix_{prefix}tasks_due",
        f"{prefix}tasks",
        ["planned_end", "id"],
        unique=False,
        schema=schema,
    )
    op.create_index(
        f"ix_{prefix}tasks_event_id", f"{prefix}tasks", ["event_id"], unique=False, schema=schema
    )
    op.create_index(
        f"ix_{prefix}tasks_project_id",
        f"{prefix}tasks",
        ["project_id"],
        unique=False,
        schema=schema,
    )
    op.create_index(
        f"ix_{prefix}tasks_status_due",
        f"{prefix}tasks",
        ["status", "planned_end"],
        unique=False,
        schema=schema,
    )
    op.create_table(
        f"{prefix}task_dependencies",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("predecessor_id", sa.Uuid(), nullable=False),
        sa.Column("successor_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("lag", sa.BigInteger(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["predecessor_id"],
            [f"{qualified}{prefix}tasks.id"],
            name=f"fk_{prefix}task_dependencies_predecessor_id",
        ),
        sa.ForeignKeyConstraint(
            ["successor_id"],
            [f"{qualified}{prefix}tasks.id"],
            name=f"fk_{prefix}task_dependencies_successor_id",
        ),
        sa.PrimaryKeyConstraint("id", name=f"pk_{prefix}task_dependencies"),
        sa.UniqueConstraint(
            "predecessor_id", "successor_id", name=f"uq_{prefix}task_dependencies_predecessor_id"
        ),
        schema=schema,
    )
    op.create_index(
        f"ix_{prefix}task_dependencies_successor_id",
        f"{prefix}task_dependencies",
        ["successor_id"],
        unique=False,
        schema=schema,
    )
    op.create_table(
        f"{prefix}task_executors",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("task_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("employee_id", sa.Uuid(), nullable=True),
        sa.Column("group", sa.String(length=200), nullable=True),
        sa.Column("planned_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("planned_end", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("percent_done", sa.Integer(), nullable=False),
        sa.Column("planned_hours", sa.BigInteger(), nullable=True),
        sa.Column("hours_spent", sa.BigInteger(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["employee_id"],
            [f"{qualified}{prefix}employees.id"],
            name=f"fk_{prefix}task_executors_employee_id",
        ),
        sa.ForeignKeyConstraint(
            ["task_id"], [f"{qualified}{prefix}tasks.id"], name=f"fk_{prefix}task_executors_task_id"
        ),
        sa.PrimaryKeyConstraint("id", name=f"pk_{prefix}task_executors"),
        schema=schema,
    )
    op.create_index(
        f"ix_{prefix}task_executors_employee",
        f"{prefix}task_executors",
        ["employee_id", "task_id"],
        unique=False,
        schema=schema,
    )
    op.create_index(
        f"ix_{prefix}task_executors_employee_period",
        f"{prefix}task_executors",
        ["employee_id", "planned_start"],
        unique=False,
        schema=schema,
    )
    op.create_index(
        f"ix_{prefix}task_executors_task_id",
        f"{prefix}task_executors",
        ["task_id"],
        unique=False,
        schema=schema,
    )
    op.create_table(
        f"{prefix}work_log",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("task_id", sa.Uuid(), nullable=False),
        sa.Column("executor_id", sa.Uuid(), nullable=False),
        sa.Column("employee_id", sa.Uuid(), nullable=True),
        sa.Column("worked_on", sa.DateTime(timezone=True), nullable=False),
        sa.Column("hours", sa.BigInteger(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["employee_id"],
            [f"{qualified}{prefix}employees.id"],
            name=f"fk_{prefix}work_log_employee_id",
        ),
        sa.ForeignKeyConstraint(
            ["executor_id"],
            [f"{qualified}{prefix}task_executors.id"],
            name=f"fk_{prefix}work_log_executor_id",
        ),
        sa.ForeignKeyConstraint(
            ["task_id"], [f"{qualified}{prefix}tasks.id"], name=f"fk_{prefix}work_log_task_id"
        ),
        sa.PrimaryKeyConstraint("id", name=f"pk_{prefix}work_log"),
        schema=schema,
    )
    op.create_index(
        f"ix_{prefix}work_log_employee_day",
        f"{prefix}work_log",
        ["employee_id", "worked_on"],
        unique=False,
        schema=schema,
    )
    op.create_index(
        f"ix_{prefix}work_log_executor_id",
        f"{prefix}work_log",
        ["executor_id"],
        unique=False,
        schema=schema,
    )
    op.create_index(
        f"ix_{prefix}work_log_task_id",
        f"{prefix}work_log",
        ["task_id"],
        unique=False,
        schema=schema,
    )
    op.add_column(f"{prefix}contacts", sa.Column("fax", sa.JSON(), nullable=True), schema=schema)


def downgrade() -> None:
    prefix, schema, _ = _target()
    op.drop_column(f"{prefix}contacts", "fax", schema=schema)
    op.drop_index(f"ix_{prefix}work_log_task_id", table_name=f"{prefix}work_log", schema=schema)
    op.drop_index(f"ix_{prefix}work_log_executor_id", table_name=f"{prefix}work_log", schema=schema)
    op.drop_index(
        f"ix_{prefix}work_log_employee_day", table_name=f"{prefix}work_log", schema=schema
    )
    op.drop_table(f"{prefix}work_log", schema=schema)
    op.drop_index(
        f"ix_{prefix}task_executors_task_id", table_name=f"{prefix}task_executors", schema=schema
    )
    op.drop_index(
        f"ix_{prefix}task_executors_employee_period",
        table_name=f"{prefix}task_executors",
        schema=schema,
    )
    op.drop_index(
        f"ix_{prefix}task_executors_employee", table_name=f"{prefix}task_executors", schema=schema
    )
    op.drop_table(f"{prefix}task_executors", schema=schema)
    op.drop_index(
        f"ix_{prefix}task_dependencies_successor_id",
        table_name=f"{prefix}task_dependencies",
        schema=schema,
    )
    op.drop_table(f"{prefix}task_dependencies", schema=schema)
    op.drop_index(f"ix_{prefix}tasks_status_due", table_name=f"{prefix}tasks", schema=schema)
    op.drop_index(f"ix_{prefix}tasks_project_id", table_name=f"{prefix}tasks", schema=schema)
    op.drop_index(f"ix_{prefix}tasks_event_id", table_name=f"{prefix}tasks", schema=schema)
    op.drop_index(f"ix_{prefix}tasks_due", table_name=f"{prefix}tasks", schema=schema)
    op.drop_index(f"ix_{prefix}tasks_controller_id", table_name=f"{prefix}tasks", schema=schema)
    op.drop_index(f"ix_{prefix}tasks_client_id", table_name=f"{prefix}tasks", schema=schema)
    op.drop_index(f"ix_{prefix}tasks_author_id", table_name=f"{prefix}tasks", schema=schema)
    op.drop_table(f"{prefix}tasks", schema=schema)
    op.drop_index(f"ix_{prefix}projects_client_id", table_name=f"{prefix}projects", schema=schema)
    op.drop_table(f"{prefix}projects", schema=schema)
    op.drop_index(f"ix_{prefix}comments_entity", table_name=f"{prefix}comments", schema=schema)
    op.drop_table(f"{prefix}comments", schema=schema)
    op.drop_index(
        f"ix_{prefix}attachments_sha256", table_name=f"{prefix}attachments", schema=schema
    )
    op.drop_index(
        f"ix_{prefix}attachments_entity", table_name=f"{prefix}attachments", schema=schema
    )
    op.drop_table(f"{prefix}attachments", schema=schema)
    op.drop_index(f"ix_{prefix}links_target", table_name=f"{prefix}links", schema=schema)
    op.drop_index(f"ix_{prefix}links_source", table_name=f"{prefix}links", schema=schema)
    op.drop_table(f"{prefix}links", schema=schema)
    op.drop_index(
        f"ix_{prefix}field_values_lookup", table_name=f"{prefix}field_values", schema=schema
    )
    op.drop_table(f"{prefix}field_values", schema=schema)
    op.drop_table(f"{prefix}field_definitions", schema=schema)
