"""Employees in memory."""

from __future__ import annotations

from collections.abc import Iterable
from uuid import UUID

from crmcore.adapters.memory.repository import Repository, copy_out
from crmcore.domain import Employee
from crmcore.errors import DuplicateError

__all__ = ["Employees"]


class Employees(Repository):
    """Employees, unique by code."""

    name = "employees"
    kind = "employee"

    def add(self, employee: Employee) -> None:
        if self.get_by_code(employee.code) is not None:
            raise DuplicateError("code", employee.code)
        self._put(employee.id, employee)

    def get_by_code(self, code: str) -> Employee | None:
        for employee in self._rows().values():
            if employee.code == code:
                return copy_out(employee)  # type: ignore[no-any-return]
        return None

    def update(self, employee: Employee, expected_version: int) -> None:
        other = self.get_by_code(employee.code)
        if other is not None and other.id != employee.id:
            raise DuplicateError("code", employee.code)
        self._replace(employee.id, employee, expected_version)

    def get_many(self, ids: Iterable[UUID]) -> dict[UUID, Employee]:
        rows = self._rows()
        return {id: copy_out(rows[id]) for id in set(ids) if id in rows}

    def with_extensions(self, extensions: Iterable[str]) -> list[Employee]:
        wanted = set(extensions)
        found = [e for e in self._rows().values() if e.extension in wanted]
        found.sort(key=lambda e: (e.code, e.id))
        return [copy_out(e) for e in found]

    def list(self, *, include_archived: bool) -> list[Employee]:
        found = [e for e in self._rows().values() if include_archived or not e.archived]
        found.sort(key=lambda e: (e.code, e.id))
        return [copy_out(e) for e in found]
