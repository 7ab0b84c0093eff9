"""Clients, their contact persons and their phones in memory."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from uuid import UUID

import attrs

from crmcore.adapters.memory.fields import has_field_values
from crmcore.adapters.memory.repository import Repository, copy_out
from crmcore.domain import Client, ClientSearch, ContactPerson, PhoneOwner, search_key
from crmcore.domain.mail import EmailOwner, email_owner_order
from crmcore.errors import DuplicateError

__all__ = ["Clients", "Contacts"]


class Clients(Repository):
    """Clients; their phones are found through them and their contacts."""

    name = "clients"
    kind = "client"

    def add(self, client: Client) -> None:
        if self.get_by_code(client.code) is not None:
            raise DuplicateError("code", client.code)
        self._put(client.id, client)

    def get_by_code(self, code: str) -> Client | None:
        for client in self._rows().values():
            if client.code == code:
                return copy_out(client)  # type: ignore[no-any-return]
        return None

    def get_many(self, ids: Iterable[UUID]) -> dict[UUID, Client]:
        rows = self._rows()
        return {id: copy_out(rows[id]) for id in set(ids) if id in rows}

    def ids_by_code(self, codes: Iterable[str]) -> dict[str, UUID]:
        wanted = set(codes)
        return {c.code: c.id for c in self._rows().values() if c.code in wanted}

    def update(self, client: Client, expected_version: int) -> None:
        other = self.get_by_code(client.code)
        if other is not None and other.id != client.id:
            raise DuplicateError("code", client.code)
        self._replace(client.id, client, expected_version)

    def search(self, query: ClientSearch) -> list[Client]:
        values = self._uow.table("field_values")
        found = [
            c
            for c in self._rows().values()
            if query.admits(c) and has_field_values(values, "client", c.id, query.field_values)
        ]
        found.sort(key=lambda c: (c.name_sort, c.id))
        return [copy_out(c) for c in found[: query.limit]]

    def find_phone_owners(self, e164: str | None, extension: str | None) -> list[PhoneOwner]:
        def wanted(phone: Any) -> bool:
            return (e164 is not None and phone.e164 == e164) or (
                extension is not None and phone.extension == extension
            )

        clients = self._rows()
        owners = [
            PhoneOwner(copy_out(client), None, phone)
            for client in clients.values()
            for phone in client.phones
            if wanted(phone)
        ]
        owners += [
            PhoneOwner(copy_out(clients[contact.client_id]), copy_out(contact), phone)
            for contact in self._uow.table("contacts").values()
            for phone in contact.phones
            if wanted(phone)
        ]
        return owners

    def find_email_owners(
        self, address_keys: Iterable[str], domains: Iterable[str]
    ) -> list[EmailOwner]:
        keys, wanted_domains = set(address_keys), set(domains)

        def wanted(key: str) -> bool:
            return key in keys or key.rpartition("@")[2] in wanted_domains

        clients = self._rows()
        found = {
            EmailOwner(search_key(address), client.id)
            for client in clients.values()
            if not client.archived
            for address in client.emails
            if wanted(search_key(address))
        }
        found.update(
            EmailOwner(contact.email.casefold(), contact.client_id, contact.id)
            for contact in self._uow.table("contacts").values()
            if contact.email
            and not contact.archived
            and not clients[contact.client_id].archived
            and wanted(contact.email.casefold())
        )
        return sorted(found, key=email_owner_order)

    def reassign(self, source_id: UUID, target_id: UUID) -> dict[str, list[UUID]]:
        moved: dict[str, list[UUID]] = {
            "contacts": [],
            "events": [],
            "tasks": [],
            "projects": [],
            "timeline": [],
        }
        for table in moved:
            rows = self._uow.table(table, write=True)
            for key, row in list(rows.items()):
                if row.client_id == source_id:
                    # Moved records change, so stale copies of them must not win later.
                    bump = {} if table == "timeline" else {"version": row.version + 1}
                    rows[key] = attrs.evolve(row, client_id=target_id, **bump)
                    moved[table].append(key)
        return moved


class Contacts(Repository):
    """Contact persons of clients."""

    name = "contacts"
    kind = "contact"

    def add(self, contact: ContactPerson) -> None:
        self._put(contact.id, contact)

    def get_many(self, ids: Iterable[UUID]) -> dict[UUID, ContactPerson]:
        rows = self._rows()
        return {id: copy_out(rows[id]) for id in set(ids) if id in rows}

    def update(self, contact: ContactPerson, expected_version: int) -> None:
        self._replace(contact.id, contact, expected_version)

    def for_client(self, client_id: UUID, *, include_archived: bool) -> list[ContactPerson]:
        found = [
            c
            for c in self._rows().values()
            if c.client_id == client_id and (include_archived or not c.archived)
        ]
        found.sort(key=lambda c: (c.name_sort, c.id))
        return [copy_out(c) for c in found]
