"""SQL repository of employees."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import partial
from typing import Any
from uuid import UUID

from sqlalchemy import bindparam, insert, select

from crmcore.adapters.sqlalchemy.repository import Repository, chunks, in_list, in_params
from crmcore.adapters.sqlalchemy.statements import padded, restore
from crmcore.domain import Employee, Phone
from crmcore.errors import DuplicateError

__all__ = ["Employees"]

_make_phone = restore(Phone)
_make_employee = restore(Employee)


def _employee_values(employee: Employee) -> dict[str, Any]:
    return {
        "id": employee.id,
        "code": employee.code,
        "name": employee.name,
        "email": employee.email,
        "phone_e164": None if employee.phone is None else employee.phone.e164,
        "phone_extension": None if employee.phone is None else employee.phone.extension,
        "extension": employee.extension,
        "department": employee.department,
        "position": employee.position,
        "time_zone": employee.time_zone,
        "archived": employee.archived,
        "external_id": employee.external_id,
        "version": employee.version,
        "created_at": employee.created_at,
        "updated_at": employee.updated_at,
    }


class Employees(Repository):
    """Employees, unique by code."""

    def _select(
        self, key: str, condition: Callable[[], Any] | None, **params: Any
    ) -> list[Employee]:
        e = self.t.employees.c

        def build() -> Any:
            query = select(
                e.code, e.name, e.email, e.phone_e164, e.phone_extension, e.extension,
                e.department, e.position, e.time_zone, e.archived, e.external_id, e.id,
                e.version, e.created_at, e.updated_at,
            ).order_by(e.code, e.id)  # fmt: skip
            return query if condition is None else query.where(condition())

        codec = self.codec
        return [
            _make_employee(
                code=row[0],
                name=row[1],
                email=row[2],
                phone=None
                if row[3] is None and row[4] is None
                else _make_phone(e164=row[3], extension=row[4]),
                extension=row[5],
                department=row[6],
                position=row[7],
                time_zone=row[8],
                archived=bool(row[9]),
                external_id=row[10],
                id=codec.uuid_out(row[11]),
                version=row[12],
                created_at=codec.moment_out(row[13]),
                updated_at=codec.moment_out(row[14]),
            )
            for row in self._rows(("employees", key), build, **params)
        ]

    def add(self, employee: Employee) -> None:
        if self.get_by_code(employee.code) is not None:
            raise DuplicateError("code", employee.code)
        self.db.execute(insert(self.t.employees).values(**_employee_values(employee)))

    def get(self, id: UUID) -> Employee | None:
        e = self.t.employees.c
        found = self._select("id", lambda: e.id == bindparam("id"), id=self.codec.uuid_in(id))
        return found[0] if found else None

    def get_many(self, ids: Iterable[UUID]) -> dict[UUID, Employee]:
        e = self.t.employees.c
        found: dict[UUID, Employee] = {}
        for chunk in chunks({self.codec.uuid_in(i) for i in ids}):
            wanted = padded(chunk)
            size = len(wanted)
            for employee in self._select(
                f"ids {size}", partial(in_list, e.id, "v", size), **in_params("v", wanted)
            ):
                found[employee.id] = employee
        return found

    def get_by_code(self, code: str) -> Employee | None:
        e = self.t.employees.c
        found = self._select("code", lambda: e.code == bindparam("code"), code=code)
        return found[0] if found else None

    def update(self, employee: Employee, expected_version: int) -> None:
        e = self.t.employees.c
        taken = self.db.scalar(select(e.id).where(e.code == employee.code, e.id != employee.id))
        if taken is not None:
            raise DuplicateError("code", employee.code)
        self._replace(
            self.t.employees,
            "employee",
            employee.code,
            _employee_values(employee),
            expected_version,
        )

    def with_extensions(self, extensions: Iterable[str]) -> list[Employee]:
        e = self.t.employees.c
        wanted = padded(sorted(set(extensions)))
        size = len(wanted)
        if not size:
            return []
        return self._select(
            f"extensions {size}", partial(in_list, e.extension, "x", size), **in_params("x", wanted)
        )

    def list(self, *, include_archived: bool) -> list[Employee]:
        if include_archived:
            return self._select("all", None)
        return self._select("active", lambda: self.t.employees.c.archived.is_(False))
