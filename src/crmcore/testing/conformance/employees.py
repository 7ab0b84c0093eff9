"""Employees: listed by code, refused field by field, and only active ones may act."""

from __future__ import annotations

from typing import Any

import pytest

from crmcore import CRM
from crmcore.errors import DuplicateError, ValidationError

__all__ = ["EmployeeConformance"]


class EmployeeConformance:
    """Employees and who may act as one."""

    def test_employees_are_listed_by_code_and_archived_ones_hidden(
        self, crm: CRM, seed: dict[str, Any]
    ) -> None:
        assert [e.code for e in crm.employees.list()] == ["1", "2", "3"]
        crm.employees.archive("2")
        assert [e.code for e in crm.employees.list()] == ["1", "3"]
        assert crm.employees.get("2").archived

    @pytest.mark.parametrize(
        ("fields", "field"),
        [
            ({"time_zone": "Europe/Atlantis"}, "time_zone"),
            ({"email": "nope"}, "email"),
            ({"extension": "20a"}, "extension"),
            ({"name": ""}, "name"),
            ({"phone": "1"}, "phone"),
        ],
    )
    def test_bad_employee_input_is_refused(
        self, crm: CRM, fields: dict[str, Any], field: str
    ) -> None:
        with pytest.raises(ValidationError) as caught:
            crm.employees.create(**{"code": "9", "name": "Мельник Іван", **fields})
        assert caught.value.field == field
        assert crm.employees.list(include_archived=True) == []

    def test_duplicate_employee_code_is_refused(self, crm: CRM, seed: dict[str, Any]) -> None:
        with pytest.raises(DuplicateError):
            crm.employees.create(code="1", name="Двійник")

    def test_archived_employee_cannot_act(self, crm: CRM, seed: dict[str, Any]) -> None:
        crm.employees.archive(seed["iryna"])
        with pytest.raises(ValidationError):
            crm.acting_as("2")
        with pytest.raises(ValidationError):
            crm.acting_as("nobody")
