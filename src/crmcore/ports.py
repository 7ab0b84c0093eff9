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
from typing import Any, BinaryIO, Protocol, TypeVar
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
from crmcore.domain.collaboration import Attachment, Comment, Link
from crmcore.domain.fields import FieldDefinition
from crmcore.domain.notifications import Delivery, InboxItem, Message, Preference
from crmcore.domain.projects import Project
from crmcore.domain.reminders import Reminder
from crmcore.domain.series import Series
from crmcore.domain.sync import CalendarSubscription, SyncedItem
from crmcore.domain.tasks import Dependency, Executor, Task, TaskSearch, TaskSort, WorkLogEntry

__all__ = [
    "BlobInfo",
    "BlobStore",
    "Channel",
    "ClientRepository",
    "ContactRepository",
    "EmployeeRepository",
    "EventRepository",
    "EventTypeRepository",
    "ExecutorRepository",
    "FieldValueRepository",
    "HistoryRepository",
    "InboxRepository",
    "MessageRepository",
    "PreferenceRepository",
    "ProjectRepository",
    "RecordRepository",
    "ReminderRepository",
    "SeriesRepository",
    "Storage",
    "StorageOptions",
    "TaskRepository",
    "TimelineRepository",
    "UnitOfWork",
    "WorkLogRepository",
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


class EmployeeRepository(Protocol):
    def add(self, employee: Employee) -> None: ...

    def get(self, id: UUID) -> Employee | None: ...

    def get_many(self, ids: Iterable[UUID]) -> dict[UUID, Employee]:
        """The stored employees among ``ids`` (archived ones too), by id."""
        ...

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

    def for_employees(
        self, employee_ids: Sequence[UUID], since: datetime, until: datetime
    ) -> list[Event]:
        """Events (archived ones too) of these employees with ``since <= occurred_at < until``."""


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

    def for_entities(self, entity_kind: str, entity_ids: Iterable[UUID]) -> list[Change]:
        """Changes of several entities of one kind, in the order they were made (at, id)."""


R = TypeVar("R")


class RecordRepository(Protocol[R]):
    """Storage of one kind of plain record: ordered by id (the order they were made in)."""

    def add(self, record: R) -> None:
        """Store a new record; ``DuplicateError`` if it clashes with a unique one."""

    def add_many(self, records: Sequence[R]) -> None: ...

    def get(self, id: UUID) -> R | None: ...

    def get_many(self, ids: Iterable[UUID]) -> dict[UUID, R]: ...

    def find(self, **equals: Any) -> list[R]:
        """Records whose fields equal the given values (None matches a missing value),
        ordered by id.  Field names come from crmcore's code, never from users."""

    def update(self, record: R, expected_version: int) -> None:
        """Replace the stored record; ``StaleObject`` unless it is at ``expected_version``."""

    def delete(self, id: UUID) -> None: ...


class ProjectRepository(RecordRepository[Project], Protocol):
    def get_by_code(self, code: str) -> Project | None: ...


class TaskRepository(RecordRepository[Task], Protocol):
    def search(
        self,
        query: TaskSearch,
        sort: TaskSort,
        *,
        after: tuple[Any, ...] | None,
        limit: int,
    ) -> list[Task]:
        """The registry: tasks admitted by ``query`` (and by its user-field values),
        in ``sort`` order (``TaskSort.position``), strictly after ``after``, at most ``limit``."""

    def ending_between(self, since: datetime, until: datetime) -> list[Task]:
        """Open tasks, not archived, whose planned end is in ``[since, until)``, by end."""
        ...

    def count_by_status(self, query: TaskSearch) -> dict[str, int]:
        """How many tasks ``query`` admits, per status value (statuses with none left out)."""


class ExecutorRepository(RecordRepository[Executor], Protocol):
    def for_tasks(self, task_ids: Iterable[UUID]) -> list[Executor]:
        """The executor rows of these tasks, by (task, position, id)."""

    def for_employees(
        self, employee_ids: Sequence[UUID], since: datetime, until: datetime
    ) -> list[Executor]:
        """Rows of these employees whose planned period meets [since, until):
        ``planned_start < until`` and ``planned_end >= since``."""


class WorkLogRepository(RecordRepository[WorkLogEntry], Protocol):
    def for_employees(
        self, employee_ids: Sequence[UUID], since: datetime, until: datetime
    ) -> list[WorkLogEntry]:
        """Entries of these employees with ``since <= worked_on < until``."""


class FieldValueRepository(Protocol):
    """User-field values as text keys (see ``FieldDefinition.keys``)."""

    def replace(self, entity_kind: str, entity_id: UUID, name: str, keys: Sequence[str]) -> None:
        """Set one field of one entity to ``keys`` (none: the field is cleared)."""

    def for_entities(
        self, entity_kind: str, entity_ids: Iterable[UUID]
    ) -> dict[UUID, dict[str, tuple[str, ...]]]:
        """The stored keys per entity and field name (entities without values left out)."""


class ReminderRepository(RecordRepository[Reminder], Protocol):
    def due(self, now: datetime, limit: int) -> list[Reminder]:
        """Reminders with ``next_at <= now`` on open, unarchived tasks, by ``next_at``."""
        ...

    def for_tasks(self, task_ids: Iterable[UUID]) -> list[Reminder]:
        """The reminders of these tasks, by task, then ``before``."""
        ...


class SeriesRepository(RecordRepository[Series], Protocol):
    def due(self, now: datetime, limit: int) -> list[Series]:
        """Unarchived series with ``materialise_at <= now``, by ``materialise_at``."""
        ...

    def for_employees(self, employee_ids: Sequence[UUID], until: datetime) -> list[Series]:
        """Unarchived series with ``next_at < until`` whose template task has an
        executor row of one of ``employee_ids``, by id."""
        ...


class MessageRepository(RecordRepository[Message], Protocol):
    """The outbox.  ``key`` is unique: adding a taken key raises DuplicateError."""

    def existing_keys(self, keys: Iterable[str]) -> set[str]:
        """Which of ``keys`` are stored already."""
        ...

    def due(self, now: datetime, channels: Sequence[str], limit: int) -> list[Message]:
        """Pending or failed messages of ``channels`` due by ``now``, oldest first."""
        ...

    def listing(self, status: str | None, recipient_id: UUID | None, limit: int) -> list[Message]:
        """Messages, newest first, optionally of one status and one recipient."""
        ...


class InboxRepository(RecordRepository[InboxItem], Protocol):
    def for_employee(self, employee_id: UUID, unread_only: bool, limit: int) -> list[InboxItem]:
        """An employee's inbox, newest first."""
        ...

    def unread_count(self, employee_id: UUID) -> int: ...


class PreferenceRepository(RecordRepository[Preference], Protocol):
    def for_employees(self, employee_ids: Iterable[UUID]) -> list[Preference]: ...


class UnitOfWork(Protocol):
    """One transaction.  Use as ``with storage.unit_of_work() as uow: ...; uow.commit()``."""

    clients: ClientRepository
    contacts: ContactRepository
    employees: EmployeeRepository
    event_types: EventTypeRepository
    events: EventRepository
    timeline: TimelineRepository
    history: HistoryRepository
    projects: ProjectRepository
    tasks: TaskRepository
    executors: ExecutorRepository
    work_log: WorkLogRepository
    dependencies: RecordRepository[Dependency]
    comments: RecordRepository[Comment]
    links: RecordRepository[Link]
    attachments: RecordRepository[Attachment]
    field_definitions: RecordRepository[FieldDefinition]
    field_values: FieldValueRepository
    reminders: ReminderRepository
    series: SeriesRepository
    messages: MessageRepository
    inbox: InboxRepository
    preferences: PreferenceRepository
    subscriptions: RecordRepository[CalendarSubscription]
    synced_items: RecordRepository[SyncedItem]

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


@attrs.frozen
class BlobInfo:
    """What a blob store keeps a stored blob as: its sha256 (hex) and size in bytes."""

    sha256: str
    size: int


class BlobStore(Protocol):
    """Where attachment contents live, content-addressed by sha256.

    Attachment records (name, media type, owner) are stored by the
    :class:`Storage`; the store only keeps bytes.  A blob is written before its
    record is committed, so a crash can leave an unreferenced blob but never a
    record without its content; storing the same content twice stores it once.
    """

    @property
    def url(self) -> str:
        """Where the blobs live, for people."""

    def put(self, stream: BinaryIO) -> BlobInfo:
        """Store the content read from ``stream`` (in chunks: it may be larger than
        memory) and return its sha256 and size."""

    def open(self, sha256: str) -> BinaryIO:
        """The content stored under ``sha256``, for reading; ``NotFound`` if absent,
        ``ValidationError("sha256", ...)`` if it is not 64 lowercase hex digits."""

    def exists(self, sha256: str) -> bool: ...

    def delete(self, sha256: str) -> None:
        """Forget a blob (no error if absent); callers make sure nothing refers to it."""


class Channel(Protocol):
    """A way to reach an employee: e-mail, SMS, a messenger, a PBX screen.

    Registered through the ``crmcore_channels`` hook.  The dispatcher calls
    :meth:`deliver` outside any unit of work, after the message was stored.
    """

    @property
    def name(self) -> str:
        """The channel's name, as employees' preferences and reminders name it."""
        ...

    def deliver(self, delivery: Delivery) -> str | None:
        """Send one message; return the provider's message id, if it gives one.

        Raise :class:`crmcore.errors.DeliveryError` (``permanent=True`` when a
        retry cannot help) or any other exception to fail this attempt; the
        dispatcher records it and retries with backoff.  Returning means
        delivered: the message is never given to the channel again.
        """
        ...
