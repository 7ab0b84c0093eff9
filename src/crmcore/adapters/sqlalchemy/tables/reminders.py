"""The table of task reminders."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
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
    reminders = Table(
        schema.name("reminders"),
        schema.metadata,
        Column("id", Uuid, primary_key=True),
        Column("task_id", Uuid, ForeignKey(schema.fk("tasks")), nullable=False, index=True),
        Column("before", BigInteger, nullable=False),
        # Added by revision 0007 to rows that had none: their whole days.
        Column("calendar_days", Integer, nullable=False, server_default="0"),
        Column("anchor", String(8), nullable=False),
        Column("recipients", JSON, nullable=False),
        Column("channels", JSON, nullable=False),
        Column("repeat_every", BigInteger),
        Column("next_at", UTCDateTime, index=True),
        Column("fired", Integer, nullable=False),
        Column("acknowledged_by", JSON, nullable=False),
        *stamps(),
    )
    return {"reminders": reminders}
