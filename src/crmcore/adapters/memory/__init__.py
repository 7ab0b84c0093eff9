"""The in-memory backend: the executable specification every other backend must match.

It keeps committed state in dictionaries.  A unit of work copies a table on
its first write to it (copy-on-write), so a rollback simply drops the copies
and a commit swaps them in.  Units of work are serialised by a lock.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Iterable, Sequence
from datetime import datetime
from types import TracebackType
from typing import Any, TypeVar
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
from crmcore.domain.notifications import InboxItem, Message, MessageStatus, Preference
from crmcore.domain.projects import Project
from crmcore.domain.reminders import Reminder
from crmcore.domain.series import Series
from crmcore.domain.tasks import (
    CLOSED_STATUSES,
    Executor,
    Task,
    TaskSearch,
    TaskSort,
    WorkLogEntry,
)
from crmcore.errors import DuplicateError, StaleObject, StorageError
from crmcore.hookspecs import hookimpl
from crmcore.ports import StorageOptions

__all__ = ["MemoryStorage"]

T = TypeVar("T")

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
    def __init__(self, storage: MemoryStorage) -> None:
        self._storage = storage
        self._copies: dict[str, dict[Any, Any]] = {}
        self.clients = _Clients(self)
        self.contacts = _Contacts(self)
        self.employees = _Employees(self)
        self.event_types = _EventTypes(self)
        self.events = _Events(self)
        self.timeline = _Timeline(self)
        self.history = _History(self)
        self.projects = _Projects(self)
        self.tasks = _Tasks(self)
        self.executors = _Executors(self)
        self.work_log = _WorkLog(self)
        self.dependencies = _Dependencies(self)
        self.comments = _Comments(self)
        self.links = _Links(self)
        self.attachments = _Attachments(self)
        self.field_definitions = _FieldDefinitions(self)
        self.field_values = _FieldValues(self)
        self.reminders = _Reminders(self)
        self.series = _Series(self)
        self.messages = _Messages(self)
        self.inbox = _Inbox(self)
        self.preferences = _Preferences(self)
        self.subscriptions = _Subscriptions(self)
        self.synced_items = _SyncedItems(self)

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


def _out(value: T) -> T:
    # Callers get their own copy, so changing it never changes the store.
    return copy.copy(value)


class _Repository:
    name: str
    kind: str

    def __init__(self, uow: MemoryUnitOfWork) -> None:
        self._uow = uow

    def _rows(self) -> dict[Any, Any]:
        return self._uow.table(self.name)

    def _writable(self) -> dict[Any, Any]:
        return self._uow.table(self.name, write=True)

    def get(self, id: Any) -> Any:
        found = self._rows().get(id)
        return None if found is None else _out(found)

    def _put(self, key: Any, entity: Any) -> None:
        self._writable()[key] = copy.copy(entity)

    def _replace(self, key: Any, entity: Any, expected_version: int) -> None:
        stored = self._rows().get(key)
        if stored is None or stored.version != expected_version:
            raise StaleObject(
                self.kind, key, expected_version, None if stored is None else stored.version
            )
        self._put(key, entity)


class _Clients(_Repository):
    name = "clients"
    kind = "client"

    def add(self, client: Client) -> None:
        if self.get_by_code(client.code) is not None:
            raise DuplicateError("code", client.code)
        self._put(client.id, client)

    def get_by_code(self, code: str) -> Client | None:
        for client in self._rows().values():
            if client.code == code:
                return _out(client)  # type: ignore[no-any-return]
        return None

    def get_many(self, ids: Iterable[UUID]) -> dict[UUID, Client]:
        rows = self._rows()
        return {id: _out(rows[id]) for id in set(ids) if id in rows}

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
            if query.admits(c) and _has_values(values, "client", c.id, query.field_values)
        ]
        found.sort(key=lambda c: (c.name_sort, c.id))
        return [_out(c) for c in found[: query.limit]]

    def find_phone_owners(self, e164: str | None, extension: str | None) -> list[PhoneOwner]:
        def wanted(phone: Any) -> bool:
            return (e164 is not None and phone.e164 == e164) or (
                extension is not None and phone.extension == extension
            )

        clients = self._rows()
        owners = [
            PhoneOwner(_out(client), None, phone)
            for client in clients.values()
            for phone in client.phones
            if wanted(phone)
        ]
        owners += [
            PhoneOwner(_out(clients[contact.client_id]), _out(contact), phone)
            for contact in self._uow.table("contacts").values()
            for phone in contact.phones
            if wanted(phone)
        ]
        return owners

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


class _Contacts(_Repository):
    name = "contacts"
    kind = "contact"

    def add(self, contact: ContactPerson) -> None:
        self._put(contact.id, contact)

    def get_many(self, ids: Iterable[UUID]) -> dict[UUID, ContactPerson]:
        rows = self._rows()
        return {id: _out(rows[id]) for id in set(ids) if id in rows}

    def update(self, contact: ContactPerson, expected_version: int) -> None:
        self._replace(contact.id, contact, expected_version)

    def for_client(self, client_id: UUID, *, include_archived: bool) -> list[ContactPerson]:
        found = [
            c
            for c in self._rows().values()
            if c.client_id == client_id and (include_archived or not c.archived)
        ]
        found.sort(key=lambda c: (c.name_sort, c.id))
        return [_out(c) for c in found]


class _Employees(_Repository):
    name = "employees"
    kind = "employee"

    def add(self, employee: Employee) -> None:
        if self.get_by_code(employee.code) is not None:
            raise DuplicateError("code", employee.code)
        self._put(employee.id, employee)

    def get_by_code(self, code: str) -> Employee | None:
        for employee in self._rows().values():
            if employee.code == code:
                return _out(employee)  # type: ignore[no-any-return]
        return None

    def update(self, employee: Employee, expected_version: int) -> None:
        other = self.get_by_code(employee.code)
        if other is not None and other.id != employee.id:
            raise DuplicateError("code", employee.code)
        self._replace(employee.id, employee, expected_version)

    def get_many(self, ids: Iterable[UUID]) -> dict[UUID, Employee]:
        rows = self._rows()
        return {id: _out(rows[id]) for id in set(ids) if id in rows}

    def list(self, *, include_archived: bool) -> list[Employee]:
        found = [e for e in self._rows().values() if include_archived or not e.archived]
        found.sort(key=lambda e: (e.code, e.id))
        return [_out(e) for e in found]


class _EventTypes(_Repository):
    name = "event_types"
    kind = "event type"

    def add(self, event_type: EventType) -> None:
        if event_type.code in self._rows():
            raise DuplicateError("code", event_type.code)
        self._put(event_type.code, event_type)

    def update(self, event_type: EventType, expected_version: int) -> None:
        self._replace(event_type.code, event_type, expected_version)

    def list(self, *, include_archived: bool) -> list[EventType]:
        found = [t for t in self._rows().values() if include_archived or not t.archived]
        found.sort(key=lambda t: t.code)
        return [_out(t) for t in found]


class _Events(_Repository):
    name = "events"
    kind = "event"

    def add(self, event: Event) -> None:
        self.add_many([event])

    def add_many(self, events: Sequence[Event]) -> None:
        refs = {e.external_ref for e in events if e.external_ref is not None}
        taken = self.existing_external_refs(refs)
        if taken or len(refs) < sum(1 for e in events if e.external_ref is not None):
            duplicate = next(iter(taken)) if taken else "(repeated within the batch)"
            raise DuplicateError("external_ref", duplicate)
        rows = self._writable()
        for event in events:
            rows[event.id] = copy.copy(event)

    def get_by_external_ref(self, external_ref: str) -> Event | None:
        for event in self._rows().values():
            if event.external_ref == external_ref:
                return _out(event)  # type: ignore[no-any-return]
        return None

    def existing_external_refs(self, refs: Iterable[str]) -> set[str]:
        wanted = set(refs)
        if not wanted:
            return set()
        return {e.external_ref for e in self._rows().values() if e.external_ref in wanted}

    def for_employees(
        self, employee_ids: Sequence[UUID], since: datetime, until: datetime
    ) -> list[Event]:
        wanted = set(employee_ids)
        found = [
            e
            for e in self._rows().values()
            if e.employee_id in wanted and since <= e.occurred_at < until
        ]
        found.sort(key=lambda e: (e.occurred_at, e.id))
        return [_out(e) for e in found]

    def update(self, event: Event, expected_version: int) -> None:
        if event.external_ref is not None:
            other = self.get_by_external_ref(event.external_ref)
            if other is not None and other.id != event.id:
                raise DuplicateError("external_ref", event.external_ref)
        self._replace(event.id, event, expected_version)


class _Timeline(_Repository):
    name = "timeline"
    kind = "timeline entry"

    def add_many(self, entries: Sequence[TimelineEntry]) -> None:
        rows = self._writable()
        for entry in entries:
            rows[entry.id] = entry

    def replace(self, kind: str, source_id: UUID, entry: TimelineEntry | None) -> None:
        rows = self._writable()
        for key in [k for k, e in rows.items() if e.kind == kind and e.source_id == source_id]:
            del rows[key]
        if entry is not None:
            rows[entry.id] = entry

    def page(
        self,
        client_id: UUID,
        where: TimelineFilter,
        *,
        before: tuple[datetime, UUID] | None,
        limit: int,
    ) -> list[TimelineEntry]:
        found = [
            e
            for e in self._rows().values()
            if e.client_id == client_id
            and where.admits(e)
            and (before is None or (e.occurred_at, e.id) < before)
        ]
        found.sort(key=lambda e: (e.occurred_at, e.id), reverse=True)
        return found[:limit]


class _History(_Repository):
    name = "history"
    kind = "change"

    def add_many(self, changes: Sequence[Change]) -> None:
        rows = self._writable()
        for change in changes:
            rows[change.id] = change

    def for_entity(self, entity_kind: str, entity_id: UUID) -> list[Change]:
        return self.for_entities(entity_kind, [entity_id])

    def for_entities(self, entity_kind: str, entity_ids: Iterable[UUID]) -> list[Change]:
        wanted = set(entity_ids)
        found = [
            c
            for c in self._rows().values()
            if c.entity_kind == entity_kind and c.entity_id in wanted
        ]
        found.sort(key=lambda c: (c.at, c.id))
        return found


def _has_values(
    values: dict[Any, Any],
    entity_kind: str,
    entity_id: UUID,
    conditions: Sequence[tuple[str, object]],
) -> bool:
    """Whether the entity's stored user-field keys meet every ``(name, key)``."""
    return all(key in values.get((entity_kind, entity_id, name), ()) for name, key in conditions)


