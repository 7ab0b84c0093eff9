"""What every table is built from: the UTC column type, sortable text, stamps, names."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import attrs
from sqlalchemy import Column, DateTime, Dialect, Integer, MetaData, String, TypeDecorator

__all__ = ["NAMING", "Schema", "UTCDateTime", "sortable", "stamps"]


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


def sortable(length: int) -> Any:
    """Text that sorts by code point everywhere, as the memory backend sorts."""
    # SQLite's BINARY collation gives it; PostgreSQL needs the "C" collation for it.
    return String(length).with_variant(String(length, collation="C"), "postgresql")


NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_name)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s",
    "pk": "pk_%(table_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
}


def stamps() -> list[Column[Any]]:
    """The version and the creation and update times every stored entity has."""
    return [
        Column("version", Integer, nullable=False),
        Column("created_at", UTCDateTime, nullable=False),
        Column("updated_at", UTCDateTime, nullable=False),
    ]


@attrs.frozen
class Schema:
    """Where the tables go: their metadata (with its schema) and the prefix of their names."""

    metadata: MetaData
    prefix: str

    def name(self, table: str) -> str:
        """The name of crmcore's table ``table``: ``prefix + table``."""
        return f"{self.prefix}{table}"

    def fk(self, table: str, column: str = "id") -> str:
        """What a foreign key to ``table.column`` names, schema included."""
        qualified = f"{self.metadata.schema}." if self.metadata.schema else ""
        return f"{qualified}{self.prefix}{table}.{column}"
