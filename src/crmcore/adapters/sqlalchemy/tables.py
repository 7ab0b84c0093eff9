"""crmcore's tables as SQLAlchemy Core, built per table prefix and schema."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import attrs
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
    Uuid,
)

__all__ = ["Tables", "UTCDateTime", "build_tables"]


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes stored in UTC; read back aware in UTC on every database.

    SQLite keeps them as fixed-width text, so text order is time order.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        value = value.astimezone(UTC)
        return value if dialect.name == "postgresql" else value.replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _sortable(length: int) -> Any:
    # Code point order everywhere, as the memory backend sorts: SQLite's BINARY
    # collation gives it; PostgreSQL needs the "C" collation for it.
    return String(length).with_variant(String(length, collation="C"), "postgresql")


NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_name)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s",
    "pk": "pk_%(table_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
}


@attrs.frozen
class Tables:
    metadata: MetaData
    clients: Table
    client_emails: Table
    client_tags: Table
    contacts: Table
    phones: Table
    employees: Table
    event_types: Table
    events: Table
    timeline: Table
    history: Table
    projects: Table
    tasks: Table
    executors: Table
    work_log: Table
    dependencies: Table
    comments: Table
    links: Table
    attachments: Table
    field_definitions: Table
    field_values: Table
    reminders: Table
    series: Table
    messages: Table
    inbox: Table
    preferences: Table
    subscriptions: Table
    synced_items: Table


def _stamps() -> list[Column[Any]]:
    return [
        Column("version", Integer, nullable=False),
        Column("created_at", UTCDateTime, nullable=False),
        Column("updated_at", UTCDateTime, nullable=False),
    ]


def build_tables(prefix: str = "crm_", schema: str | None = None) -> Tables:
    """The tables, named ``prefix + name`` in ``schema``."""
    metadata = MetaData(schema=schema, naming_convention=NAMING)
    qualified = f"{schema}." if schema else ""

    def fk(table: str) -> str:
        return f"{qualified}{prefix}{table}.id"

    employees = Table(
        f"{prefix}employees",
        metadata,
        Column("id", Uuid, primary_key=True),
        Column("code", _sortable(64), nullable=False, unique=True),
        Column("name", String(300), nullable=False),
        Column("email", String(320)),
        Column("phone_e164", String(16)),
        Column("phone_extension", String(6)),
        Column("extension", String(6), index=True),
        Column("department", String(200)),
        Column("position", String(200)),
        Column("time_zone", String(64), nullable=False),
        Column("archived", Boolean, nullable=False),
        Column("external_id", String(200), index=True),
        *_stamps(),
    )
    clients = Table(
        f"{prefix}clients",
        metadata,
        Column("id", Uuid, primary_key=True),
        Column("code", String(64), nullable=False, unique=True),
        Column("code_key", String(64), nullable=False, index=True),
        Column("name", String(500), nullable=False),
        Column("name_key", String(500), nullable=False),
        Column("name_sort", _sortable(500), nullable=False, index=True),
        Column("kind", String(16), nullable=False),
        Column("tax_code", String(32), index=True),
        Column("responsible_id", Uuid, ForeignKey(fk("employees")), index=True),
        Column("addresses", JSON, nullable=False),
        # The lists are kept whole here for reading a client in one row, and
        # one item a row in the tables below for indexed lookups.
        Column("phones", JSON, nullable=False),
        Column("emails", JSON, nullable=False),
        Column("tags", JSON, nullable=False),
        Column("notes", Text, nullable=False),
        Column("archived", Boolean, nullable=False),
        Column("merged_into", Uuid),
        Column("external_id", String(200), index=True),
        *_stamps(),
    )
    client_emails = Table(
        f"{prefix}client_emails",
        metadata,
        Column("client_id", Uuid, ForeignKey(fk("clients")), primary_key=True),
        Column("position", Integer, primary_key=True, autoincrement=False),
        Column("address", String(320), nullable=False),
        Column("address_key", String(320), nullable=False, index=True),
    )
    client_tags = Table(
        f"{prefix}client_tags",
        metadata,
        Column("client_id", Uuid, ForeignKey(fk("clients")), primary_key=True),
        Column("position", Integer, primary_key=True, autoincrement=False),
        Column("tag", String(100), nullable=False, index=True),
    )
    contacts = Table(
        f"{prefix}contacts",
        metadata,
        Column("id", Uuid, primary_key=True),
        Column("client_id", Uuid, ForeignKey(fk("clients")), nullable=False, index=True),
        Column("name", String(300), nullable=False),
        Column("name_sort", _sortable(300), nullable=False),
        Column("position", String(200)),
        Column("phones", JSON, nullable=False),
        Column("fax", JSON),
        Column("email", String(320)),
        Column("notes", Text, nullable=False),
        Column("archived", Boolean, nullable=False),
        Column("external_id", String(200), index=True),
        *_stamps(),
    )
    phones = Table(
        f"{prefix}phones",
        metadata,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("client_id", Uuid, ForeignKey(fk("clients")), nullable=False, index=True),
        Column("contact_id", Uuid, ForeignKey(fk("contacts")), index=True),
        Column("position", Integer, nullable=False),
        Column("e164", String(16), index=True),
        Column("extension", String(6), index=True),
    )
    event_types = Table(
        f"{prefix}event_types",
        metadata,
        Column("id", Uuid, primary_key=True),
        Column("code", _sortable(32), nullable=False, unique=True),
        Column("name", String(200), nullable=False),
        Column("category", String(16), nullable=False),
        Column("direction", String(16), nullable=False),
        Column("system", Boolean, nullable=False),
        Column("archived", Boolean, nullable=False),
        *_stamps(),
    )
    events = Table(
        f"{prefix}events",
        metadata,
        Column("id", Uuid, primary_key=True),
        Column(
            "type_code",
            String(32),
            ForeignKey(f"{qualified}{prefix}event_types.code"),
            nullable=False,
        ),
        Column("client_id", Uuid, ForeignKey(fk("clients")), index=True),
        Column("contact_id", Uuid, ForeignKey(fk("contacts")), index=True),
        Column("employee_id", Uuid, ForeignKey(fk("employees")), index=True),
        Column("project_ref", String(200)),
        Column("occurred_at", UTCDateTime, nullable=False),
        Column("duration_us", BigInteger),
        Column("subject", String(500), nullable=False),
        Column("details", Text, nullable=False),
        Column("outcome", String(500), nullable=False),
        Column("external_ref", String(200), unique=True),
        Column("archived", Boolean, nullable=False),
        *_stamps(),
    )
    timeline = Table(
        f"{prefix}timeline",
        metadata,
        Column("id", Uuid, primary_key=True),
        Column("client_id", Uuid, ForeignKey(fk("clients")), nullable=False),
        Column("occurred_at", UTCDateTime, nullable=False),
        Column("kind", String(32), nullable=False),
        Column("source_id", Uuid, nullable=False),
        Column("type_code", String(32)),
        Column("title", String(500), nullable=False),
        Column("summary", Text, nullable=False),
        Column("employee_id", Uuid),
        Column("contact_id", Uuid),
    )
    Index(
        f"ix_{prefix}timeline_client_moment",
        timeline.c.client_id,
        timeline.c.occurred_at,
        timeline.c.id,
    )
    Index(f"ix_{prefix}timeline_source", timeline.c.kind, timeline.c.source_id)
    history = Table(
        f"{prefix}history",
        metadata,
        Column("id", Uuid, primary_key=True),
        Column("at", UTCDateTime, nullable=False),
        Column("actor_id", Uuid),
        Column("actor_name", String(300), nullable=False),
        Column("entity_kind", String(32), nullable=False),
        Column("entity_id", Uuid, nullable=False),
        Column("action", String(16), nullable=False),
        Column("field", String(64)),
        Column("old", Text),
        Column("new", Text),
    )
    Index(f"ix_{prefix}history_entity", history.c.entity_kind, history.c.entity_id, history.c.at)
    projects = Table(
        f"{prefix}projects",
        metadata,
        Column("id", Uuid, primary_key=True),
        Column("code", String(64), nullable=False, unique=True),
        Column("name", String(500), nullable=False),
        Column("name_sort", _sortable(500), nullable=False),
        Column("client_id", Uuid, ForeignKey(fk("clients")), index=True),
        Column("manager_id", Uuid, ForeignKey(fk("employees"))),
        Column("controller_id", Uuid, ForeignKey(fk("employees"))),
        Column("description", Text, nullable=False),
        Column("planned_start", UTCDateTime),
        Column("planned_end", UTCDateTime),
        Column("archived", Boolean, nullable=False),
        *_stamps(),
    )
    # Hours are kept as whole hundredths of an hour; durations as microseconds.
    tasks = Table(
        f"{prefix}tasks",
        metadata,
        Column("id", Uuid, primary_key=True),
        Column("name", String(500), nullable=False),
        Column("name_sort", _sortable(500), nullable=False),
        Column("search_text", Text, nullable=False),
        Column("description", Text, nullable=False),
        Column("author_id", Uuid, ForeignKey(fk("employees")), index=True),
        Column("controller_id", Uuid, ForeignKey(fk("employees")), index=True),
        Column("type_code", String(32), ForeignKey(f"{qualified}{prefix}event_types.code")),
        Column("client_id", Uuid, ForeignKey(fk("clients")), index=True),
        Column("contact_id", Uuid, ForeignKey(fk("contacts"))),
        Column("project_id", Uuid, ForeignKey(fk("projects")), index=True),
        Column("event_id", Uuid, ForeignKey(fk("events")), index=True),
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
        *_stamps(),
    )
    # Unique indexes rather than constraints: SQLite can add those to a table in place.
    Index(f"ix_{prefix}tasks_occurrence", tasks.c.series_id, tasks.c.occurrence, unique=True)
    Index(f"ix_{prefix}tasks_external_ref", tasks.c.external_ref, unique=True)
    Index(f"ix_{prefix}tasks_due", tasks.c.planned_end, tasks.c.id)
    Index(f"ix_{prefix}tasks_status_due", tasks.c.status, tasks.c.planned_end)
    executors = Table(
        f"{prefix}task_executors",
        metadata,
        Column("id", Uuid, primary_key=True),
        Column("task_id", Uuid, ForeignKey(fk("tasks")), nullable=False, index=True),
        Column("kind", String(16), nullable=False),
        Column("employee_id", Uuid, ForeignKey(fk("employees"))),
        Column("group", String(200)),
        Column("planned_start", UTCDateTime, nullable=False),
        Column("planned_end", UTCDateTime, nullable=False),
        Column("status", String(16), nullable=False),
        Column("percent_done", Integer, nullable=False),
        Column("planned_hours", BigInteger),
        Column("hours_spent", BigInteger, nullable=False),
        Column("comment", Text, nullable=False),
        Column("position", Integer, nullable=False),
        *_stamps(),
    )
    Index(f"ix_{prefix}task_executors_employee", executors.c.employee_id, executors.c.task_id)
    Index(
        f"ix_{prefix}task_executors_employee_period",
        executors.c.employee_id,
        executors.c.planned_start,
    )
    work_log = Table(
        f"{prefix}work_log",
        metadata,
        Column("id", Uuid, primary_key=True),
        Column("task_id", Uuid, ForeignKey(fk("tasks")), nullable=False, index=True),
        Column("executor_id", Uuid, ForeignKey(fk("task_executors")), nullable=False, index=True),
        Column("employee_id", Uuid, ForeignKey(fk("employees"))),
        Column("worked_on", UTCDateTime, nullable=False),
        Column("hours", BigInteger, nullable=False),
        Column("note", Text, nullable=False),
        *_stamps(),
    )
    Index(f"ix_{prefix}work_log_employee_day", work_log.c.employee_id, work_log.c.worked_on)
    dependencies = Table(
        f"{prefix}task_dependencies",
        metadata,
        Column("id", Uuid, primary_key=True),
        Column("predecessor_id", Uuid, ForeignKey(fk("tasks")), nullable=False),
        Column("successor_id", Uuid, ForeignKey(fk("tasks")), nullable=False, index=True),
        Column("kind", String(20), nullable=False),
        Column("lag", BigInteger, nullable=False),
        *_stamps(),
        UniqueConstraint("predecessor_id", "successor_id"),
    )
    comments = Table(
        f"{prefix}comments",
        metadata,
        Column("id", Uuid, primary_key=True),
        Column("entity_kind", String(32), nullable=False),
        Column("entity_id", Uuid, nullable=False),
        Column("author_id", Uuid, ForeignKey(fk("employees"))),
        Column("author_name", String(300), nullable=False),
        Column("text", Text, nullable=False),
        Column("mentions", JSON, nullable=False),
        Column("edited", Boolean, nullable=False),
        Column("archived", Boolean, nullable=False),
        *_stamps(),
    )
    Index(f"ix_{prefix}comments_entity", comments.c.entity_kind, comments.c.entity_id)
    links = Table(
        f"{prefix}links",
        metadata,
        Column("id", Uuid, primary_key=True),
        Column("source_kind", String(32), nullable=False),
        Column("source_id", Uuid, nullable=False),
        Column("target_kind", String(32), nullable=False),
        Column("target_id", String(200), nullable=False),
        Column("note", String(500), nullable=False),
        *_stamps(),
    )
    Index(f"ix_{prefix}links_source", links.c.source_kind, links.c.source_id)
    Index(f"ix_{prefix}links_target", links.c.target_kind, links.c.target_id)
    attachments = Table(
        f"{prefix}attachments",
        metadata,
        Column("id", Uuid, primary_key=True),
        Column("entity_kind", String(32), nullable=False),
        Column("entity_id", Uuid, nullable=False),
        Column("name", String(255), nullable=False),
        Column("media_type", String(255), nullable=False),
        Column("size", BigInteger, nullable=False),
        Column("sha256", String(64), nullable=False, index=True),
        Column("author_id", Uuid, ForeignKey(fk("employees"))),
        Column("archived", Boolean, nullable=False),
        *_stamps(),
    )
    Index(f"ix_{prefix}attachments_entity", attachments.c.entity_kind, attachments.c.entity_id)
    field_definitions = Table(
        f"{prefix}field_definitions",
        metadata,
        Column("id", Uuid, primary_key=True),
        Column("entity_kind", String(32), nullable=False),
        Column("name", String(64), nullable=False),
        Column("label", String(200), nullable=False),
        Column("type", String(16), nullable=False),
        Column("required", Boolean, nullable=False),
        Column("choices", JSON, nullable=False),
        Column("default", JSON, nullable=False),
        Column("position", Integer, nullable=False),
        Column("archived", Boolean, nullable=False),
        *_stamps(),
        UniqueConstraint("entity_kind", "name"),
    )
    field_values = Table(
        f"{prefix}field_values",
        metadata,
        Column("entity_kind", String(32), primary_key=True),
        Column("entity_id", Uuid, primary_key=True),
        Column("name", String(64), primary_key=True),
        Column("position", Integer, primary_key=True, autoincrement=False),
        Column("key", Text, nullable=False),
        # Indexed in place of the key, which may be longer than an index entry can be.
        Column("key_prefix", String(200), nullable=False),
    )
    Index(
        f"ix_{prefix}field_values_lookup",
        field_values.c.entity_kind,
        field_values.c.name,
        field_values.c.key_prefix,
    )
    reminders = Table(
        f"{prefix}reminders",
        metadata,
        Column("id", Uuid, primary_key=True),
        Column("task_id", Uuid, ForeignKey(fk("tasks")), nullable=False, index=True),
        Column("before", BigInteger, nullable=False),
        Column("anchor", String(8), nullable=False),
        Column("recipients", JSON, nullable=False),
        Column("channels", JSON, nullable=False),
        Column("repeat_every", BigInteger),
        Column("next_at", UTCDateTime, index=True),
        Column("fired", Integer, nullable=False),
        Column("acknowledged_by", JSON, nullable=False),
        *_stamps(),
    )
    series = Table(
        f"{prefix}task_series",
        metadata,
        Column("id", Uuid, primary_key=True),
        Column("template_id", Uuid, ForeignKey(fk("tasks")), nullable=False, index=True),
        Column("frequency", String(8), nullable=False),
        Column("interval", Integer, nullable=False),
        Column("weekdays", JSON, nullable=False),
        Column("month_day", Integer),
        Column("nth", Integer),
        Column("month", Integer),
        Column("week_start", Integer, nullable=False),
        Column("count", Integer),
        Column("until", UTCDateTime),
        Column("start", UTCDateTime, nullable=False),
        Column("time_zone", String(64), nullable=False),
        Column("exceptions", JSON, nullable=False),
        Column("lead", BigInteger, nullable=False),
        Column("next_at", UTCDateTime),
        Column("materialise_at", UTCDateTime, index=True),
        Column("archived", Boolean, nullable=False),
        *_stamps(),
    )
    messages = Table(
        f"{prefix}outbox",
        metadata,
        Column("id", Uuid, primary_key=True),
        Column("key", String(200), nullable=False, unique=True),
        Column("kind", String(32), nullable=False),
        Column("channel", String(32), nullable=False),
        Column("recipient_id", Uuid, ForeignKey(fk("employees")), index=True),
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
        *_stamps(),
    )
    Index(
        f"ix_{prefix}outbox_due",
        messages.c.status,
        messages.c.next_attempt_at,
    )
    inbox = Table(
        f"{prefix}inbox",
        metadata,
        Column("id", Uuid, primary_key=True),
        Column("employee_id", Uuid, ForeignKey(fk("employees")), nullable=False),
        Column("message_id", Uuid, ForeignKey(fk("outbox")), nullable=False, unique=True),
        Column("kind", String(32), nullable=False),
        Column("subject", Text, nullable=False),
        Column("body", Text, nullable=False),
        Column("entity_kind", String(32)),
        Column("entity_id", Uuid),
        Column("read_at", UTCDateTime),
        *_stamps(),
    )
    Index(f"ix_{prefix}inbox_employee", inbox.c.employee_id, inbox.c.created_at)
    preferences = Table(
        f"{prefix}notification_preferences",
        metadata,
        Column("id", Uuid, primary_key=True),
        Column("employee_id", Uuid, ForeignKey(fk("employees")), nullable=False),
        Column("kind", String(32), nullable=False),
        Column("channels", JSON, nullable=False),
        *_stamps(),
        UniqueConstraint("employee_id", "kind"),
    )
    subscriptions = Table(
        f"{prefix}calendar_subscriptions",
        metadata,
        Column("id", Uuid, primary_key=True),
        Column("employee_id", Uuid, ForeignKey(fk("employees")), nullable=False),
        Column("url", String(1000), nullable=False),
        Column("sync_token", Text),
        Column("synced_at", UTCDateTime),
        *_stamps(),
        UniqueConstraint("employee_id", "url"),
    )
    synced_items = Table(
        f"{prefix}calendar_synced_items",
        metadata,
        Column("id", Uuid, primary_key=True),
        Column(
            "subscription_id",
            Uuid,
            ForeignKey(fk("calendar_subscriptions")),
            nullable=False,
        ),
        Column("uid", String(500), nullable=False),
        Column("entity_kind", String(32), nullable=False),
        Column("entity_id", Uuid, nullable=False),
        Column("href", String(1000), nullable=False),
        Column("etag", String(500)),
        Column("fingerprint", String(64), nullable=False),
        *_stamps(),
        UniqueConstraint("subscription_id", "uid"),
    )
    return Tables(
        metadata=metadata,
        clients=clients,
        client_emails=client_emails,
        client_tags=client_tags,
        contacts=contacts,
        phones=phones,
        employees=employees,
        event_types=event_types,
        events=events,
        timeline=timeline,
        history=history,
        projects=projects,
        tasks=tasks,
        executors=executors,
        work_log=work_log,
        dependencies=dependencies,
        comments=comments,
        links=links,
        attachments=attachments,
        field_definitions=field_definitions,
        field_values=field_values,
        reminders=reminders,
        series=series,
        messages=messages,
        inbox=inbox,
        preferences=preferences,
        subscriptions=subscriptions,
        synced_items=synced_items,
    )
