"""The SQLAlchemy backend: SQLite (embedded default) and PostgreSQL.

Repositories are explicit SQLAlchemy Core code: domain objects stay free of
ORM state.  Read models (timeline pages, searches, phone lookups) are single
indexed queries; lists of phones, e-mails and tags are loaded for a whole page
of clients in one query each.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from importlib import resources
from types import TracebackType
from typing import Any
from uuid import UUID

from sqlalchemy import (
    Connection,
    Engine,
    Row,
    Table,
    and_,
    create_engine,
    delete,
    event,
    false,
    insert,
    or_,
    select,
    tuple_,
    update,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, IntegrityError, NoSuchModuleError, OperationalError
from sqlalchemy.pool import StaticPool

from crmcore.adapters.sqlalchemy.tables import Tables, build_tables
from crmcore.domain import (
    Address,
    Change,
    ChangeAction,
    Client,
    ClientKind,
    ClientSearch,
    ContactPerson,
    Direction,
    Employee,
    Event,
    EventCategory,
    EventType,
    Phone,
    PhoneOwner,
    TimelineEntry,
    TimelineFilter,
)
from crmcore.domain.clients import search_key
from crmcore.errors import DuplicateError, StaleObject, StorageError
from crmcore.ports import StorageOptions

__all__ = ["SQLAlchemyStorage"]

_ID_CHUNK = 500  # ids per IN (...) list, well under every driver's parameter limit


def _chunks(values: Iterable[Any]) -> Iterable[list[Any]]:
    items = list(values)
    for start in range(0, len(items), _ID_CHUNK):
        yield items[start : start + _ID_CHUNK]


def _sqlite_pragmas(dbapi_connection: Any, _: Any) -> None:
    # Let SQLAlchemy's BEGIN (below) open transactions, so reads inside a unit
    # of work are isolated too, and enforce foreign keys like PostgreSQL.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    # WAL lets readers go on while one unit of work writes; memory databases ignore it.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


def _sqlite_begin(connection: Connection) -> None:
    connection.exec_driver_sql("BEGIN")


class SQLAlchemyStorage:
    """Storage in a SQL database through SQLAlchemy 2.

    Args:
        engine: the engine to use.
        options: table prefix, schema and upgrade policy.
        owns_engine: dispose of the engine on :meth:`close` (False for a
            host's engine).
    """

    def __init__(self, engine: Engine, options: StorageOptions, *, owns_engine: bool) -> None:
        self.engine = engine
        self.options = options
        self.tables = build_tables(options.table_prefix, options.schema)
        self._owns_engine = owns_engine

    @classmethod
    def from_url(cls, url: str, options: StorageOptions) -> SQLAlchemyStorage:
        """Create an engine for ``url`` (``sqlite:///path``, ``postgresql+psycopg://...``)."""
        try:
            parsed = make_url(url)
        except ArgumentError as error:
            raise StorageError(f"{url!r} is not a database URL: {error}") from None
        kwargs: dict[str, Any] = {}
        if parsed.get_backend_name() == "sqlite" and parsed.database in (None, "", ":memory:"):
            # One connection for the process, or each unit of work would see a new empty database.
            kwargs["poolclass"] = StaticPool
            kwargs["connect_args"] = {"check_same_thread": False}
        try:
            engine = create_engine(parsed, **kwargs)
        except (NoSuchModuleError, ModuleNotFoundError) as error:
            hint = " (install crmcore[postgresql])" if "postgres" in url else ""
            raise StorageError(f"cannot open {parsed!r}: {error}{hint}") from None
        if engine.dialect.name == "sqlite":
            event.listen(engine, "connect", _sqlite_pragmas)
            event.listen(engine, "begin", _sqlite_begin)
        return cls(engine, options, owns_engine=True)

    @property
    def url(self) -> str:
        return self.engine.url.render_as_string(hide_password=True)

    def unit_of_work(self) -> SQLUnitOfWork:
        return SQLUnitOfWork(self)

    def alembic_config(self, connection: Connection) -> Any:
        from alembic.config import Config

        config = Config()
        location = resources.files("crmcore.adapters.sqlalchemy") / "migrations"
        config.set_main_option("script_location", str(location))
        config.attributes.update(
            connection=connection,
            table_prefix=self.options.table_prefix,
            schema=self.options.schema,
        )
        return config

    def revisions(self) -> tuple[str | None, str]:
        """(the database's schema revision, the newest revision crmcore has)."""
        from alembic.runtime.migration import MigrationContext
        from alembic.script import ScriptDirectory

        try:
            with self.engine.connect() as connection:
                config = self.alembic_config(connection)
                head = ScriptDirectory.from_config(config).get_current_head()
                context = MigrationContext.configure(
                    connection,
                    opts={
                        "version_table": f"{self.options.table_prefix}alembic_version",
                        "version_table_schema": self.options.schema,
                    },
                )
                current = context.get_current_revision()
        except OperationalError as error:
            raise StorageError(f"cannot reach {self.url}: {error.orig}") from None
        if head is None:
            raise StorageError("crmcore's migration scripts are missing from the installation")
        return current, head

    def upgrade(self) -> None:
        """Migrate the schema to the newest revision (creating it in a new database)."""
        from alembic import command
        from sqlalchemy.schema import CreateSchema

        current, head = self.revisions()
        if current == head:
            return
        with self.engine.begin() as connection:
            if self.options.schema and connection.dialect.name == "postgresql":
                connection.execute(CreateSchema(self.options.schema, if_not_exists=True))
            command.upgrade(self.alembic_config(connection), "head")

    def check_schema(self) -> None:
        """Raise StorageError unless the schema is at the newest revision."""
        current, head = self.revisions()
        if current != head:
            raise StorageError(
                f"the crmcore schema in {self.url} is at revision {current or 'none'}, "
                f"crmcore needs {head}: run `crmcore db upgrade` or open with upgrade=True"
            )

    def close(self) -> None:
        if self._owns_engine:
            self.engine.dispose()


class SQLUnitOfWork:
    def __init__(self, storage: SQLAlchemyStorage) -> None:
        self._storage = storage
        self._connection: Connection | None = None
        t = storage.tables
        self.clients = _Clients(self, t)
        self.contacts = _Contacts(self, t)
        self.employees = _Employees(self, t)
        self.event_types = _EventTypes(self, t)
        self.events = _Events(self, t)
        self.timeline = _Timeline(self, t)
        self.history = _History(self, t)

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


class _Repository:
    def __init__(self, uow: SQLUnitOfWork, tables: Tables) -> None:
        self._uow = uow
        self.t = tables

    @property
    def db(self) -> Connection:
        return self._uow.connection

    def _replace(
        self, table: Table, kind: str, key: Any, values: dict[str, Any], expected: int
    ) -> None:
        result = self.db.execute(
            update(table)
            .where(table.c.id == values["id"], table.c.version == expected)
            .values(**values)
        )
        if result.rowcount != 1:
            actual = self.db.scalar(select(table.c.version).where(table.c.id == values["id"]))
            raise StaleObject(kind, key, expected, actual)


# --- clients -------------------------------------------------------------------


def _client_values(client: Client) -> dict[str, Any]:
    return {
        "id": client.id,
        "code": client.code,
        "code_key": client.code_key,
        "name": client.name,
        "name_key": client.name_key,
        "name_sort": client.name_sort,
        "kind": client.kind.value,
        "tax_code": client.tax_code,
        "responsible_id": client.responsible_id,
        "addresses": [
            {
                k: v
                for k, v in (
                    ("text", a.text),
                    ("kind", a.kind.value),
                    ("postcode", a.postcode),
                    ("city", a.city),
                    ("country", a.country),
                )
                if v is not None
            }
            for a in client.addresses
        ],
        "notes": client.notes,
        "archived": client.archived,
        "merged_into": client.merged_into,
        "external_id": client.external_id,
        "version": client.version,
        "created_at": client.created_at,
        "updated_at": client.updated_at,
    }


class _Clients(_Repository):
    def add(self, client: Client) -> None:
        if self.get_by_code(client.code) is not None:
            raise DuplicateError("code", client.code)
        try:
            self.db.execute(insert(self.t.clients).values(**_client_values(client)))
        except IntegrityError:
            raise DuplicateError("code", client.code) from None
        self._write_lists(client)

    def _write_lists(self, client: Client) -> None:
        t = self.t
        self.db.execute(delete(t.client_emails).where(t.client_emails.c.client_id == client.id))
        self.db.execute(delete(t.client_tags).where(t.client_tags.c.client_id == client.id))
        self.db.execute(
            delete(t.phones).where(
                t.phones.c.client_id == client.id, t.phones.c.contact_id.is_(None)
            )
        )
        if client.emails:
            self.db.execute(
                insert(t.client_emails),
                [
                    {
                        "client_id": client.id,
                        "position": i,
                        "address": e,
                        "address_key": search_key(e),
                    }
                    for i, e in enumerate(client.emails)
                ],
            )
        if client.tags:
            self.db.execute(
                insert(t.client_tags),
                [
                    {"client_id": client.id, "position": i, "tag": tag}
                    for i, tag in enumerate(client.tags)
                ],
            )
        _write_phones(self.db, t, client.id, None, client.phones)

    def _hydrate(self, rows: Sequence[Row[Any]]) -> list[Client]:
        if not rows:
            return []
        t = self.t
        ids = [row.id for row in rows]
        emails: dict[UUID, list[str]] = defaultdict(list)
        tags: dict[UUID, list[str]] = defaultdict(list)
        phones: dict[UUID, list[Phone]] = defaultdict(list)
        for chunk in _chunks(ids):
            for e in self.db.execute(
                select(t.client_emails.c.client_id, t.client_emails.c.address)
                .where(t.client_emails.c.client_id.in_(chunk))
                .order_by(t.client_emails.c.client_id, t.client_emails.c.position)
            ):
                emails[e.client_id].append(e.address)
            for g in self.db.execute(
                select(t.client_tags.c.client_id, t.client_tags.c.tag)
                .where(t.client_tags.c.client_id.in_(chunk))
                .order_by(t.client_tags.c.client_id, t.client_tags.c.position)
            ):
                tags[g.client_id].append(g.tag)
            for p in self.db.execute(
                select(t.phones.c.client_id, t.phones.c.e164, t.phones.c.extension)
                .where(t.phones.c.client_id.in_(chunk), t.phones.c.contact_id.is_(None))
                .order_by(t.phones.c.client_id, t.phones.c.position)
            ):
                phones[p.client_id].append(Phone(p.e164, p.extension))
        return [
            Client(
                id=row.id,
                code=row.code,
                name=row.name,
                kind=ClientKind(row.kind),
                tax_code=row.tax_code,
                responsible_id=row.responsible_id,
                addresses=tuple(Address(**a) for a in row.addresses),
                phones=tuple(phones[row.id]),
                emails=tuple(emails[row.id]),
                notes=row.notes,
                tags=tuple(tags[row.id]),
                archived=row.archived,
                merged_into=row.merged_into,
                external_id=row.external_id,
                version=row.version,
                created_at=row.created_at,
                updated_at=row.updated_at,
            )
            for row in rows
        ]

    def _one(self, condition: Any) -> Client | None:
        rows = self.db.execute(select(self.t.clients).where(condition)).all()
        found = self._hydrate(rows)
        return found[0] if found else None

    def get(self, id: UUID) -> Client | None:
        return self._one(self.t.clients.c.id == id)

    def get_by_code(self, code: str) -> Client | None:
        return self._one(self.t.clients.c.code == code)

    def get_many(self, ids: Iterable[UUID]) -> dict[UUID, Client]:
        found: dict[UUID, Client] = {}
        for chunk in _chunks(set(ids)):
            rows = self.db.execute(
                select(self.t.clients).where(self.t.clients.c.id.in_(chunk))
            ).all()
            found.update((c.id, c) for c in self._hydrate(rows))
        return found

    def ids_by_code(self, codes: Iterable[str]) -> dict[str, UUID]:
        c = self.t.clients.c
        found: dict[str, UUID] = {}
        for chunk in _chunks(set(codes)):
            found.update(
                (row.code, row.id)
                for row in self.db.execute(select(c.code, c.id).where(c.code.in_(chunk)))
            )
        return found

    def update(self, client: Client, expected_version: int) -> None:
        other = self.db.scalar(
            select(self.t.clients.c.id).where(
                self.t.clients.c.code == client.code, self.t.clients.c.id != client.id
            )
        )
        if other is not None:
            raise DuplicateError("code", client.code)
        self._replace(
            self.t.clients, "client", client.code, _client_values(client), expected_version
        )
        self._write_lists(client)

    def search(self, query: ClientSearch) -> list[Client]:
        t = self.t
        c = t.clients.c
        conditions: list[Any] = []
        if query.text is not None:
            conditions.append(
                or_(c.name_key.contains(query.text, autoescape=True), c.code_key == query.text)
            )
        if query.code is not None:
            conditions.append(c.code == query.code)
        if query.tax_code is not None:
            conditions.append(c.tax_code == query.tax_code)
        if query.external_id is not None:
            conditions.append(c.external_id == query.external_id)
        if query.client_ids is not None:
            conditions.append(c.id.in_(query.client_ids) if query.client_ids else false())
        if query.email is not None:
            conditions.append(
                c.id.in_(
                    select(t.client_emails.c.client_id).where(
                        t.client_emails.c.address_key == query.email
                    )
                )
            )
        if query.kind is not None:
            conditions.append(c.kind == query.kind.value)
        if query.tag is not None:
            conditions.append(
                c.id.in_(select(t.client_tags.c.client_id).where(t.client_tags.c.tag == query.tag))
            )
        if query.responsible_id is not None:
            conditions.append(c.responsible_id == query.responsible_id)
        if not query.include_archived:
            conditions.append(c.archived.is_(False))
        rows = self.db.execute(
            select(t.clients).where(*conditions).order_by(c.name_sort, c.id).limit(query.limit)
        ).all()
        return self._hydrate(rows)

    def find_phone_owners(self, e164: str | None, extension: str | None) -> list[PhoneOwner]:
        p = self.t.phones.c
        conditions = []
        if e164 is not None:
            conditions.append(p.e164 == e164)
        if extension is not None:
            conditions.append(p.extension == extension)
        if not conditions:
            return []
        rows = self.db.execute(
            select(p.client_id, p.contact_id, p.e164, p.extension).where(or_(*conditions))
        )
        return [PhoneOwner(r.client_id, r.contact_id, Phone(r.e164, r.extension)) for r in rows]

    def reassign(self, source_id: UUID, target_id: UUID) -> dict[str, list[UUID]]:
        t = self.t
        moved: dict[str, list[UUID]] = {}
        for name, table in (
            ("contacts", t.contacts),
            ("events", t.events),
            ("timeline", t.timeline),
        ):
            where = table.c.client_id == source_id
            moved[name] = list(self.db.scalars(select(table.c.id).where(where)))
            values: dict[str, Any] = {"client_id": target_id}
            if "version" in table.c:
                values["version"] = table.c.version + 1
            self.db.execute(update(table).where(where).values(**values))
        self.db.execute(
            update(t.phones)
            .where(t.phones.c.client_id == source_id, t.phones.c.contact_id.is_not(None))
            .values(client_id=target_id)
        )
        return moved


def _write_phones(
    db: Connection, t: Tables, client_id: UUID, contact_id: UUID | None, phones: Sequence[Phone]
) -> None:
    if phones:
        db.execute(
            insert(t.phones),
            [
                {
                    "client_id": client_id,
                    "contact_id": contact_id,
                    "position": i,
                    "e164": p.e164,
                    "extension": p.extension,
                }
                for i, p in enumerate(phones)
            ],
        )


# --- contacts ------------------------------------------------------------------


def _contact_values(contact: ContactPerson) -> dict[str, Any]:
    return {
        "id": contact.id,
        "client_id": contact.client_id,
        "name": contact.name,
        "name_sort": contact.name_sort,
        "position": contact.position,
        "email": contact.email,
        "notes": contact.notes,
        "archived": contact.archived,
        "external_id": contact.external_id,
        "version": contact.version,
        "created_at": contact.created_at,
        "updated_at": contact.updated_at,
    }


class _Contacts(_Repository):
    def add(self, contact: ContactPerson) -> None:
        self.db.execute(insert(self.t.contacts).values(**_contact_values(contact)))
        _write_phones(self.db, self.t, contact.client_id, contact.id, contact.phones)

    def _hydrate(self, rows: Sequence[Row[Any]]) -> list[ContactPerson]:
        if not rows:
            return []
        p = self.t.phones.c
        phones: dict[UUID, list[Phone]] = defaultdict(list)
        for chunk in _chunks([row.id for row in rows]):
            for r in self.db.execute(
                select(p.contact_id, p.e164, p.extension)
                .where(p.contact_id.in_(chunk))
                .order_by(p.contact_id, p.position)
            ):
                phones[r.contact_id].append(Phone(r.e164, r.extension))
        return [
            ContactPerson(
                id=row.id,
                client_id=row.client_id,
                name=row.name,
                position=row.position,
                phones=tuple(phones[row.id]),
                email=row.email,
                notes=row.notes,
                archived=row.archived,
                external_id=row.external_id,
                version=row.version,
                created_at=row.created_at,
                updated_at=row.updated_at,
            )
            for row in rows
        ]

    def get(self, id: UUID) -> ContactPerson | None:
        rows = self.db.execute(select(self.t.contacts).where(self.t.contacts.c.id == id)).all()
        found = self._hydrate(rows)
        return found[0] if found else None

    def get_many(self, ids: Iterable[UUID]) -> dict[UUID, ContactPerson]:
        found: dict[UUID, ContactPerson] = {}
        for chunk in _chunks(set(ids)):
            rows = self.db.execute(
                select(self.t.contacts).where(self.t.contacts.c.id.in_(chunk))
            ).all()
            found.update((c.id, c) for c in self._hydrate(rows))
        return found

    def update(self, contact: ContactPerson, expected_version: int) -> None:
        self._replace(
            self.t.contacts, "contact", contact.id, _contact_values(contact), expected_version
        )
        p = self.t.phones
        self.db.execute(delete(p).where(p.c.contact_id == contact.id))
        _write_phones(self.db, self.t, contact.client_id, contact.id, contact.phones)

    def for_client(self, client_id: UUID, *, include_archived: bool) -> list[ContactPerson]:
        c = self.t.contacts.c
        conditions = [c.client_id == client_id]
        if not include_archived:
            conditions.append(c.archived.is_(False))
        rows = self.db.execute(
            select(self.t.contacts).where(*conditions).order_by(c.name_sort, c.id)
        ).all()
        return self._hydrate(rows)


# --- employees -----------------------------------------------------------------


def _employee_values(employee: Employee) -> dict[str, Any]:
    return {
        "id": employee.id,
        "code": employee.code,
        "name": employee.name,
        "email": employee.email,
        "phone_e164": None if employee.phone is None else employee.phone.e164,
        "phone_extension": None if employee.phone is None else employee.phone.extension,
        "extension": employee.extension,
        "department": employee.department,
        "position": employee.position,
        "time_zone": employee.time_zone,
        "archived": employee.archived,
        "external_id": employee.external_id,
        "version": employee.version,
        "created_at": employee.created_at,
        "updated_at": employee.updated_at,
    }


def _employee(row: Row[Any]) -> Employee:
    phone = None
    if row.phone_e164 is not None or row.phone_extension is not None:
        phone = Phone(row.phone_e164, row.phone_extension)
    return Employee(
        id=row.id,
        code=row.code,
        name=row.name,
        email=row.email,
        phone=phone,
        extension=row.extension,
        department=row.department,
        position=row.position,
        time_zone=row.time_zone,
        archived=row.archived,
        external_id=row.external_id,
        version=row.version,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


class _Employees(_Repository):
    def add(self, employee: Employee) -> None:
        if self.get_by_code(employee.code) is not None:
            raise DuplicateError("code", employee.code)
        self.db.execute(insert(self.t.employees).values(**_employee_values(employee)))

    def get(self, id: UUID) -> Employee | None:
        row = self.db.execute(select(self.t.employees).where(self.t.employees.c.id == id)).first()
        return None if row is None else _employee(row)

    def get_by_code(self, code: str) -> Employee | None:
        row = self.db.execute(
            select(self.t.employees).where(self.t.employees.c.code == code)
        ).first()
        return None if row is None else _employee(row)

    def update(self, employee: Employee, expected_version: int) -> None:
        e = self.t.employees.c
        if (
            self.db.scalar(select(e.id).where(e.code == employee.code, e.id != employee.id))
            is not None
        ):
            raise DuplicateError("code", employee.code)
        self._replace(
            self.t.employees,
            "employee",
            employee.code,
            _employee_values(employee),
            expected_version,
        )

    def list(self, *, include_archived: bool) -> list[Employee]:
        e = self.t.employees.c
        query = select(self.t.employees).order_by(e.code, e.id)
        if not include_archived:
            query = query.where(e.archived.is_(False))
        return [_employee(row) for row in self.db.execute(query)]


# --- event types -----------------------------------------------------------------


def _event_type_values(event_type: EventType) -> dict[str, Any]:
    return {
        "id": event_type.id,
        "code": event_type.code,
        "name": event_type.name,
        "category": event_type.category.value,
        "direction": event_type.direction.value,
        "system": event_type.system,
        "archived": event_type.archived,
        "version": event_type.version,
        "created_at": event_type.created_at,
        "updated_at": event_type.updated_at,
    }


def _event_type(row: Row[Any]) -> EventType:
    return EventType(
        id=row.id,
        code=row.code,
        name=row.name,
        category=EventCategory(row.category),
        direction=Direction(row.direction),
        system=row.system,
        archived=row.archived,
        version=row.version,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


class _EventTypes(_Repository):
    def add(self, event_type: EventType) -> None:
        if self.get(event_type.code) is not None:
            raise DuplicateError("code", event_type.code)
        self.db.execute(insert(self.t.event_types).values(**_event_type_values(event_type)))

    def get(self, code: str) -> EventType | None:
        table = self.t.event_types
        row = self.db.execute(select(table).where(table.c.code == code)).first()
        return None if row is None else _event_type(row)

    def update(self, event_type: EventType, expected_version: int) -> None:
        self._replace(
            self.t.event_types,
            "event type",
            event_type.code,
            _event_type_values(event_type),
            expected_version,
        )

    def list(self, *, include_archived: bool) -> list[EventType]:
        c = self.t.event_types.c
        query = select(self.t.event_types).order_by(c.code)
        if not include_archived:
            query = query.where(c.archived.is_(False))
        return [_event_type(row) for row in self.db.execute(query)]


# --- events ----------------------------------------------------------------------


def _event_values(event: Event) -> dict[str, Any]:
    return {
        "id": event.id,
        "type_code": event.type_code,
        "client_id": event.client_id,
        "contact_id": event.contact_id,
        "employee_id": event.employee_id,
        "project_ref": event.project_ref,
        "occurred_at": event.occurred_at,
        "duration_us": None
        if event.duration is None
        else event.duration // timedelta(microseconds=1),
        "subject": event.subject,
        "details": event.details,
        "outcome": event.outcome,
        "external_ref": event.external_ref,
        "archived": event.archived,
        "version": event.version,
        "created_at": event.created_at,
        "updated_at": event.updated_at,
    }


def _event(row: Row[Any]) -> Event:
    return Event(
        id=row.id,
        type_code=row.type_code,
        client_id=row.client_id,
        contact_id=row.contact_id,
        employee_id=row.employee_id,
        project_ref=row.project_ref,
        occurred_at=row.occurred_at,
        duration=None if row.duration_us is None else timedelta(microseconds=row.duration_us),
        subject=row.subject,
        details=row.details,
        outcome=row.outcome,
        external_ref=row.external_ref,
        archived=row.archived,
        version=row.version,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


class _Events(_Repository):
    def add(self, event: Event) -> None:
        if event.external_ref is not None and self.get_by_external_ref(event.external_ref):
            raise DuplicateError("external_ref", event.external_ref)
        self.db.execute(insert(self.t.events).values(**_event_values(event)))

    def add_many(self, events: Sequence[Event]) -> None:
        if not events:
            return
        try:
            self.db.execute(insert(self.t.events), [_event_values(e) for e in events])
        except IntegrityError as error:
            raise DuplicateError("external_ref", str(error.orig)) from None

    def get(self, id: UUID) -> Event | None:
        row = self.db.execute(select(self.t.events).where(self.t.events.c.id == id)).first()
        return None if row is None else _event(row)

    def get_by_external_ref(self, external_ref: str) -> Event | None:
        c = self.t.events.c
        row = self.db.execute(select(self.t.events).where(c.external_ref == external_ref)).first()
        return None if row is None else _event(row)

    def existing_external_refs(self, refs: Iterable[str]) -> set[str]:
        c = self.t.events.c
        found: set[str] = set()
        for chunk in _chunks(set(refs)):
            found.update(self.db.scalars(select(c.external_ref).where(c.external_ref.in_(chunk))))
        return found

    def update(self, event: Event, expected_version: int) -> None:
        if event.external_ref is not None:
            c = self.t.events.c
            other = self.db.scalar(
                select(c.id).where(c.external_ref == event.external_ref, c.id != event.id)
            )
            if other is not None:
                raise DuplicateError("external_ref", event.external_ref)
        self._replace(self.t.events, "event", event.id, _event_values(event), expected_version)


# --- timeline --------------------------------------------------------------------


def _entry_values(entry: TimelineEntry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "client_id": entry.client_id,
        "occurred_at": entry.occurred_at,
        "kind": entry.kind,
        "source_id": entry.source_id,
        "type_code": entry.type_code,
        "title": entry.title,
        "summary": entry.summary,
        "employee_id": entry.employee_id,
        "contact_id": entry.contact_id,
    }


class _Timeline(_Repository):
    def add_many(self, entries: Sequence[TimelineEntry]) -> None:
        if entries:
            self.db.execute(insert(self.t.timeline), [_entry_values(e) for e in entries])

    def replace(self, kind: str, source_id: UUID, entry: TimelineEntry | None) -> None:
        c = self.t.timeline.c
        self.db.execute(delete(self.t.timeline).where(c.kind == kind, c.source_id == source_id))
        if entry is not None:
            self.add_many([entry])

    def page(
        self,
        client_id: UUID,
        where: TimelineFilter,
        *,
        before: tuple[datetime, UUID] | None,
        limit: int,
    ) -> list[TimelineEntry]:
        c = self.t.timeline.c
        conditions: list[Any] = [c.client_id == client_id]
        if where.kinds is not None:
            conditions.append(c.kind.in_(where.kinds))
        if where.type_codes is not None:
            conditions.append(c.type_code.in_(where.type_codes))
        if where.since is not None:
            conditions.append(c.occurred_at >= where.since)
        if where.until is not None:
            conditions.append(c.occurred_at < where.until)
        if before is not None:
            conditions.append(tuple_(c.occurred_at, c.id) < tuple_(*before))
        rows = self.db.execute(
            select(self.t.timeline)
            .where(and_(*conditions))
            .order_by(c.occurred_at.desc(), c.id.desc())
            .limit(limit)
        )
        return [
            TimelineEntry(
                id=r.id,
                client_id=r.client_id,
                occurred_at=r.occurred_at,
                kind=r.kind,
                source_id=r.source_id,
                type_code=r.type_code,
                title=r.title,
                summary=r.summary,
                employee_id=r.employee_id,
                contact_id=r.contact_id,
            )
            for r in rows
        ]


# --- history ---------------------------------------------------------------------


class _History(_Repository):
    def add_many(self, changes: Sequence[Change]) -> None:
        if not changes:
            return
        self.db.execute(
            insert(self.t.history),
            [
                {
                    "id": c.id,
                    "at": c.at,
                    "actor_id": c.actor_id,
                    "actor_name": c.actor_name,
                    "entity_kind": c.entity_kind,
                    "entity_id": c.entity_id,
                    "action": c.action.value,
                    "field": c.field,
                    "old": c.old,
                    "new": c.new,
                }
                for c in changes
            ],
        )

    def for_entity(self, entity_kind: str, entity_id: UUID) -> list[Change]:
        h = self.t.history.c
        rows = self.db.execute(
            select(self.t.history)
            .where(h.entity_kind == entity_kind, h.entity_id == entity_id)
            .order_by(h.at, h.id)
        )
        return [
            Change(
                id=r.id,
                at=r.at,
                actor_id=r.actor_id,
                actor_name=r.actor_name,
                entity_kind=r.entity_kind,
                entity_id=r.entity_id,
                action=ChangeAction(r.action),
                field=r.field,
                old=r.old,
                new=r.new,
            )
            for r in rows
        ]
