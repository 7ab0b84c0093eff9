"""The memory storage and its units of work, and the hook that opens ``memory://`` URLs."""

from __future__ import annotations

import threading
from types import TracebackType
from typing import Any

from crmcore.adapters.memory.allocations import Allocations
from crmcore.adapters.memory.balances import Balances
from crmcore.adapters.memory.calendars import Subscriptions, SyncedItems
from crmcore.adapters.memory.calls import CallEvents, Calls
from crmcore.adapters.memory.clients import Clients, Contacts
from crmcore.adapters.memory.collaboration import Attachments, Comments, Links
from crmcore.adapters.memory.contracts import Contracts, Stages
from crmcore.adapters.memory.documents import DocumentLines, Documents
from crmcore.adapters.memory.employees import Employees
from crmcore.adapters.memory.events import Events, EventTypes
from crmcore.adapters.memory.fields import FieldDefinitions, FieldValues
from crmcore.adapters.memory.history import History
from crmcore.adapters.memory.mail import MailAliases, MailboxStates, MailMessages, MailThreadIds
from crmcore.adapters.memory.notifications import Inbox, Messages, Preferences
from crmcore.adapters.memory.products import Products
from crmcore.adapters.memory.projects import Projects
from crmcore.adapters.memory.reminders import Reminders
from crmcore.adapters.memory.series import SeriesRecords
from crmcore.adapters.memory.tasks import Dependencies, Executors, Tasks, WorkLog
from crmcore.adapters.memory.timeline import Timeline
from crmcore.errors import StorageError
from crmcore.hookspecs import hookimpl
from crmcore.ports import StorageOptions

__all__ = ["MemoryStorage", "MemoryUnitOfWork", "crmcore_storage"]

_TABLES = (
    "clients",
    "contacts",
    "employees",
    "event_types",
    "events",
    "timeline",
    "history",
    "projects",
    "tasks",
    "executors",
    "work_log",
    "dependencies",
    "comments",
    "links",
    "attachments",
    "field_definitions",
    "field_values",
    "reminders",
    "series",
    "messages",
    "inbox",
    "preferences",
    "subscriptions",
    "synced_items",
    "calls",
    "call_events",
    "mail_messages",
    "mail_thread_ids",
    "mail_aliases",
    "mailbox_states",
    "products",
    "contracts",
    "stages",
    "documents",
    "document_lines",
    "allocations",
)


class MemoryStorage:
    """Storage in this process's memory; gone when the process ends."""

    def __init__(self, name: str = "") -> None:
        self._name = name
        self._tables: dict[str, dict[Any, Any]] = {name: {} for name in _TABLES}
        self._lock = threading.RLock()
        self._closed = False

    @property
    def url(self) -> str:
        return f"memory://{self._name}"

    def unit_of_work(self, *, writes: bool = True) -> MemoryUnitOfWork:
        if self._closed:
            raise StorageError("this storage is closed")
        return MemoryUnitOfWork(self)

    def upgrade(self) -> None:
        """Nothing to migrate: the memory backend has no schema."""

    def check_schema(self) -> None:
        """Always current: the memory backend has no schema."""

    def revisions(self) -> tuple[str | None, str]:
        return "memory", "memory"

    def close(self) -> None:
        self._closed = True
        with _named_lock:
            if _named.get(self._name) is self:
                del _named[self._name]


class MemoryUnitOfWork:
    """One transaction on a :class:`MemoryStorage`: copies of the tables it wrote to."""

    def __init__(self, storage: MemoryStorage) -> None:
        self._storage = storage
        self._copies: dict[str, dict[Any, Any]] = {}
        self.clients = Clients(self)
        self.contacts = Contacts(self)
        self.employees = Employees(self)
        self.event_types = EventTypes(self)
        self.events = Events(self)
        self.timeline = Timeline(self)
        self.history = History(self)
        self.projects = Projects(self)
        self.tasks = Tasks(self)
        self.executors = Executors(self)
        self.work_log = WorkLog(self)
        self.dependencies = Dependencies(self)
        self.comments = Comments(self)
        self.links = Links(self)
        self.attachments = Attachments(self)
        self.field_definitions = FieldDefinitions(self)
        self.field_values = FieldValues(self)
        self.reminders = Reminders(self)
        self.series = SeriesRecords(self)
        self.messages = Messages(self)
        self.inbox = Inbox(self)
        self.preferences = Preferences(self)
        self.subscriptions = Subscriptions(self)
        self.synced_items = SyncedItems(self)
        self.calls = Calls(self)
        self.call_events = CallEvents(self)
        self.mail_messages = MailMessages(self)
        self.mail_thread_ids = MailThreadIds(self)
        self.mail_aliases = MailAliases(self)
        self.mailbox_states = MailboxStates(self)
        self.products = Products(self)
        self.contracts = Contracts(self)
        self.stages = Stages(self)
        self.documents = Documents(self)
        self.document_lines = DocumentLines(self)
        self.allocations = Allocations(self)
        self.balances = Balances(self)

    def table(self, name: str, *, write: bool = False) -> dict[Any, Any]:
        if name in self._copies:
            return self._copies[name]
        committed = self._storage._tables[name]
        if not write:
            return committed
        copied = dict(committed)
        self._copies[name] = copied
        return copied

    def __enter__(self) -> MemoryUnitOfWork:
        self._storage._lock.acquire()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.rollback()
        self._storage._lock.release()

    def commit(self) -> None:
        self._storage._tables.update(self._copies)
        self._copies = {}

    def rollback(self) -> None:
        self._copies = {}


_named: dict[str, MemoryStorage] = {}
_named_lock = threading.Lock()


@hookimpl(trylast=True)
def crmcore_storage(url: str, options: StorageOptions) -> MemoryStorage | None:
    """``memory://`` is a new private database; ``memory://NAME`` is shared by every
    ``open`` of the same name in this process until one of them closes it."""
    if options.engine is not None or not url.startswith("memory:"):
        return None
    name = url.removeprefix("memory:").removeprefix("//")
    if not name:
        return MemoryStorage()
    with _named_lock:
        storage = _named.get(name)
        if storage is None or storage._closed:
            storage = _named[name] = MemoryStorage(name)
        return storage
