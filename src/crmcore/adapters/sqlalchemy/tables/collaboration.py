"""The tables of comments, links and attachments of any card."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    String,
    Table,
    Text,
    Uuid,
)

from crmcore.adapters.sqlalchemy.tables.columns import Schema, stamps

__all__ = ["define"]


def define(schema: Schema) -> dict[str, Table]:
    """This capability\'s tables, by their names in :class:`~.catalogue.Tables`."""
    comments = Table(
        schema.name("comments"),
        schema.metadata,
        Column("id", Uuid, primary_key=True),
        Column("entity_kind", String(32), nullable=False),
        Column("entity_id", Uuid, nullable=False),
        Column("author_id", Uuid, ForeignKey(schema.fk("employees"))),
        Column("author_name", String(300), nullable=False),
        Column("text", Text, nullable=False),
        Column("mentions", JSON, nullable=False),
        Column("edited", Boolean, nullable=False),
        Column("archived", Boolean, nullable=False),
        *stamps(),
    )
    Index(f"ix_{schema.prefix}comments_entity", comments.c.entity_kind, comments.c.entity_id)
    links = Table(
        schema.name("links"),
        schema.metadata,
        Column("id", Uuid, primary_key=True),
        Column("source_kind", String(32), nullable=False),
        Column("source_id", Uuid, nullable=False),
        Column("target_kind", String(32), nullable=False),
        Column("target_id", String(200), nullable=False),
        Column("note", String(500), nullable=False),
        *stamps(),
    )
    Index(f"ix_{schema.prefix}links_source", links.c.source_kind, links.c.source_id)
    Index(f"ix_{schema.prefix}links_target", links.c.target_kind, links.c.target_id)
    attachments = Table(
        schema.name("attachments"),
        schema.metadata,
        Column("id", Uuid, primary_key=True),
        Column("entity_kind", String(32), nullable=False),
        Column("entity_id", Uuid, nullable=False),
        Column("name", String(255), nullable=False),
        Column("media_type", String(255), nullable=False),
        Column("size", BigInteger, nullable=False),
        Column("sha256", String(64), nullable=False, index=True),
        Column("author_id", Uuid, ForeignKey(schema.fk("employees"))),
        Column("archived", Boolean, nullable=False),
        *stamps(),
    )
    Index(
        f"ix_{schema.prefix}attachments_entity", attachments.c.entity_kind, attachments.c.entity_id
    )
    return {"comments": comments, "links": links, "attachments": attachments}
