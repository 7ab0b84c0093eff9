"""The tables of calendar subscriptions and the items synced through them."""

from __future__ import annotations

from sqlalchemy import (
    Column,
    ForeignKey,
    String,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
)

from crmcore.adapters.sqlalchemy.tables.columns import Schema, UTCDateTime, stamps

__all__ = ["define"]


def define(schema: Schema) -> dict[str, Table]:
    """This capability\'s tables, by their names in :class:`~.catalogue.Tables`."""
    subscriptions = Table(
        schema.name("calendar_subscriptions"),
        schema.metadata,
        Column("id", Uuid, primary_key=True),
        Column("employee_id", Uuid, ForeignKey(schema.fk("employees")), nullable=False),
        Column("url", String(1000), nullable=False),
        Column("sync_token", Text),
        Column("synced_at", UTCDateTime),
        *stamps(),
        UniqueConstraint("employee_id", "url"),
    )
    synced_items = Table(
        schema.name("calendar_synced_items"),
        schema.metadata,
        Column("id", Uuid, primary_key=True),
        Column(
            "subscription_id",
            Uuid,
            ForeignKey(schema.fk("calendar_subscriptions")),
            nullable=False,
        ),
        Column("uid", String(500), nullable=False),
        Column("entity_kind", String(32), nullable=False),
        Column("entity_id", Uuid, nullable=False),
        Column("href", String(1000), nullable=False),
        Column("etag", String(500)),
        Column("fingerprint", String(64), nullable=False),
        *stamps(),
        UniqueConstraint("subscription_id", "uid"),
    )
    return {"subscriptions": subscriptions, "synced_items": synced_items}
