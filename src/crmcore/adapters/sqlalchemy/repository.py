"""What the SQL repositories share, and one generic repository for plain records.

Most records crmcore added after clients and events (tasks, executors, work
log, dependencies, comments, links, attachments, user-field definitions,
projects) are rows whose columns are named after the attrs fields.  A
:class:`Mapper` derives each column's conversion from the field's type once
per storage, and :class:`RecordRepository` stores and reads such records with
statements compiled once per shape.
"""

from __future__ import annotations

import enum
import types
import typing
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, ClassVar, Generic, Protocol, TypeVar
from uuid import UUID

import attrs
from sqlalchemy import Connection, Table, bindparam, delete, select, update

from crmcore.adapters.sqlalchemy.statements import Codec, Statements, padded
from crmcore.adapters.sqlalchemy.tables import Tables
from crmcore.domain import Phone
from crmcore.errors import DuplicateError, StaleObject

__all__ = [
    "Mapper",
    "RecordRepository",
    "Repository",
    "RepositoryContext",
    "chunks",
    "in_list",
    "in_params",
]

T = TypeVar("T")

_ID_CHUNK = 500  # ids per IN (...) list, well under every driver's parameter limit


def chunks(values: Iterable[Any]) -> Iterable[list[Any]]:
    items = list(values)
    for start in range(0, len(items), _ID_CHUNK):
        yield items[start : start + _ID_CHUNK]


def in_list(column: Any, name: str, size: int) -> Any:
    return column.in_([bindparam(f"{name}{i}") for i in range(size)])


def in_params(name: str, values: Sequence[Any]) -> dict[str, Any]:
    return {f"{name}{i}": value for i, value in enumerate(padded(values))}


class RepositoryContext(Protocol):
    """What a repository needs from its unit of work: its connection, and the
    storage's codec, compiled statements and record mappers."""

    @property
    def connection(self) -> Connection: ...

    @property
    def codec(self) -> Codec: ...

    @property
    def statements(self) -> Statements: ...

    def mapper(self, name: str, build: Callable[[], Any]) -> Any:
        """The record mapper of one table, built once per storage."""


class Repository:
    def __init__(self, uow: RepositoryContext, tables: Tables) -> None:
        self._uow = uow
        self.t = tables
        self.codec: Codec = uow.codec
        self.statements = uow.statements

    @property
    def db(self) -> Connection:
        return self._uow.connection

    def _rows(
        self, shape: Hashable, build: Callable[[], Any], /, **params: Any
    ) -> list[Sequence[Any]]:
        return self.statements.rows(self.db, shape, build, params)

    def _rows_in(
        self, key: str, columns: Callable[[], list[Any]], column: Any, values: Iterable[Any]
    ) -> list[Sequence[Any]]:
        """Rows whose ``column`` is one of ``values`` (already encoded), in chunks of few shapes."""
        rows: list[Sequence[Any]] = []
        for chunk in chunks(set(values)):
            rows.extend(self._rows_in_chunk(key, columns, column, padded(chunk)))
        return rows

    def _rows_in_chunk(
        self, key: str, columns: Callable[[], list[Any]], column: Any, wanted: list[Any]
    ) -> list[Sequence[Any]]:
        return self._rows(
            (key, len(wanted)),
            lambda: select(*columns()).where(in_list(column, "v", len(wanted))),
            **in_params("v", wanted),
        )

    def _replace(
        self, table: Table, kind: str, key: Any, values: dict[str, Any], expected: int
    ) -> None:
        result = self.db.execute(
            update(table)
            .where(table.c.id == values["id"], table.c.version == expected)
            .values(**values)
        )
        if result.rowcount != 1:
            actual = self.db.scalar(select(table.c.version).where(table.c.id == values["id"]))
            raise StaleObject(kind, key, expected, actual)


# --- generic records -------------------------------------------------------------

