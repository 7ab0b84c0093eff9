"""The tables of tasks, their executor rows, work log and dependencies."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
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

from crmcore.adapters.sqlalchemy.tables.columns import Schema, UTCDateTime, sortable, stamps

__all__ = ["define"]


def define(schema: Schema) -> dict[str, Table]:
    """This capability\'s tables, by their names in :class:`~.catalogue.Tables`."""
    tasks = Table(
        schema.name("tasks"),
        schema.metadata,
        Column("id", Uuid, primary_key=True),
        Column("name", String(500), nullable=False),
        Column("name_sort", sortable(500), nullable=False),
        Column("search_text", Text, nullable=False),
        Column("description", Text, nullable=False),
        Column("author_id", Uuid, ForeignKey(schema.fk("employees")), index=True),
        Column("controller_id", Uuid, ForeignKey(schema.fk("employees")), index=True),
        Column("type_code", String(32), ForeignKey(schema.fk("event_types", "code"))),
        Column("client_id", Uuid, ForeignKey(schema.fk("clients")), index=True),
        Column("contact_id", Uuid, ForeignKey(schema.fk("contacts"))),
        Column("project_id", Uuid, ForeignKey(schema.fk("projects")), index=True),
        Column("event_id", Uuid, ForeignKey(schema.fk("events")), index=True),
        Column("planned_start", UTCDateTime, nullable=False),
        Column("planned_end", UTCDateTime, nullable=False),
        Column("planned_hours", BigInteger),
        Column("percent_done", Integer, nullable=False),
        Column("hours_spent", BigInteger, nullable=False),
        Column("status", String(16), nullable=False),
        Column("colour", String(32)),
        Column("priority", String(16), nullable=False),
        Column("priority_order", Integer, nullable=False),
        Column("tags", JSON, nullable=False),
        Column("progress_mode", String(16), nullable=False),
        Column("time_zone", String(64), nullable=False),
        Column("resume_status", String(16)),
        Column("watchers", JSON, nullable=False),
        Column("series_id", Uuid),
        Column("occurrence", UTCDateTime),
        Column("external_ref", String(300)),
        Column("archived", Boolean, nullable=False),
        *stamps(),
    )
    # Unique indexes rather than constraints: SQLite can add those to a table in place.
    Index(f"ix_{schema.prefix}tasks_occurrence", tasks.c.series_id, tasks.c.occurrence, unique=True)
    Index(f"ix_{schema.prefix}tasks_external_ref", tasks.c.external_ref, unique=True)
    Index(f"ix_{schema.prefix}tasks_due", tasks.c.planned_end, tasks.c.id)
    Index(f"ix_{schema.prefix}tasks_status_due", tasks.c.status, tasks.c.planned_end)
    executors = Table(
        schema.name("task_executors"),
        schema.metadata,
        Column("id", Uuid, primary_key=True),
        Column("task_id", Uuid, ForeignKey(schema.fk("tasks")), nullable=False, index=True),
        Column("kind", String(16), nullable=False),
        Column("employee_id", Uuid, ForeignKey(schema.fk("employees"))),
        Column("group", String(200)),
        Column("planned_start", UTCDateTime, nullable=False),
        Column("planned_end", UTCDateTime, nullable=False),
        Column("status", String(16), nullable=False),
        Column("percent_done", Integer, nullable=False),
        Column("planned_hours", BigInteger),
        Column("hours_spent", BigInteger, nullable=False),
        Column("comment", Text, nullable=False),
        Column("position", Integer, nullable=False),
        *stamps(),
    )
    Index(
        f"ix_{schema.prefix}task_executors_employee", executors.c.employee_id, executors.c.task_id
    )
    Index(
        f"ix_{schema.prefix}task_executors_employee_period",
        executors.c.employee_id,
        executors.c.planned_start,
    )
    work_log = Table(
        schema.name("work_log"),
        schema.metadata,
        Column("id", Uuid, primary_key=True),
        Column("task_id", Uuid, ForeignKey(schema.fk("tasks")), nullable=False, index=True),
        Column(
            "executor_id", Uuid, ForeignKey(schema.fk("task_executors")), nullable=False, index=True
        ),
        Column("employee_id", Uuid, ForeignKey(schema.fk("employees"))),
        Column("worked_on", UTCDateTime, nullable=False),
        Column("hours", BigInteger, nullable=False),
        Column("note", Text, nullable=False),
        *stamps(),
    )
    Index(f"ix_{schema.prefix}work_log_employee_day", work_log.c.employee_id, work_log.c.worked_on)
    dependencies = Table(
        schema.name("task_dependencies"),
        schema.metadata,
        Column("id", Uuid, primary_key=True),
        Column("predecessor_id", Uuid, ForeignKey(schema.fk("tasks")), nullable=False),
        Column("successor_id", Uuid, ForeignKey(schema.fk("tasks")), nullable=False, index=True),
        Column("kind", String(20), nullable=False),
        Column("lag", BigInteger, nullable=False),
        *stamps(),
        UniqueConstraint("predecessor_id", "successor_id"),
    )
    return {
        "tasks": tasks,
        "executors": executors,
        "work_log": work_log,
        "dependencies": dependencies,
    }
