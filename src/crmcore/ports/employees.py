"""Where employees are stored."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol
from uuid import UUID

from crmcore.domain import Employee

__all__ = ["EmployeeRepository"]


class EmployeeRepository(Protocol):
    def add(self, employee: Employee) -> None: ...

    def get(self, id: UUID) -> Employee | None: ...

    def get_many(self, ids: Iterable[UUID]) -> dict[UUID, Employee]:
        """The stored employees among ``ids`` (archived ones too), by id."""
        ...

    def get_by_code(self, code: str) -> Employee | None: ...

    def update(self, employee: Employee, expected_version: int) -> None: ...

    def with_extensions(self, extensions: Iterable[str]) -> list[Employee]:
        """Employees (archived ones too) whose PBX extension is one of ``extensions``,
        ordered by (code, id)."""

    def list(self, *, include_archived: bool) -> list[Employee]:
        """All employees ordered by (code, id)."""
