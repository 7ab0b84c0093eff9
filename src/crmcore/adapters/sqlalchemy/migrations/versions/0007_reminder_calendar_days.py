"""Reminders count days on the calendar: "3 days before" a 09:00 task is 09:00.

A reminder's days were exact 24-hour spans; now they are calendar days in
the task's zone (RFC 5545's nominal days) and only the rest is exact.  Every
stored rule's whole days become its calendar days (days were given as
"N days" or a timedelta of days), and a reminder that has not fired yet is
due anew at the moment the rule now means.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import context, op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_DAY_MICROSECONDS = 86_400_000_000


def _target() -> tuple[str, str | None]:
    """(table prefix, schema), as crmcore passed them to alembic."""
    attributes = context.config.attributes
    return attributes["table_prefix"], attributes["schema"]


def _aware(value: datetime) -> datetime:
    """A stored time as an aware UTC one (SQLite gives it back naive, in UTC)."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _due(anchor: datetime, before: timedelta, days: int, zone: str) -> datetime:
    """The calendar days back on the clock of ``zone``, then the exact rest."""
    local = anchor.astimezone(ZoneInfo(zone))
    wall = local.replace(tzinfo=None) - timedelta(days=days)
    moved = wall.replace(tzinfo=ZoneInfo(zone), fold=local.fold).astimezone(UTC)
    return moved - (before - timedelta(days=days))


def upgrade() -> None:
    prefix, schema = _target()
    op.add_column(
        f"{prefix}reminders",
        sa.Column("calendar_days", sa.Integer(), nullable=False, server_default="0"),
        schema=schema,
    )
    reminders = sa.table(
        f"{prefix}reminders",
        sa.column("id", sa.Uuid()),
        sa.column("task_id", sa.Uuid()),
        sa.column("before", sa.BigInteger()),
        sa.column("anchor", sa.String()),
        sa.column("calendar_days", sa.Integer()),
        sa.column("next_at", sa.DateTime(timezone=True)),
        sa.column("fired", sa.Integer()),
        schema=schema,
    )
    tasks = sa.table(
        f"{prefix}tasks",
        sa.column("id", sa.Uuid()),
        sa.column("planned_start", sa.DateTime(timezone=True)),
        sa.column("planned_end", sa.DateTime(timezone=True)),
        sa.column("time_zone", sa.String()),
        schema=schema,
    )
    r = reminders.c
    op.execute(reminders.update().values(calendar_days=r.before // _DAY_MICROSECONDS))
    connection = op.get_bind()
    pending = connection.execute(
        sa.select(
            r.id,
            r.before,
            r.anchor,
            r.calendar_days,
            tasks.c.planned_start,
            tasks.c.planned_end,
            tasks.c.time_zone,
        )
        .join(tasks, tasks.c.id == r.task_id)
        .where(r.fired == 0, r.next_at.is_not(None), r.calendar_days > 0)
    ).all()
    naive = connection.dialect.name == "sqlite"
    for row in pending:
        anchor = _aware(row.planned_start if row.anchor == "start" else row.planned_end)
        due = _due(anchor, timedelta(microseconds=row.before), row.calendar_days, row.time_zone)
        connection.execute(
            reminders.update()
            .where(r.id == row.id)
            .values(next_at=due.replace(tzinfo=None) if naive else due)
        )


def downgrade() -> None:
    prefix, schema = _target()
    with op.batch_alter_table(f"{prefix}reminders", schema=schema) as batch:
        batch.drop_column("calendar_days")