class _Records(_Repository):
    """Plain records of one kind, ordered by ``order`` (the id unless said otherwise)."""

    unique: tuple[tuple[str, ...], ...] = ()

    def _order(self, record: Any) -> Any:
        return record.id

    def _check_unique(self, records: Sequence[Any]) -> None:
        for names in self.unique:
            taken = {tuple(getattr(r, name) for name in names): r.id for r in self._rows().values()}
            for record in records:
                key = tuple(getattr(record, name) for name in names)
                if None in key:
                    continue  # as in SQL, a missing value clashes with nothing
                if taken.get(key, record.id) != record.id:
                    raise DuplicateError(names[-1], getattr(record, names[-1]))
                taken[key] = record.id

    def add(self, record: Any) -> None:
        self.add_many([record])

    def add_many(self, records: Sequence[Any]) -> None:
        self._check_unique(records)
        for record in records:
            self._put(record.id, record)

    def get_many(self, ids: Iterable[UUID]) -> dict[UUID, Any]:
        rows = self._rows()
        return {id: _out(rows[id]) for id in set(ids) if id in rows}

    def find(self, **equals: Any) -> list[Any]:
        found = [
            r
            for r in self._rows().values()
            if all(getattr(r, name) == value for name, value in equals.items())
        ]
        found.sort(key=self._order)
        return [_out(r) for r in found]

    def update(self, record: Any, expected_version: int) -> None:
        self._check_unique([record])
        self._replace(record.id, record, expected_version)

    def delete(self, id: UUID) -> None:
        self._writable().pop(id, None)


