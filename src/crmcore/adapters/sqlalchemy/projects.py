"""SQL repository of projects."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, ClassVar

from crmcore.adapters.sqlalchemy.repository import RecordRepository
from crmcore.domain.projects import Project

__all__ = ["Projects"]


class Projects(RecordRepository[Project]):
    kind = "project"
    table_name = "projects"
    entity_type = Project
    unique = (("code",),)
    derived: ClassVar[Mapping[str, Callable[[Any], Any]]] = {
        "name_sort": lambda project: project.name_sort
    }

    def get_by_code(self, code: str) -> Project | None:
        found = self.find(code=code)
        return found[0] if found else None
