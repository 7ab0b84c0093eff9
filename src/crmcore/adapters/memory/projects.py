"""Projects in memory."""

from __future__ import annotations

from crmcore.adapters.memory.repository import RecordRepository
from crmcore.domain.projects import Project

__all__ = ["Projects"]


class Projects(RecordRepository):
    """Projects, unique by code."""

    name = "projects"
    kind = "project"
    unique = (("code",),)

    def get_by_code(self, code: str) -> Project | None:
        found = self.find(code=code)
        return found[0] if found else None