class _Projects(_Records):
    name = "projects"
    kind = "project"
    unique = (("code",),)

    def get_by_code(self, code: str) -> Project | None:
        found = self.find(code=code)
        return found[0] if found else None


class _Tasks(_Records):
    name = "tasks"
    kind = "task"
    unique = (("series_id", "occurrence"), ("external_ref",))

    def ending_between(self, since: datetime, until: datetime) -> list[Task]:
        found = [
            t
            for t in self._rows().values()
            if since <= t.planned_end < until and t.status not in CLOSED_STATUSES and not t.archived
        ]
        found.sort(key=lambda t: (t.planned_end, t.id))
        return [_out(t) for t in found]

    def _matching(self, query: TaskSearch) -> list[Task]:
        employees: dict[UUID, set[UUID]] = {}
        if query.executor_id is not None:
            for row in self._uow.table("executors").values():
                if row.employee_id is not None:
                    employees.setdefault(row.task_id, set()).add(row.employee_id)
        values = self._uow.table("field_values")
        return [
            task
            for task in self._rows().values()
            if query.admits(task, frozenset(employees.get(task.id, ())))
            and _has_values(values, "task", task.id, query.field_values)
        ]

    def search(
        self,
        query: TaskSearch,
        sort: TaskSort,
        *,
        after: tuple[Any, ...] | None,
        limit: int,
    ) -> list[Task]:
        found = self._matching(query)
        if after is not None:
            found = [
                t
                for t in found
                if (sort.position(t) < after if sort.descending else sort.position(t) > after)
            ]
        found.sort(key=sort.position, reverse=sort.descending)
        return [_out(t) for t in found[:limit]]

    def count_by_status(self, query: TaskSearch) -> dict[str, int]:
        counts: dict[str, int] = {}
        for task in self._matching(attrs.evolve(query, statuses=None)):
            counts[task.status.value] = counts.get(task.status.value, 0) + 1
        return counts


