"""The SQL unit of work: one connection and its transaction, and a repository per capability."""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import Any, Protocol

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import OperationalError

from crmcore.adapters.sqlalchemy.allocations import Allocations
from crmcore.adapters.sqlalchemy.balances import Balances
from crmcore.adapters.sqlalchemy.calendars import Subscriptions, SyncedItems
from crmcore.adapters.sqlalchemy.calls import CallEvents, Calls
from crmcore.adapters.sqlalchemy.clients import Clients, Contacts
from crmcore.adapters.sqlalchemy.collaboration import Attachments, Comments, Links
from crmcore.adapters.sqlalchemy.contracts import Contracts, Stages
from crmcore.adapters.sqlalchemy.documents import DocumentLines, Documents
from crmcore.adapters.sqlalchemy.employees import Employees
from crmcore.adapters.sqlalchemy.events import Events, EventTypes
from crmcore.adapters.sqlalchemy.fields import FieldDefinitions, FieldValues
from crmcore.adapters.sqlalchemy.history import History
from crmcore.adapters.sqlalchemy.mail import MailAliases, MailboxStates, MailMessages, MailThreadIds
from crmcore.adapters.sqlalchemy.notifications import Inbox, Messages, Preferences
from crmcore.adapters.sqlalchemy.products import Products
from crmcore.adapters.sqlalchemy.projects import Projects
from crmcore.adapters.sqlalchemy.reminders import Reminders
from crmcore.adapters.sqlalchemy.series import SeriesRecords
from crmcore.adapters.sqlalchemy.statements import Codec, Statements
from crmcore.adapters.sqlalchemy.tables import Tables
from crmcore.adapters.sqlalchemy.tasks import Dependencies, Executors, Tasks, WorkLog
from crmcore.adapters.sqlalchemy.timeline import Timeline
from crmcore.errors import StorageError

__all__ = ["READ_ONLY", "SQLUnitOfWork", "StorageContext"]

READ_ONLY = "crmcore_read_only"
"""The connection execution option that marks a unit of work that only reads."""


class StorageContext(Protocol):
    """What a unit of work needs from its storage."""

    @property
    def engine(self) -> Engine: ...

    @property
    def url(self) -> str: ...

    @property
    def tables(self) -> Tables: ...

    @property
    def codec(self) -> Codec: ...

    @property
    def statements(self) -> Statements: ...

    def mapper(self, name: str, build: Callable[[], Any]) -> Any:
        """The record mapper of one table, built once per storage."""


_REPOSITORIES: dict[str, Callable[[Any, Tables], Any]] = {
    "clients": Clients,
    "contacts": Contacts,
    "employees": Employees,
    "event_types": EventTypes,
    "events": Events,
    "timeline": Timeline,
    "history": History,
    "projects": Projects,
    "tasks": Tasks,
    "executors": Executors,
    "work_log": WorkLog,
    "dependencies": Dependencies,
    "comments": Comments,
    "links": Links,
    "attachments": Attachments,
    "field_definitions": FieldDefinitions,
    "field_values": FieldValues,
    "reminders": Reminders,
    "series": SeriesRecords,
    "messages": Messages,
    "inbox": Inbox,
    "preferences": Preferences,
    "subscriptions": Subscriptions,
    "synced_items": SyncedItems,
    "calls": Calls,
    "call_events": CallEvents,
    "mail_messages": MailMessages,
    "mail_thread_ids": MailThreadIds,
    "mail_aliases": MailAliases,
    "mailbox_states": MailboxStates,
    "products": Products,
    "contracts": Contracts,
    "stages": Stages,
    "documents": Documents,
    "document_lines": DocumentLines,
    "allocations": Allocations,
    "balances": Balances,
}
"""The repository class of each capability's attribute of a unit of work."""


class SQLUnitOfWork:
    """One transaction on a connection of the storage's engine, begun on first use.

    Its repositories (one attribute per capability, as the storage port names
    them) are made on first use.
    """

    clients: Clients
    contacts: Contacts
    employees: Employees
    event_types: EventTypes
    events: Events
    timeline: Timeline
    history: History
    projects: Projects
    tasks: Tasks
    executors: Executors
    work_log: WorkLog
    dependencies: Dependencies
    comments: Comments
    links: Links
    attachments: Attachments
    field_definitions: FieldDefinitions
    field_values: FieldValues
    reminders: Reminders
    series: SeriesRecords
    messages: Messages
    inbox: Inbox
    preferences: Preferences
    subscriptions: Subscriptions
    synced_items: SyncedItems
    calls: Calls
    call_events: CallEvents
    mail_messages: MailMessages
    mail_thread_ids: MailThreadIds
    mail_aliases: MailAliases
    mailbox_states: MailboxStates
    products: Products
    contracts: Contracts
    stages: Stages
    documents: Documents
    document_lines: DocumentLines
    allocations: Allocations
    balances: Balances

    def __init__(self, storage: StorageContext, *, writes: bool = True) -> None:
        self._storage = storage
        self._writes = writes
        self._connection: Connection | None = None
        self.codec = storage.codec
        self.statements = storage.statements

    def __getattr__(self, name: str) -> Any:
        # A repository is built the first time a unit of work asks for it: most
        # units of work use two or three of them, and building all of them was
        # a measurable share of every short read.
        build = _REPOSITORIES.get(name)
        if build is None:
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
        repository = build(self, self._storage.tables)
        self.__dict__[name] = repository
        return repository

    def mapper(self, name: str, build: Callable[[], Any]) -> Any:
        """The record mapper of one table, built once per storage."""
        return self._storage.mapper(name, build)

    @property
    def connection(self) -> Connection:
        if self._connection is None:
            raise StorageError("the unit of work is not open: use it in a `with` block")
        if not self._connection.in_transaction():
            self._connection.begin()
        return self._connection

    def __enter__(self) -> SQLUnitOfWork:
        try:
            self._connection = self._storage.engine.connect()
            if not self._writes:
                self._connection.execution_options(**{READ_ONLY: True})
        except OperationalError as error:
            raise StorageError(f"cannot reach {self._storage.url}: {error.orig}") from None
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self._connection is not None
        try:
            self.rollback()
        finally:
            self._connection.close()
            self._connection = None

    def commit(self) -> None:
        if self._connection is not None and self._connection.in_transaction():
            self._connection.commit()

    def rollback(self) -> None:
        if self._connection is not None and self._connection.in_transaction():
            self._connection.rollback()
