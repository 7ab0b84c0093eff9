"""Where clients, their contact persons and their phones are stored."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol
from uuid import UUID

from crmcore.domain import Client, ClientSearch, ContactPerson, PhoneOwner
from crmcore.domain.mail import EmailOwner

__all__ = ["ClientRepository", "ContactRepository"]


class ClientRepository(Protocol):
    def add(self, client: Client) -> None:
        """Store a new client; raise ``DuplicateError("code", ...)`` if the code is taken."""

    def get(self, id: UUID) -> Client | None: ...

    def get_by_code(self, code: str) -> Client | None: ...

    def get_many(self, ids: Iterable[UUID]) -> dict[UUID, Client]: ...

    def ids_by_code(self, codes: Iterable[str]) -> dict[str, UUID]:
        """The ids of the clients with these codes (codes not found are left out)."""

    def update(self, client: Client, expected_version: int) -> None:
        """Replace the stored client; raise ``StaleObject`` unless it is at ``expected_version``."""

    def search(self, query: ClientSearch) -> list[Client]:
        """Clients admitted by ``query.admits``, ordered by (name_sort, id), at most ``limit``."""

    def find_phone_owners(self, e164: str | None, extension: str | None) -> list[PhoneOwner]:
        """Phones of clients and their contacts whose E.164 equals ``e164`` or whose
        extension equals ``extension`` (either may be None: it then matches nothing),
        each once, with the client and contact person it belongs to."""

    def find_email_owners(
        self, address_keys: Iterable[str], domains: Iterable[str]
    ) -> list[EmailOwner]:
        """The e-mail addresses of active clients and of their active contact persons
        whose key (case-folded) is one of ``address_keys``, or whose domain is one of
        ``domains`` (case-folded), each once, ordered by (address key, client id,
        contact id), a client's own address before its contacts'."""

    def reassign(self, source_id: UUID, target_id: UUID) -> dict[str, list[UUID]]:
        """Move contacts, events, tasks, projects and timeline entries from one
        client to another, one version further for all but timeline entries;
        return the ids of what moved (keys ``contacts``, ``events``, ``tasks``,
        ``projects``, ``timeline``)."""


class ContactRepository(Protocol):
    def add(self, contact: ContactPerson) -> None: ...

    def get(self, id: UUID) -> ContactPerson | None: ...

    def get_many(self, ids: Iterable[UUID]) -> dict[UUID, ContactPerson]: ...

    def update(self, contact: ContactPerson, expected_version: int) -> None: ...

    def for_client(self, client_id: UUID, *, include_archived: bool) -> list[ContactPerson]:
        """Contacts of one client ordered by (name_sort, id)."""
