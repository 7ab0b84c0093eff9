"""The client card: the 360° view of one client in one call."""

from __future__ import annotations

import attrs

from crmcore.domain import Client, ContactPerson, Employee, Page, TimelineEntry
from crmcore.domain.projects import Project
from crmcore.domain.tasks import CLOSED_STATUSES, Task, TaskSearch, TaskSort, TaskStatus
from crmcore.services.base import Service
from crmcore.services.refs import ClientRef, find_client
from crmcore.services.timeline import TimelineService

__all__ = ["CardService", "ClientCard"]


@attrs.frozen
class ClientCard:
    """A client with its contact persons, responsible manager, latest history,
    open tasks (what to do next, earliest due first) and projects."""

    client: Client
    contacts: tuple[ContactPerson, ...]
    responsible: Employee | None
    timeline: Page[TimelineEntry]
    open_tasks: tuple[Task, ...] = ()
    projects: tuple[Project, ...] = ()


class CardService(Service):
    kind = "client"

    def __call__(
        self, client: ClientRef, *, timeline_limit: int = 10, tasks_limit: int = 20
    ) -> ClientCard:
        """The card of a client: who they are, whom to talk to, what happened lately.

        Example:
            >>> import crmcore
            >>> crm = crmcore.open()
            >>> client = crm.clients.create(code="22910019", name="ДЕЛІКАТЕС ТОВ")
            >>> crm.card(client).client.code
            '22910019'
        """
        with self._unit_of_work(writes=False) as uow:
            owner = find_client(uow, client)
            self._authorize("read", owner)
            contacts = uow.contacts.for_client(owner.id, include_archived=False)
            responsible = (
                None if owner.responsible_id is None else uow.employees.get(owner.responsible_id)
            )
            timeline = TimelineService(self._context)(owner, limit=timeline_limit)
            open_statuses = frozenset(TaskStatus) - CLOSED_STATUSES
            tasks = uow.tasks.search(
                TaskSearch(client_id=owner.id, statuses=open_statuses),
                TaskSort.DUE,
                after=None,
                limit=tasks_limit,
            )
            projects = [p for p in uow.projects.find(client_id=owner.id) if not p.archived]
        return ClientCard(
            client=owner,
            contacts=tuple(contacts),
            responsible=responsible,
            timeline=timeline,
            open_tasks=tuple(tasks),
            projects=tuple(sorted(projects, key=lambda p: (p.name_sort, p.id))),
        )