Convert = Callable[[Any], Any]
_MICROSECOND = timedelta(microseconds=1)


def _optional(convert: Convert) -> Convert:
    return lambda value: None if value is None else convert(value)


def _same(value: Any) -> Any:
    return value


def _is_optional(annotation: Any) -> bool:
    return isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union


def _plain_conversions(annotation: Any) -> tuple[Convert, Convert]:
    """(into JSON, out of it) for a value of type ``annotation`` inside a JSON column."""
    if _is_optional(annotation):
        (inner,) = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
        into, out = _plain_conversions(inner)
        return _optional(into), _optional(out)
    if typing.get_origin(annotation) is tuple:
        into, out = _plain_conversions(typing.get_args(annotation)[0])
        return (lambda value: [into(i) for i in value], lambda value: tuple(map(out, value)))
    if attrs.has(annotation):
        hints = typing.get_type_hints(annotation)
        fields = [
            (field.name, *_plain_conversions(hints[field.name]))
            for field in attrs.fields(annotation)
        ]
        return (
            lambda value: {name: into(getattr(value, name)) for name, into, _ in fields},
            lambda value: annotation(**{name: out(value[name]) for name, _, out in fields}),
        )
    if annotation is datetime:
        return (lambda value: value.isoformat(), datetime.fromisoformat)
    if annotation is UUID:
        return str, UUID
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return (lambda value: value.value, annotation)
    if annotation in (str, int, bool):
        return _same, _same
    raise TypeError(f"no JSON conversion for {annotation!r}")  # pragma: no cover


def _json_conversions(annotation: Any, codec: Codec) -> tuple[Convert, Convert]:
    """A JSON column holding values of an attrs type (or a tuple of them)."""
    into, out = _plain_conversions(annotation)
    return (lambda value: codec.json_in(into(value)), lambda value: out(codec.json_out(value)))


