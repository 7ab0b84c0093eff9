"""Where projects are stored."""

from __future__ import annotations

from typing import Protocol

from crmcore.domain.projects import Project
from crmcore.ports.records import RecordRepository

__all__ = ["ProjectRepository"]


class ProjectRepository(RecordRepository[Project], Protocol):
    def get_by_code(self, code: str) -> Project | None: ...
