"""The generic repository of plain records, which most capabilities store their records in."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Protocol, TypeVar
from uuid import UUID

__all__ = ["RecordRepository"]

R = TypeVar("R")


class RecordRepository(Protocol[R]):
    """Storage of one kind of plain record: ordered by id (the order they were made in)."""

    def add(self, record: R) -> None:
        """Store a new record; ``DuplicateError`` if it clashes with a unique one."""

    def add_many(self, records: Sequence[R]) -> None: ...

    def get(self, id: UUID) -> R | None: ...

    def get_many(self, ids: Iterable[UUID]) -> dict[UUID, R]: ...

    def find(self, **equals: Any) -> list[R]:
        """Records whose fields equal the given values (None matches a missing value),
        ordered by id.  Field names come from crmcore's code, never from users."""

    def update(self, record: R, expected_version: int) -> None:
        """Replace the stored record; ``StaleObject`` unless it is at ``expected_version``."""

    def delete(self, id: UUID) -> None: ...