class _Executors(_Records):
    name = "executors"
    kind = "executor"

    def _order(self, record: Any) -> Any:
        return (record.position, record.id)

    def for_tasks(self, task_ids: Iterable[UUID]) -> list[Executor]:
        wanted = set(task_ids)
        found = [r for r in self._rows().values() if r.task_id in wanted]
        found.sort(key=lambda r: (r.task_id, r.position, r.id))
        return [_out(r) for r in found]

    def for_employees(
        self, employee_ids: Sequence[UUID], since: datetime, until: datetime
    ) -> list[Executor]:
        wanted = set(employee_ids)
        found = [
            r
            for r in self._rows().values()
            if r.employee_id in wanted and r.planned_start < until and r.planned_end >= since
        ]
        found.sort(key=lambda r: (r.planned_start, r.id))
        return [_out(r) for r in found]


class _WorkLog(_Records):
    name = "work_log"
    kind = "work log entry"

    def _order(self, record: Any) -> Any:
        return (record.worked_on, record.id)

    def for_employees(
        self, employee_ids: Sequence[UUID], since: datetime, until: datetime
    ) -> list[WorkLogEntry]:
        wanted = set(employee_ids)
        found = [
            r
            for r in self._rows().values()
            if r.employee_id in wanted and since <= r.worked_on < until
        ]
        found.sort(key=self._order)
        return [_out(r) for r in found]


class _Dependencies(_Records):
    name = "dependencies"
    kind = "dependency"
    unique = (("predecessor_id", "successor_id"),)


class _Comments(_Records):
    name = "comments"
    kind = "comment"


class _Links(_Records):
    name = "links"
    kind = "link"


class _Attachments(_Records):
    name = "attachments"
    kind = "attachment"


class _FieldDefinitions(_Records):
    name = "field_definitions"
    kind = "user field"
    unique = (("entity_kind", "name"),)

    def _order(self, record: Any) -> Any:
        return (record.position, record.id)


class _FieldValues(_Repository):
    name = "field_values"
    kind = "user field value"

    def replace(self, entity_kind: str, entity_id: UUID, name: str, keys: Sequence[str]) -> None:
        rows = self._writable()
        if keys:
            rows[(entity_kind, entity_id, name)] = tuple(keys)
        else:
            rows.pop((entity_kind, entity_id, name), None)

    def for_entities(
        self, entity_kind: str, entity_ids: Iterable[UUID]
    ) -> dict[UUID, dict[str, tuple[str, ...]]]:
        wanted = set(entity_ids)
        found: dict[UUID, dict[str, tuple[str, ...]]] = {}
        for (kind, entity, name), keys in self._rows().items():
            if kind == entity_kind and entity in wanted:
                found.setdefault(entity, {})[name] = keys
        return {entity: dict(sorted(fields.items())) for entity, fields in found.items()}


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


