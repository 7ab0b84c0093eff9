"""The client card: the 360° view of one client in one call."""

from __future__ import annotations

import attrs

from crmcore.domain import Client, ContactPerson, Employee, Page, TimelineEntry
from crmcore.services.base import Service
from crmcore.services.refs import ClientRef, find_client
from crmcore.services.timeline import TimelineService

__all__ = ["CardService", "ClientCard"]


@attrs.frozen
class ClientCard:
    """A client with its contact persons, responsible manager and latest history."""

    client: Client
    contacts: tuple[ContactPerson, ...]
    responsible: Employee | None
    timeline: Page[TimelineEntry]


class CardService(Service):
    kind = "client"

    def __call__(self, client: ClientRef, *, timeline_limit: int = 10) -> ClientCard:
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
        return ClientCard(
            client=owner, contacts=tuple(contacts), responsible=responsible, timeline=timeline
        )
