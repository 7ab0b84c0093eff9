"""The interfaces storage backends implement (typing.Protocol, checked structurally).

A backend is chosen by the ``crmcore_storage`` hook and returns a
:class:`Storage`.  All writes happen inside a :class:`UnitOfWork`: leaving its
``with`` block without :meth:`UnitOfWork.commit` rolls everything back.
Repositories store exactly what they are given; versions, timestamps, history
and timeline entries are decided by the services above them, so every backend
behaves alike.  Read models (timeline pages, searches, phone lookups) are
repository methods so a SQL backend can answer them with indexes.

``crmcore.testing`` holds the conformance suite a backend must pass.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from types import TracebackType
from typing import Any, Protocol
from uuid import UUID

import attrs

from crmcore.domain import (
    Change,
    Client,
    ClientSearch,
    ContactPerson,
    Employee,
    Event,
    EventType,
    PhoneOwner,
    TimelineEntry,
    TimelineFilter,
)

__all__ = [
    "ClientRepository",
    "ContactRepository",
    "EmployeeRepository",
    "EventRepository",
    "EventTypeRepository",
    "HistoryRepository",
    "Storage",
    "StorageOptions",
    "TimelineRepository",
    "UnitOfWork",
]


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

    def reassign(self, source_id: UUID, target_id: UUID) -> dict[str, list[UUID]]:
        """Move contacts, events and timeline entries from one client to another,
        one version further for contacts and events; return the ids of what
        moved (keys ``contacts``, ``events``, ``timeline``)."""


class ContactRepository(Protocol):
    def add(self, contact: ContactPerson) -> None: ...

    def get(self, id: UUID) -> ContactPerson | None: ...

    def get_many(self, ids: Iterable[UUID]) -> dict[UUID, ContactPerson]: ...

    def update(self, contact: ContactPerson, expected_version: int) -> None: ...

    def for_client(self, client_id: UUID, *, include_archived: bool) -> list[ContactPerson]:
        """Contacts of one client ordered by (name_sort, id)."""


class EmployeeRepository(Protocol):
    def add(self, employee: Employee) -> None: ...

    def get(self, id: UUID) -> Employee | None: ...

    def get_by_code(self, code: str) -> Employee | None: ...

    def update(self, employee: Employee, expected_version: int) -> None: ...

    def list(self, *, include_archived: bool) -> list[Employee]:
        """All employees ordered by (code, id)."""


class EventTypeRepository(Protocol):
    def add(self, event_type: EventType) -> None: ...

    def get(self, code: str) -> EventType | None: ...

    def update(self, event_type: EventType, expected_version: int) -> None: ...

    def list(self, *, include_archived: bool) -> list[EventType]:
        """All event types ordered by (code)."""


class EventRepository(Protocol):
    def add(self, event: Event) -> None: ...

    def add_many(self, events: Sequence[Event]) -> None:
        """Store a batch of new events (bulk import); must be fast."""

    def get(self, id: UUID) -> Event | None: ...

    def get_by_external_ref(self, external_ref: str) -> Event | None: ...

    def existing_external_refs(self, refs: Iterable[str]) -> set[str]: ...

    def update(self, event: Event, expected_version: int) -> None: ...


class TimelineRepository(Protocol):
    def add_many(self, entries: Sequence[TimelineEntry]) -> None: ...

    def replace(self, kind: str, source_id: UUID, entry: TimelineEntry | None) -> None:
        """Drop the entries of one source record, then store ``entry`` if given."""

    def page(
        self,
        client_id: UUID,
        where: TimelineFilter,
        *,
        before: tuple[datetime, UUID] | None,
        limit: int,
    ) -> list[TimelineEntry]:
        """Entries of a client admitted by ``where``, newest first by
        (occurred_at, id), strictly after the position ``before``, at most ``limit``."""


class HistoryRepository(Protocol):
    def add_many(self, changes: Sequence[Change]) -> None: ...

    def for_entity(self, entity_kind: str, entity_id: UUID) -> list[Change]:
        """Changes of one entity in the order they were made (at, id)."""


class UnitOfWork(Protocol):
    """One transaction.  Use as ``with storage.unit_of_work() as uow: ...; uow.commit()``."""

    clients: ClientRepository
    contacts: ContactRepository
    employees: EmployeeRepository
    event_types: EventTypeRepository
    events: EventRepository
    timeline: TimelineRepository
    history: HistoryRepository

    def __enter__(self) -> UnitOfWork: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Roll back whatever was not committed."""

    def commit(self) -> None: ...

    def rollback(self) -> None: ...


@attrs.frozen(kw_only=True)
class StorageOptions:
    """What ``crmcore.open`` passes to the ``crmcore_storage`` hook besides the URL.

    Attributes:
        table_prefix: put before every table name, so crmcore's tables sit
            beside a host's own without clashing.
        schema: the database schema (PostgreSQL) for crmcore's tables.
        upgrade: bring the schema to the current revision on open.
        engine: a host's SQLAlchemy ``Engine`` to use instead of a URL.
    """

    table_prefix: str = "crm_"
    schema: str | None = None
    upgrade: bool = True
    engine: Any = None


class Storage(Protocol):
    @property
    def url(self) -> str:
        """Where the data lives, for people (passwords hidden)."""

    def unit_of_work(self, *, writes: bool = True) -> UnitOfWork:
        """A new unit of work; ``writes=False`` promises it only reads, so the
        backend may skip write locks (and must still see committed data)."""

    def upgrade(self) -> None:
        """Bring the schema to the current revision (create it in a new database)."""

    def check_schema(self) -> None:
        """Raise ``StorageError`` unless the schema is at the current revision."""

    def revisions(self) -> tuple[str | None, str]:
        """(the stored schema revision or None, the revision this crmcore needs).

        A backend without a schema answers its own name for both.
        """

    def close(self) -> None: ...