class _Reminders(_Records):
    name = "reminders"
    kind = "reminder"

    def _order(self, record: Any) -> Any:
        return (record.task_id, record.before, record.id)

    def due(self, now: datetime, limit: int) -> list[Reminder]:
        tasks = self._uow.table("tasks")
        found = [
            r
            for r in self._rows().values()
            if r.next_at is not None
            and r.next_at <= now
            and r.task_id in tasks
            and tasks[r.task_id].status not in CLOSED_STATUSES
            and not tasks[r.task_id].archived
        ]
        found.sort(key=lambda r: (r.next_at, r.id))
        return [_out(r) for r in found[:limit]]

    def for_tasks(self, task_ids: Iterable[UUID]) -> list[Reminder]:
        wanted = set(task_ids)
        found = sorted((r for r in self._rows().values() if r.task_id in wanted), key=self._order)
        return [_out(r) for r in found]


class _Series(_Records):
    name = "series"
    kind = "series"

    def due(self, now: datetime, limit: int) -> list[Series]:
        found = [
            s
            for s in self._rows().values()
            if s.materialise_at is not None and s.materialise_at <= now and not s.archived
        ]
        found.sort(key=lambda s: (s.materialise_at, s.id))
        return [_out(s) for s in found[:limit]]

    def for_employees(self, employee_ids: Sequence[UUID], until: datetime) -> list[Series]:
        wanted = set(employee_ids)
        templates = {
            row.task_id
            for row in self._uow.table("executors").values()
            if row.employee_id in wanted
        }
        found = [
            s
            for s in self._rows().values()
            if not s.archived
            and s.next_at is not None
            and s.next_at < until
            and s.template_id in templates
        ]
        found.sort(key=lambda s: s.id)
        return [_out(s) for s in found]


class _Messages(_Records):
    name = "messages"
    kind = "message"
    unique = (("key",),)

    def _order(self, record: Any) -> Any:
        return (record.created_at, record.id)

    def existing_keys(self, keys: Iterable[str]) -> set[str]:
        wanted = set(keys)
        return {m.key for m in self._rows().values() if m.key in wanted}

    def due(self, now: datetime, channels: Sequence[str], limit: int) -> list[Message]:
        retryable = (MessageStatus.PENDING, MessageStatus.FAILED)
        found = [
            m
            for m in self._rows().values()
            if m.status in retryable and m.next_attempt_at <= now and m.channel in channels
        ]
        found.sort(key=lambda m: (m.next_attempt_at, m.id))
        return [_out(m) for m in found[:limit]]

    def listing(self, status: str | None, recipient_id: UUID | None, limit: int) -> list[Message]:
        found = [
            m
            for m in self._rows().values()
            if (status is None or m.status == status)
            and (recipient_id is None or m.recipient_id == recipient_id)
        ]
        found.sort(key=self._order, reverse=True)
        return [_out(m) for m in found[:limit]]


class _Inbox(_Records):
    name = "inbox"
    kind = "inbox item"
    unique = (("message_id",),)

    def for_employee(self, employee_id: UUID, unread_only: bool, limit: int) -> list[InboxItem]:
        found = [
            i
            for i in self._rows().values()
            if i.employee_id == employee_id and (not unread_only or i.read_at is None)
        ]
        found.sort(key=lambda i: (i.created_at, i.id), reverse=True)
        return [_out(i) for i in found[:limit]]

    def unread_count(self, employee_id: UUID) -> int:
        return sum(
            1 for i in self._rows().values() if i.employee_id == employee_id and i.read_at is None
        )


class _Preferences(_Records):
    name = "preferences"
    kind = "notification preference"
    unique = (("employee_id", "kind"),)

    def for_employees(self, employee_ids: Iterable[UUID]) -> list[Preference]:
        wanted = set(employee_ids)
        found = sorted(
            (p for p in self._rows().values() if p.employee_id in wanted), key=self._order
        )
        return [_out(p) for p in found]


class _Subscriptions(_Records):
    name = "subscriptions"
    kind = "calendar subscription"
    unique = (("employee_id", "url"),)


class _SyncedItems(_Records):
    name = "synced_items"
    kind = "synced calendar item"
    unique = (("subscription_id", "uid"),)
