"""Employees: who works with clients, in which time zone, on which extension."""

from __future__ import annotations

from typing import Any

from crmcore.domain import Employee, Phone
from crmcore.services.base import Service, build
from crmcore.services.refs import EmployeeRef, find_employee

__all__ = ["EmployeeService"]


class EmployeeService(Service):
    """``crm.employees``: create, read, update and archive employees."""

    kind = "employee"

    def _prepare(self, fields: dict[str, Any]) -> dict[str, Any]:
        prepared = dict(fields)
        if prepared.get("phone") is not None:
            prepared["phone"] = Phone.parse(
                prepared["phone"], region=self._context.runtime.phone_region, field="phone"
            )
        return prepared

    def create(
        self,
        *,
        code: str,
        name: str,
        email: str | None = None,
        phone: str | Phone | None = None,
        extension: str | None = None,
        department: str | None = None,
        position: str | None = None,
        time_zone: str = "Europe/Kyiv",
        external_id: str | None = None,
    ) -> Employee:
        """Add an employee.

        Args:
            code: the business code (unique), e.g. the personnel number.
            name: full name.
            email: work e-mail, where notifications go.
            phone: work phone.
            extension: PBX extension.
            department: department name.
            position: job title.
            time_zone: IANA zone in which "today", overdue and reminders are judged.
            external_id: the host system's id.

        Raises:
            ValidationError: a field is invalid.
            DuplicateError: the code is taken.

        Example:
            >>> import crmcore
            >>> crm = crmcore.open()
            >>> crm.employees.create(code="3", name="Кононов Олег Васильович").time_zone
            'Europe/Kyiv'
        """
        with self._unit_of_work() as uow:
            employee = build(
                Employee,
                code=code,
                name=name,
                email=email,
                extension=extension,
                department=department,
                position=position,
                time_zone=time_zone,
                external_id=external_id,
                **self._prepare({"phone": phone}),
            )
            return self._add(uow, uow.employees, employee)

    def get(self, employee: EmployeeRef) -> Employee:
        """The employee with this id or code.

        Raises:
            NotFound: there is no such employee.
        """
        with self._unit_of_work(writes=False) as uow:
            found = find_employee(uow, employee)
            self._authorize("read", found)
            return found

    def update(self, employee: EmployeeRef, **changes: Any) -> Employee:
        """Change fields of an employee; returns the new state."""
        with self._unit_of_work() as uow:
            stored = find_employee(uow, employee)
            return self._update(uow, uow.employees, stored, employee, self._prepare(changes))

    def archive(self, employee: EmployeeRef) -> Employee:
        """Mark an employee as gone; their history stays."""
        with self._unit_of_work() as uow:
            return self._archive(uow, uow.employees, find_employee(uow, employee), employee)

    def restore(self, employee: EmployeeRef) -> Employee:
        with self._unit_of_work() as uow:
            return self._restore(uow, uow.employees, find_employee(uow, employee), employee)

    def list(self, *, include_archived: bool = False) -> list[Employee]:
        """All employees by code."""
        with self._unit_of_work(writes=False) as uow:
            self._authorize("read")
            return uow.employees.list(include_archived=include_archived)
