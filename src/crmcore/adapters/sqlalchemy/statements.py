"""Statements compiled once and run on the driver's cursor, with typed values in and out.

SQLAlchemy builds and compiles every statement of the hot paths (timeline
pages, caller-ID, searches, bulk import) once per shape; after that a call
costs what the driver costs plus the conversion of values, which this module
does with plain functions per dialect: SQLite keeps UUIDs as hex text and
datetimes as fixed-width UTC text, PostgreSQL gets native values.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence
from datetime import UTC, date, datetime
from functools import lru_cache
from operator import itemgetter
from typing import Any, TypeVar
from uuid import UUID

import attrs
from sqlalchemy import Connection, Engine, Table, insert

__all__ = ["Codec", "Statements", "restore"]

T = TypeVar("T")


_NAMED_PARAMETER = re.compile(r"%\((\w+)\)s")
#: Rows fetched at a time from a streamed query.
_STREAM_BATCH = 2000


class _SqliteMoments:
    """Aware datetimes as SQLite text: fixed width, microseconds always written,
    as SQLAlchemy's SQLite DateTime writes them, so text order is time order.

    The last value is remembered: a bulk import stamps every row's
    ``created_at``, ``updated_at`` and history moment with the same one.
    """

    def __init__(self) -> None:
        self._last: tuple[datetime | None, str] = (None, "")

    def __call__(self, value: datetime) -> str:
        last = self._last  # one read: the pair stays consistent across threads
        if last[0] is value:
            return last[1]
        utc = value if value.tzinfo is UTC else value.astimezone(UTC)
        text = utc.replace(tzinfo=None).isoformat(" ", "microseconds")
        self._last = (value, text)
        return text


@lru_cache(maxsize=65536)
def _uuid_from_hex(text: str) -> UUID:
    # Cached: the same client, employee and contact ids come back on many rows.
    return UUID(hex=text)


def _json_text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


class Codec:
    """How values of one dialect go into statements and come out of rows."""

    def __init__(self, engine: Engine) -> None:
        self.sqlite = engine.dialect.name == "sqlite"
        self.integrity_error: type[Exception] = engine.dialect.loaded_dbapi.IntegrityError
        if self.sqlite:
            self.uuid_in: Callable[[UUID], Any] = lambda value: value.hex
            self.moment_in: Callable[[datetime], Any] = _SqliteMoments()
            self.json_in: Callable[[Any], Any] = _json_text
            self.uuid_out: Callable[[Any], UUID] = _uuid_from_hex
            # Parsing the offset is several times cheaper than replace(tzinfo=...).
            self.moment_out: Callable[[Any], datetime] = lambda value: datetime.fromisoformat(
                value + "+00:00"
            )
            self.json_out: Callable[[Any], Any] = json.loads
            # Dates as ISO text, as SQLAlchemy's Date stores them on SQLite: text order is
            # date order, so the money reports compare and group them in SQL.
            self.day_in: Callable[[date], Any] = date.isoformat
            self.day_out: Callable[[Any], date] = date.fromisoformat
        else:
            from psycopg.types.json import Json

            self.uuid_in = _same
            self.moment_in = _same
            self.json_in = Json
            self.uuid_out = _same
            self.moment_out = lambda value: value.astimezone(UTC)
            self.json_out = _same
            self.day_in = _same
            self.day_out = _same

    def uuid_or_none_in(self, value: UUID | None) -> Any:
        return None if value is None else self.uuid_in(value)

    def moment_or_none_in(self, value: datetime | None) -> Any:
        return None if value is None else self.moment_in(value)

    def uuid_or_none_out(self, value: Any) -> UUID | None:
        return None if value is None else self.uuid_out(value)


def _same(value: T) -> T:
    return value


@attrs.frozen
class _Compiled:
    sql: str
    order: tuple[str, ...] | None  # parameter names in position order, for qmark drivers
    fixed: Mapping[str, Any]
    pick: Callable[[Mapping[str, Any]], Any] = attrs.field(init=False)

    @pick.default
    def _picker(self) -> Callable[[Mapping[str, Any]], Any]:
        if self.order is None:
            return _same
        if not self.order:
            return lambda params: ()
        if len(self.order) == 1:
            (name,) = self.order
            return lambda params: (params[name],)
        return itemgetter(*self.order)

    def arguments(self, params: Mapping[str, Any]) -> Any:
        if self.fixed:
            params = {**self.fixed, **params}
        return self.pick(params)


class Statements:
    """Compiled statements by shape, run on the DBAPI cursor of a SQLAlchemy connection."""

    def __init__(self, engine: Engine) -> None:
        self._dialect = engine.dialect
        self._compiled: dict[Hashable, _Compiled] = {}
        self._streams = itertools.count(1)

    def _prepare(self, key: Hashable, build: Callable[[], Any]) -> _Compiled:
        found = self._compiled.get(key)
        if found is None:
            compiled = build().compile(dialect=self._dialect)
            sql = compiled.string
            order: tuple[str, ...] | None = None
            if self._dialect.positional:
                order = tuple(compiled.positiontup or ())
            elif self._dialect.paramstyle == "pyformat":
                # Positional %s instead of %(name)s: drivers then take plain tuples
                # and skip matching names on every row of a bulk insert.
                order = tuple(_NAMED_PARAMETER.findall(sql))
                sql = _NAMED_PARAMETER.sub("%s", sql)
            # Values SQLAlchemy bound itself (literals it turned into parameters).
            fixed = {k: v for k, v in compiled.params.items() if v is not None}
            found = self._compiled[key] = _Compiled(sql, order, fixed)
        return found

    def rows(
        self,
        db: Connection,
        key: Hashable,
        build: Callable[[], Any],
        params: Mapping[str, Any],
    ) -> list[Sequence[Any]]:
        """Run a query and return its rows as tuples of driver values."""
        statement = self._prepare(key, build)
        cursor = db.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.execute(statement.sql, statement.arguments(params))
            return list(cursor.fetchall())
        finally:
            cursor.close()

    def stream(
        self,
        db: Connection,
        key: Hashable,
        build: Callable[[], Any],
        params: Mapping[str, Any],
    ) -> Iterator[Sequence[Any]]:
        """Run a query and yield its rows as the cursor fetches them, a batch at a time.

        PostgreSQL gets a server-side cursor, so a report of any size is never
        held whole in memory; SQLite's cursor steps through its rows anyway.
        """
        statement = self._prepare(key, build)
        dbapi = db.connection.dbapi_connection
        assert dbapi is not None
        if self._dialect.name == "postgresql":
            cursor = dbapi.cursor(name=f"crmcore_stream_{next(self._streams)}")
        else:
            cursor = dbapi.cursor()
        try:
            cursor.execute(statement.sql, statement.arguments(params))
            while rows := cursor.fetchmany(_STREAM_BATCH):
                yield from rows
        finally:
            cursor.close()

    def execute(
        self,
        db: Connection,
        key: Hashable,
        build: Callable[[], Any],
        params: Mapping[str, Any],
    ) -> int:
        """Run a statement that returns no rows; the number of rows it changed."""
        statement = self._prepare(key, build)
        cursor = db.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.execute(statement.sql, statement.arguments(params))
            return int(cursor.rowcount)
        finally:
            cursor.close()

    def insert_many(self, db: Connection, table: Table, rows: Iterable[Sequence[Any]]) -> None:
        """Insert rows given as tuples in the table's column order (bulk import)."""
        statement = self._prepare(("insert", table.fullname), lambda: insert(table))
        names = tuple(table.c.keys())
        if statement.order is None:
            batch: list[Any] = [dict(zip(names, row, strict=True)) for row in rows]
        elif statement.order == names:
            batch = list(rows)
        else:  # pragma: no cover - SQLAlchemy binds an INSERT's columns in table order
            batch = [statement.arguments(dict(zip(names, row, strict=True))) for row in rows]
        cursor = db.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.executemany(statement.sql, batch)
        finally:
            cursor.close()


