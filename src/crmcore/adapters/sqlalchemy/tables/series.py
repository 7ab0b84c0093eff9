"""The table of repeating-task series."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Integer,
    String,
    Table,
    Uuid,
)

from crmcore.adapters.sqlalchemy.tables.columns import Schema, UTCDateTime, stamps

__all__ = ["define"]


def define(schema: Schema) -> dict[str, Table]:
    """This capability\'s tables, by their names in :class:`~.catalogue.Tables`."""
    series = Table(
        schema.name("task_series"),
        schema.metadata,
        Column("id", Uuid, primary_key=True),
        Column("template_id", Uuid, ForeignKey(schema.fk("tasks")), nullable=False, index=True),
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
        *stamps(),
    )
    return {"series": series}