def _conversions(annotation: Any, codec: Codec, places: int = 2) -> tuple[Convert, Convert]:
    """(into the database, out of it) for a field of type ``annotation``; a Decimal
    field keeps ``places`` decimal places."""
    args = typing.get_args(annotation)
    if _is_optional(annotation):
        (inner,) = [arg for arg in args if arg is not type(None)]
        into, out = _conversions(inner, codec, places)
        return _optional(into), _optional(out)
    if attrs.has(annotation):
        return _json_conversions(annotation, codec)
    if typing.get_origin(annotation) is tuple:
        item = args[0]
        if attrs.has(item):
            return _json_conversions(annotation, codec)
        if item is UUID:
            return (
                lambda value: codec.json_in([str(i) for i in value]),
                lambda value: tuple(UUID(i) for i in codec.json_out(value)),
            )
        if item is datetime:
            return (
                lambda value: codec.json_in([moment.isoformat() for moment in value]),
                lambda value: tuple(datetime.fromisoformat(i) for i in codec.json_out(value)),
            )
        if isinstance(item, type) and issubclass(item, enum.Enum):
            return (
                lambda value: codec.json_in([member.value for member in value]),
                lambda value: tuple(item(i) for i in codec.json_out(value)),
            )
        return (
            lambda value: codec.json_in(list(value)),
            lambda value: tuple(codec.json_out(value)),
        )
    if annotation is UUID:
        return codec.uuid_in, codec.uuid_out
    if annotation is datetime:
        return codec.moment_in, codec.moment_out
    if annotation is Decimal:
        # Whole hundredths (thousandths of a quantity, ...): exact on every database, and
        # summable in SQL.
        scale = Decimal(10) ** places
        return (lambda value: int(value * scale), lambda value: Decimal(value).scaleb(-places))
    if annotation is date:
        return codec.day_in, codec.day_out
    if annotation is timedelta:
        return (lambda value: value // _MICROSECOND, lambda value: timedelta(microseconds=value))
    if annotation is bool:
        return _same, bool
    if annotation is Phone:
        return (
            lambda value: codec.json_in([value.e164, value.extension]),
            lambda value: Phone(*codec.json_out(value)),
        )
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return (lambda value: value.value, annotation)
    if annotation in (str, int):
        return _same, _same
    raise TypeError(f"no column conversion for {annotation!r}")  # pragma: no cover


class Mapper(Generic[T]):
    """How one attrs record type maps to a table whose columns carry its field names.

    ``derived`` adds columns computed from the record (sort and search keys)
    that are written but never read back.
    """

    def __init__(
        self,
        entity_type: type[T],
        table: Table,
        codec: Codec,
        derived: Mapping[str, Callable[[T], Any]] | None = None,
    ) -> None:
        hints = typing.get_type_hints(entity_type)
        self.entity_type = entity_type
        self.table = table
        fields = attrs.fields(entity_type)  # type: ignore[arg-type]
        self.names = [field.name for field in fields]
        pairs = [
            _conversions(hints[field.name], codec, field.metadata.get("places", 2))
            for field in fields
        ]
        self.into = [pair[0] for pair in pairs]
        self.out = [pair[1] for pair in pairs]
        self.derived = dict(derived or {})
        self.columns = [table.c[name] for name in self.names]
        self.order = list(table.c.keys())
        self.decode: Callable[[Sequence[Any]], T] = _decoder(entity_type, self.names, self.out)

    def values(self, entity: T) -> dict[str, Any]:
        values = {
            name: convert(getattr(entity, name))
            for name, convert in zip(self.names, self.into, strict=True)
        }
        for name, compute in self.derived.items():
            values[name] = compute(entity)
        return values

    def row(self, entity: T) -> tuple[Any, ...]:
        values = self.values(entity)
        return tuple(values[name] for name in self.order)


def _decoder(
    entity_type: type[T], names: Sequence[str], out: Sequence[Convert]
) -> Callable[[Sequence[Any]], T]:
    """A function turning a row (columns in field order) into a record.

    Like :func:`~crmcore.adapters.sqlalchemy.statements.restore` it sets the
    stored fields without re-running validators, and it is generated with
    one line per field: a page of rows is decoded in a loop over it, where a
    dictionary of keyword arguments per row would cost as much as the query.
    """
    lines = []
    namespace: dict[str, Any] = {
        "__new": object.__new__,
        "__cls": entity_type,
        "__set": object.__setattr__,
    }
    for index, (name, convert) in enumerate(zip(names, out, strict=True)):
        if convert is _same:
            value = f"row[{index}]"
        else:
            namespace[f"__out{index}"] = convert
            value = f"__out{index}(row[{index}])"
        lines.append(f"    __set(__entity, {name!r}, {value})\n")
    source = (
        "def decode(row):\n    __entity = __new(__cls)\n" + "".join(lines) + "    return __entity\n"
    )
    exec(compile(source, f"<decode {entity_type.__name__}>", "exec"), namespace)
    return namespace["decode"]  # type: ignore[no-any-return]


class RecordRepository(Repository, Generic[T]):
    """Stores records of one type: add, read by id or by equal columns, update, delete.

    ``unique`` lists column groups whose values no two records share; a
    clash raises ``DuplicateError`` naming the group's last column.
    """

    kind = "record"
    table_name = ""
    entity_type: type[Any] = object
    unique: tuple[tuple[str, ...], ...] = ()
    derived: ClassVar[Mapping[str, Callable[[Any], Any]]] = {}
    order_by: tuple[str, ...] = ("id",)

    def __init__(self, uow: RepositoryContext, tables: Tables) -> None:
        super().__init__(uow, tables)
        self.table: Table = getattr(tables, self.table_name)
        self.mapper: Mapper[T] = uow.mapper(
            self.table_name, lambda: Mapper(self.entity_type, self.table, self.codec, self.derived)
        )

    def _order(self) -> list[Any]:
        return [self.table.c[name] for name in self.order_by]

    def _check_unique(self, values: Mapping[str, Any], entity: T) -> None:
        c = self.table.c
        for names in self.unique:

            def build(names: tuple[str, ...] = names) -> Any:
                return select(c.id).where(
                    *(c[name] == bindparam(name) for name in names), c.id != bindparam("id")
                )

            params = {name: values[name] for name in (*names, "id")}
            if any(params[name] is None for name in names):
                continue  # as in SQL, a missing value clashes with nothing
            if self._rows((self.table_name, "unique", names), build, **params):
                raise DuplicateError(names[-1], getattr(entity, names[-1]))

    def add(self, entity: T) -> None:
        self.add_many([entity])

    def add_many(self, entities: Sequence[T]) -> None:
        rows = []
        for entity in entities:
            if self.unique:
                self._check_unique(self.mapper.values(entity), entity)
            rows.append(self.mapper.row(entity))
        if self.unique and len(entities) > 1:
            for names in self.unique:
                seen = {tuple(getattr(e, name) for name in names) for e in entities}
                if len(seen) < len(entities):
                    raise DuplicateError(names[-1], "(repeated within the batch)")
        try:
            self.statements.insert_many(self.db, self.table, rows)
        except self.codec.integrity_error:
            # Another transaction stored the same unique values after our check.
            field = self.unique[0][-1] if self.unique else "id"
            raise DuplicateError(field, "(stored meanwhile by another transaction)") from None

    def get(self, id: UUID) -> T | None:
        found = self.find(id=id)
        return found[0] if found else None

    def get_many(self, ids: Iterable[UUID]) -> dict[UUID, T]:
        rows = self._rows_in(
            f"{self.table_name} by ids",
            lambda: self.mapper.columns,
            self.table.c.id,
            map(self.codec.uuid_in, ids),
        )
        decoded = map(self.mapper.decode, rows)
        return {entity.id: entity for entity in decoded}  # type: ignore[attr-defined]

    def find(self, **equals: Any) -> list[T]:
        """Records whose named columns equal the given values (None: IS NULL), in order."""
        names = tuple(sorted(equals))
        nulls = tuple(name for name in names if equals[name] is None)
        index = {name: i for i, name in enumerate(self.mapper.names)}
        c = self.table.c

        def build() -> Any:
            conditions = [
                c[name].is_(None) if name in nulls else c[name] == bindparam(name) for name in names
            ]
            return select(*self.mapper.columns).where(*conditions).order_by(*self._order())

        params = {
            name: self.mapper.into[index[name]](equals[name]) for name in names if name not in nulls
        }
        rows = self._rows((self.table_name, "find", names, nulls), build, **params)
        return [self.mapper.decode(row) for row in rows]

    def update(self, entity: T, expected_version: int) -> None:
        values = self.mapper.values(entity)
        self._check_unique(values, entity)
        c = self.table.c
        names = [name for name in self.mapper.order if name != "id"]

        def build() -> Any:
            return (
                update(self.table)
                .where(c.id == bindparam("key"), c.version == bindparam("expected"))
                .values({name: bindparam(f"set_{name}") for name in names})
            )

        params = {f"set_{name}": values[name] for name in names}
        changed = self.statements.execute(
            self.db,
            (self.table_name, "update"),
            build,
            {**params, "key": values["id"], "expected": expected_version},
        )
        if changed != 1:
            stored = self.get(entity.id)  # type: ignore[attr-defined]
            actual = None if stored is None else stored.version  # type: ignore[attr-defined]
            raise StaleObject(self.kind, entity.id, expected_version, actual)  # type: ignore[attr-defined]

    def delete(self, id: UUID) -> None:
        c = self.table.c
        self.statements.execute(
            self.db,
            (self.table_name, "delete"),
            lambda: delete(self.table).where(c.id == bindparam("key")),
            {"key": self.codec.uuid_in(id)},
        )
