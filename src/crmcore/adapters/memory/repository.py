"""What the memory repositories share, and one generic repository for plain records."""

from __future__ import annotations

import copy
from collections.abc import Iterable, Sequence
from typing import Any, Protocol, TypeVar
from uuid import UUID

from crmcore.errors import DuplicateError, StaleObject

__all__ = ["RecordRepository", "Repository", "RepositoryContext", "copy_out"]

T = TypeVar("T")


class RepositoryContext(Protocol):
    """What a repository needs from its unit of work: the tables as that unit of work sees them."""

    def table(self, name: str, *, write: bool = False) -> dict[Any, Any]: ...


def copy_out(value: T) -> T:
    """A caller's own copy of a stored value, so changing it never changes the store."""
    return copy.copy(value)


class Repository:
    """One table of a unit of work, by name; ``kind`` names its records in errors."""

    name: str
    kind: str

    def __init__(self, uow: RepositoryContext) -> None:
        self._uow = uow

    def _rows(self) -> dict[Any, Any]:
        return self._uow.table(self.name)

    def _writable(self) -> dict[Any, Any]:
        return self._uow.table(self.name, write=True)

    def get(self, id: Any) -> Any:
        found = self._rows().get(id)
        return None if found is None else copy_out(found)

    def _put(self, key: Any, entity: Any) -> None:
        self._writable()[key] = copy.copy(entity)

    def _replace(self, key: Any, entity: Any, expected_version: int) -> None:
        stored = self._rows().get(key)
        if stored is None or stored.version != expected_version:
            raise StaleObject(
                self.kind, key, expected_version, None if stored is None else stored.version
            )
        self._put(key, entity)


class RecordRepository(Repository):
    """Plain records of one kind, ordered by ``order`` (the id unless said otherwise)."""

    unique: tuple[tuple[str, ...], ...] = ()

    def _order(self, record: Any) -> Any:
        return record.id

    def _check_unique(self, records: Sequence[Any]) -> None:
        for names in self.unique:
            taken = {tuple(getattr(r, name) for name in names): r.id for r in self._rows().values()}
            for record in records:
                key = tuple(getattr(record, name) for name in names)
                if None in key:
                    continue  # as in SQL, a missing value clashes with nothing
                if taken.get(key, record.id) != record.id:
                    raise DuplicateError(names[-1], getattr(record, names[-1]))
                taken[key] = record.id

    def add(self, record: Any) -> None:
        self.add_many([record])

    def add_many(self, records: Sequence[Any]) -> None:
        self._check_unique(records)
        for record in records:
            self._put(record.id, record)

    def get_many(self, ids: Iterable[UUID]) -> dict[UUID, Any]:
        rows = self._rows()
        return {id: copy_out(rows[id]) for id in set(ids) if id in rows}

    def find(self, **equals: Any) -> list[Any]:
        found = [
            r
            for r in self._rows().values()
            if all(getattr(r, name) == value for name, value in equals.items())
        ]
        found.sort(key=self._order)
        return [copy_out(r) for r in found]

    def update(self, record: Any, expected_version: int) -> None:
        self._check_unique([record])
        self._replace(record.id, record, expected_version)

    def delete(self, id: UUID) -> None:
        self._writable().pop(id, None)
