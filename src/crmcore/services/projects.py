"""Projects: a client's work that events and tasks belong to."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from crmcore.domain.projects import Project
from crmcore.ports import UnitOfWork
from crmcore.services.base import Service, build
from crmcore.services.fields import write_fields
from crmcore.services.refs import (
    ClientRef,
    EmployeeRef,
    ProjectRef,
    find_active_employee,
    find_client,
    find_project,
)

__all__ = ["ProjectService"]

_REFERENCES = {"client": "client_id", "manager": "manager_id", "controller": "controller_id"}


class ProjectService(Service):
    """``crm.projects``: create, read, change and archive projects."""

    kind = "project"

    def _references(self, uow: UnitOfWork, given: dict[str, Any]) -> dict[str, Any]:
        prepared: dict[str, Any] = {}
        if "client" in given:
            client = given.pop("client")
            prepared["client_id"] = (
                None if client is None else find_client(uow, client, "client").id
            )
        for name in ("manager", "controller"):
            if name in given:
                who = given.pop(name)
                if who is None:
                    prepared[f"{name}_id"] = None
                    continue
                prepared[f"{name}_id"] = find_active_employee(uow, who, name).id
        return prepared

    def create(
        self,
        *,
        code: str,
        name: str,
        client: ClientRef | None = None,
        manager: EmployeeRef | None = None,
        controller: EmployeeRef | None = None,
        description: str = "",
        planned_start: datetime | None = None,
        planned_end: datetime | None = None,
        fields: Mapping[str, Any] | None = None,
    ) -> Project:
        """Add a project; ``code`` is unique.

        Example:
            >>> import crmcore
            >>> crm = crmcore.open()
            >>> neptun = crm.clients.create(code="06951937", name='Кооператив "Нептун"')
            >>> crm.projects.create(code="4", name="Проект №4", client=neptun).name
            'Проект №4'
        """
        with self._unit_of_work() as uow:
            references = self._references(
                uow, {"client": client, "manager": manager, "controller": controller}
            )
            project = build(
                Project,
                code=code,
                name=name,
                description=description,
                planned_start=planned_start,
                planned_end=planned_end,
                **references,
            )
            stored = self._add(uow, uow.projects, project)
            write_fields(self._context, uow, "project", stored.id, fields, creating=True)
            return stored

    def get(self, project: ProjectRef) -> Project:
        """The stored project (entity, id or code).  Raises NotFound."""
        with self._unit_of_work(writes=False) as uow:
            found = find_project(uow, project)
            self._authorize("read", found)
            return found

    def update(self, project: ProjectRef, **changes: Any) -> Project:
        """Change a project; ``client``, ``manager`` and ``controller`` take references."""
        self._refuse_stored_references(changes, _REFERENCES)
        with self._unit_of_work() as uow:
            stored = find_project(uow, project)
            given = dict(changes)
            prepared = self._references(uow, given)
            prepared.update(given)
            return self._update(uow, uow.projects, stored, project, prepared)

    def archive(self, project: ProjectRef) -> Project:
        with self._unit_of_work() as uow:
            return self._archive(uow, uow.projects, find_project(uow, project), project)

    def restore(self, project: ProjectRef) -> Project:
        with self._unit_of_work() as uow:
            return self._restore(uow, uow.projects, find_project(uow, project), project)

    def list(
        self, *, client: ClientRef | None = None, include_archived: bool = False
    ) -> list[Project]:
        """Projects (of one client), by name."""
        with self._unit_of_work(writes=False) as uow:
            self._authorize("read")
            if client is None:
                found = uow.projects.find()
            else:
                found = uow.projects.find(client_id=find_client(uow, client, "client").id)
            found = [p for p in found if include_archived or not p.archived]
            return sorted(found, key=lambda p: (p.name_sort, p.id))