def padded(values: Sequence[T]) -> list[T]:
    """``values`` repeated at the end up to a power of two, so IN lists come in few shapes."""
    size = 1
    while size < len(values):
        size *= 2
    return [*values, *([values[-1]] * (size - len(values)))] if values else []


def restore(entity_type: type[T]) -> Callable[..., T]:
    """A constructor, by keyword, that sets stored fields without re-running validators.

    Rows crmcore reads back were validated when they were written; checking
    them again on every read would cost more than the query.  Every field
    must be given.  The constructor is generated with one assignment per
    field, as attrs generates ``__init__``, because a loop over the fields
    costs more than the query on a page of rows.
    """
    names = [field.name for field in attrs.fields(entity_type)]  # type: ignore[arg-type]
    # The helpers' names start with "__" so no field name can shadow them.
    assignments = "".join(f"    __set(__entity, {name!r}, {name})\n" for name in names)
    source = (
        f"def build(*, {', '.join(names)}):\n"
        f"    __entity = __new(__cls)\n{assignments}    return __entity\n"
    )
    namespace: dict[str, Any] = {
        "__new": object.__new__,
        "__cls": entity_type,
        "__set": object.__setattr__,
    }
    exec(compile(source, f"<restore {entity_type.__name__}>", "exec"), namespace)
    return namespace["build"]  # type: ignore[no-any-return]
