"""The SQLAlchemy backend: SQLite (embedded default) and PostgreSQL.

Repositories are explicit SQLAlchemy Core code: domain objects stay free of
ORM state.  Read models (timeline pages, searches, phone lookups) are single
indexed queries; lists of phones, e-mails and tags are loaded for a whole page
of clients in one query each.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Sequence
from datetime import datetime, timedelta
from functools import partial
from importlib import resources
from types import TracebackType
from typing import Any
from uuid import UUID

import attrs
from sqlalchemy import (
    Connection,
    Engine,
    and_,
    bindparam,
    create_engine,
    delete,
    event,
    false,
    insert,
    or_,
    select,
    tuple_,
    union_all,
    update,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, IntegrityError, NoSuchModuleError, OperationalError
from sqlalchemy.pool import StaticPool

from crmcore.adapters.sqlalchemy import notify, work
from crmcore.adapters.sqlalchemy.repository import Repository as _Repository
from crmcore.adapters.sqlalchemy.repository import chunks as _chunks
from crmcore.adapters.sqlalchemy.repository import in_list as _in_list
from crmcore.adapters.sqlalchemy.repository import in_params as _in_params
from crmcore.adapters.sqlalchemy.statements import Codec, Statements, padded, restore
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
from crmcore.errors import DuplicateError, StorageError
from crmcore.ports import StorageOptions

__all__ = ["SQLAlchemyStorage"]


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
    # A unit of work that writes takes the write lock at BEGIN, so concurrent
    # writers queue (busy_timeout) instead of failing with "database is locked"
    # when one that read first wants to write.  Read-only units of work begin
    # deferred: with WAL they read a snapshot and never wait for a writer, not
    # even for a long import.  Straight to the driver: this runs for every call.
    read_only = connection.get_execution_options().get(_READ_ONLY, False)
    connection.connection.dbapi_connection.execute(  # type: ignore[union-attr]
        "BEGIN" if read_only else "BEGIN IMMEDIATE"
    )


_READ_ONLY = "crmcore_read_only"


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
        self.codec = Codec(engine)
        self.statements = Statements(engine)
        self._mappers: dict[str, Any] = {}
        self._owns_engine = owns_engine

    def mapper(self, name: str, build: Callable[[], Any]) -> Any:
        """The record mapper of one table, built once per storage."""
        found = self._mappers.get(name)
        if found is None:
            found = self._mappers[name] = build()
        return found

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

    def unit_of_work(self, *, writes: bool = True) -> SQLUnitOfWork:
        return SQLUnitOfWork(self, writes=writes)

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
    def __init__(self, storage: SQLAlchemyStorage, *, writes: bool = True) -> None:
        self._storage = storage
        self._writes = writes
        self._connection: Connection | None = None
        t = storage.tables
        self.clients = _Clients(self, t)
        self.contacts = _Contacts(self, t)
        self.employees = _Employees(self, t)
        self.event_types = _EventTypes(self, t)
        self.events = _Events(self, t)
        self.timeline = _Timeline(self, t)
        self.history = _History(self, t)
        self.projects = work.Projects(self, t)
        self.tasks = work.Tasks(self, t)
        self.executors = work.Executors(self, t)
        self.work_log = work.WorkLog(self, t)
        self.dependencies = work.Dependencies(self, t)
        self.comments = work.Comments(self, t)
        self.links = work.Links(self, t)
        self.attachments = work.Attachments(self, t)
        self.field_definitions = work.FieldDefinitions(self, t)
        self.field_values = work.FieldValues(self, t)
        self.reminders = notify.Reminders(self, t)
        self.series = notify.SeriesRecords(self, t)
        self.messages = notify.Messages(self, t)
        self.inbox = notify.Inbox(self, t)
        self.preferences = notify.Preferences(self, t)
        self.subscriptions = notify.Subscriptions(self, t)
        self.synced_items = notify.SyncedItems(self, t)

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
                self._connection.execution_options(**{_READ_ONLY: True})
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


# --- clients -------------------------------------------------------------------

_make_client = restore(Client)
_CLIENT_WIDTH = len(attrs.fields(Client))  # the columns _Clients._columns selects
_make_contact = restore(ContactPerson)
_make_phone = restore(Phone)


def _phones_json(phones: Sequence[Phone]) -> list[list[str | None]]:
    return [[p.e164, p.extension] for p in phones]


def _phones(value: list[list[str | None]]) -> tuple[Phone, ...]:
    return tuple(_make_phone(e164=e164, extension=extension) for e164, extension in value)


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
            {key: value for key, value in attrs.asdict(a).items() if value is not None}
            for a in client.addresses
        ],
        "phones": _phones_json(client.phones),
        "emails": list(client.emails),
        "tags": list(client.tags),
        "notes": client.notes,
        "archived": client.archived,
        "merged_into": client.merged_into,
        "external_id": client.external_id,
        "version": client.version,
        "created_at": client.created_at,
        "updated_at": client.updated_at,
    }


class _Clients(_Repository):
    def _columns(self) -> list[Any]:
        c = self.t.clients.c
        return [
            c.code, c.name, c.kind, c.tax_code, c.responsible_id, c.addresses, c.phones,
            c.emails, c.notes, c.tags, c.archived, c.merged_into, c.external_id, c.id,
            c.version, c.created_at, c.updated_at,
        ]  # fmt: skip

    def _decode(self, row: Sequence[Any]) -> Client:
        codec = self.codec
        json_out = codec.json_out
        return _make_client(
            code=row[0],
            name=row[1],
            kind=ClientKind(row[2]),
            tax_code=row[3],
            responsible_id=codec.uuid_or_none_out(row[4]),
            addresses=tuple(Address(**a) for a in json_out(row[5])),
            phones=_phones(json_out(row[6])),
            emails=tuple(json_out(row[7])),
            notes=row[8],
            tags=tuple(json_out(row[9])),
            archived=bool(row[10]),
            merged_into=codec.uuid_or_none_out(row[11]),
            external_id=row[12],
            id=codec.uuid_out(row[13]),
            version=row[14],
            created_at=codec.moment_out(row[15]),
            updated_at=codec.moment_out(row[16]),
        )

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

    def _where(self, key: str, condition: Callable[[], Any], **params: Any) -> list[Client]:
        rows = self._rows(
            ("clients", key),
            lambda: select(*self._columns()).where(condition()),
            **params,
        )
        return [self._decode(row) for row in rows]

    def get(self, id: UUID) -> Client | None:
        found = self._where(
            "id", lambda: self.t.clients.c.id == bindparam("id"), id=self.codec.uuid_in(id)
        )
        return found[0] if found else None

    def get_by_code(self, code: str) -> Client | None:
        found = self._where("code", lambda: self.t.clients.c.code == bindparam("code"), code=code)
        return found[0] if found else None

    def get_many(self, ids: Iterable[UUID]) -> dict[UUID, Client]:
        rows = self._rows_in(
            "clients by ids", self._columns, self.t.clients.c.id, map(self.codec.uuid_in, ids)
        )
        return {client.id: client for client in map(self._decode, rows)}

    def ids_by_code(self, codes: Iterable[str]) -> dict[str, UUID]:
        c = self.t.clients.c
        rows = self._rows_in("client ids by code", lambda: [c.code, c.id], c.code, codes)
        return {code: self.codec.uuid_out(id) for code, id in rows}

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
        ids = sorted(query.client_ids) if query.client_ids else []
        wanted_ids = padded([self.codec.uuid_in(i) for i in ids])
        shape = (
            query.text is not None,
            query.code is not None,
            query.tax_code is not None,
            query.external_id is not None,
            None if query.client_ids is None else len(wanted_ids),
            query.email is not None,
            query.kind is not None,
            query.tag is not None,
            query.responsible_id is not None,
            len(query.field_values),
            query.include_archived,
        )

        def build() -> Any:
            conditions: list[Any] = work.field_value_conditions(
                t.field_values, c.id, "client", len(query.field_values)
            )
            if query.text is not None:
                conditions.append(
                    or_(
                        c.name_key.like(bindparam("pattern"), escape="/"),
                        c.code_key == bindparam("text_whole"),
                    )
                )
            if query.code is not None:
                conditions.append(c.code == bindparam("code"))
            if query.tax_code is not None:
                conditions.append(c.tax_code == bindparam("tax_code"))
            if query.external_id is not None:
                conditions.append(c.external_id == bindparam("external_id"))
            if query.client_ids is not None:
                conditions.append(_in_list(c.id, "id", len(wanted_ids)) if wanted_ids else false())
            if query.email is not None:
                emails = t.client_emails.c
                conditions.append(
                    c.id.in_(
                        select(emails.client_id).where(emails.address_key == bindparam("email"))
                    )
                )
            if query.kind is not None:
                conditions.append(c.kind == bindparam("kind"))
            if query.tag is not None:
                tags = t.client_tags.c
                conditions.append(
                    c.id.in_(select(tags.client_id).where(tags.tag == bindparam("tag")))
                )
            if query.responsible_id is not None:
                conditions.append(c.responsible_id == bindparam("responsible_id"))
            if not query.include_archived:
                conditions.append(c.archived.is_(False))
            return (
                select(*self._columns())
                .where(*conditions)
                .order_by(c.name_sort, c.id)
                .limit(bindparam("limit"))
            )

        params: dict[str, Any] = {
            "text_whole": query.text,
            "code": query.code,
            "tax_code": query.tax_code,
            "external_id": query.external_id,
            "email": query.email,
            "kind": None if query.kind is None else query.kind.value,
            "tag": query.tag,
            "responsible_id": self.codec.uuid_or_none_in(query.responsible_id),
            "limit": query.limit,
            **_in_params("id", wanted_ids),
            **work.field_value_params(query.field_values),
        }
        if query.text is not None:
            # Typed %, _ and / match themselves, not as LIKE wildcards.
            escaped = query.text.replace("/", "//").replace("%", "/%").replace("_", "/_")
            params["pattern"] = f"%{escaped}%"
        rows = self._rows(("client search", shape), build, **params)
        return [self._decode(row) for row in rows]

    def find_phone_owners(self, e164: str | None, extension: str | None) -> list[PhoneOwner]:
        if e164 is None and extension is None:
            return []
        t = self.t
        p = t.phones.c
        contacts = _Contacts(self._uow, t)
        client_width = _CLIENT_WIDTH

        def owners(condition: Any) -> Any:
            joined = t.phones.join(t.clients, t.clients.c.id == p.client_id).outerjoin(
                t.contacts, t.contacts.c.id == p.contact_id
            )
            return (
                select(*self._columns(), *contacts._columns(), p.e164, p.extension)
                .select_from(joined)
                .where(condition)
            )

        def build() -> Any:
            # One indexed lookup per part asked for: with statistics, planners
            # scan the table for "e164 = ? OR extension = ?", since most
            # phones have no extension.
            if extension is None:
                return owners(p.e164 == bindparam("e164"))
            by_extension = owners(p.extension == bindparam("extension"))
            if e164 is None:
                return by_extension
            return union_all(
                owners(p.e164 == bindparam("e164")),
                by_extension.where(or_(p.e164.is_(None), p.e164 != bindparam("e164_again"))),
            )

        params = {"e164": e164, "e164_again": e164, "extension": extension}
        rows = self._rows(("phone owners", e164 is None, extension is None), build, **params)
        found = []
        for row in rows:
            contact_row = row[client_width:-2]
            found.append(
                PhoneOwner(
                    self._decode(row[:client_width]),
                    None if contact_row[0] is None else contacts._decode(contact_row),
                    _make_phone(e164=row[-2], extension=row[-1]),
                )
            )
        return found

    def reassign(self, source_id: UUID, target_id: UUID) -> dict[str, list[UUID]]:
        t = self.t
        moved: dict[str, list[UUID]] = {}
        for name, table in (
            ("contacts", t.contacts),
            ("events", t.events),
            ("tasks", t.tasks),
            ("projects", t.projects),
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
        "phones": _phones_json(contact.phones),
        "fax": None if contact.fax is None else [contact.fax.e164, contact.fax.extension],
        "email": contact.email,
        "notes": contact.notes,
        "archived": contact.archived,
        "external_id": contact.external_id,
        "version": contact.version,
        "created_at": contact.created_at,
        "updated_at": contact.updated_at,
    }


def _fax(codec: Codec, value: Any) -> Phone | None:
    # SQLAlchemy's JSON type writes None as JSON null, not SQL NULL.
    pair = None if value is None else codec.json_out(value)
    return None if pair is None else _make_phone(e164=pair[0], extension=pair[1])


class _Contacts(_Repository):
    def _columns(self) -> list[Any]:
        c = self.t.contacts.c
        return [
            c.client_id, c.name, c.position, c.phones, c.email, c.notes, c.archived,
            c.external_id, c.id, c.version, c.created_at, c.updated_at, c.fax,
        ]  # fmt: skip

    def _decode(self, row: Sequence[Any]) -> ContactPerson:
        codec = self.codec
        return _make_contact(
            client_id=codec.uuid_out(row[0]),
            name=row[1],
            position=row[2],
            phones=_phones(codec.json_out(row[3])),
            email=row[4],
            notes=row[5],
            archived=bool(row[6]),
            external_id=row[7],
            id=codec.uuid_out(row[8]),
            version=row[9],
            created_at=codec.moment_out(row[10]),
            updated_at=codec.moment_out(row[11]),
            fax=_fax(codec, row[12]),
        )

    def add(self, contact: ContactPerson) -> None:
        self.db.execute(insert(self.t.contacts).values(**_contact_values(contact)))
        _write_phones(self.db, self.t, contact.client_id, contact.id, contact.phones)

    def get(self, id: UUID) -> ContactPerson | None:
        rows = self._rows(
            ("contacts", "id"),
            lambda: select(*self._columns()).where(self.t.contacts.c.id == bindparam("id")),
            id=self.codec.uuid_in(id),
        )
        return self._decode(rows[0]) if rows else None

    def get_many(self, ids: Iterable[UUID]) -> dict[UUID, ContactPerson]:
        rows = self._rows_in(
            "contacts by ids", self._columns, self.t.contacts.c.id, map(self.codec.uuid_in, ids)
        )
        return {contact.id: contact for contact in map(self._decode, rows)}

    def update(self, contact: ContactPerson, expected_version: int) -> None:
        self._replace(
            self.t.contacts, "contact", contact.id, _contact_values(contact), expected_version
        )
        p = self.t.phones
        self.db.execute(delete(p).where(p.c.contact_id == contact.id))
        _write_phones(self.db, self.t, contact.client_id, contact.id, contact.phones)

    def for_client(self, client_id: UUID, *, include_archived: bool) -> list[ContactPerson]:
        c = self.t.contacts.c

        def build() -> Any:
            conditions = [c.client_id == bindparam("client_id")]
            if not include_archived:
                conditions.append(c.archived.is_(False))
            return select(*self._columns()).where(*conditions).order_by(c.name_sort, c.id)

        rows = self._rows(
            ("contacts of", include_archived), build, client_id=self.codec.uuid_in(client_id)
        )
        return [self._decode(row) for row in rows]


# --- employees -----------------------------------------------------------------

_make_employee = restore(Employee)


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


class _Employees(_Repository):
    def _select(
        self, key: str, condition: Callable[[], Any] | None, **params: Any
    ) -> list[Employee]:
        e = self.t.employees.c

        def build() -> Any:
            query = select(
                e.code, e.name, e.email, e.phone_e164, e.phone_extension, e.extension,
                e.department, e.position, e.time_zone, e.archived, e.external_id, e.id,
                e.version, e.created_at, e.updated_at,
            ).order_by(e.code, e.id)  # fmt: skip
            return query if condition is None else query.where(condition())

        codec = self.codec
        return [
            _make_employee(
                code=row[0],
                name=row[1],
                email=row[2],
                phone=None
                if row[3] is None and row[4] is None
                else _make_phone(e164=row[3], extension=row[4]),
                extension=row[5],
                department=row[6],
                position=row[7],
                time_zone=row[8],
                archived=bool(row[9]),
                external_id=row[10],
                id=codec.uuid_out(row[11]),
                version=row[12],
                created_at=codec.moment_out(row[13]),
                updated_at=codec.moment_out(row[14]),
            )
            for row in self._rows(("employees", key), build, **params)
        ]

    def add(self, employee: Employee) -> None:
        if self.get_by_code(employee.code) is not None:
            raise DuplicateError("code", employee.code)
        self.db.execute(insert(self.t.employees).values(**_employee_values(employee)))

    def get(self, id: UUID) -> Employee | None:
        e = self.t.employees.c
        found = self._select("id", lambda: e.id == bindparam("id"), id=self.codec.uuid_in(id))
        return found[0] if found else None

    def get_many(self, ids: Iterable[UUID]) -> dict[UUID, Employee]:
        e = self.t.employees.c
        found: dict[UUID, Employee] = {}
        for chunk in _chunks({self.codec.uuid_in(i) for i in ids}):
            wanted = padded(chunk)
            size = len(wanted)
            for employee in self._select(
                f"ids {size}", partial(_in_list, e.id, "v", size), **_in_params("v", wanted)
            ):
                found[employee.id] = employee
        return found

    def get_by_code(self, code: str) -> Employee | None:
        e = self.t.employees.c
        found = self._select("code", lambda: e.code == bindparam("code"), code=code)
        return found[0] if found else None

    def update(self, employee: Employee, expected_version: int) -> None:
        e = self.t.employees.c
        taken = self.db.scalar(select(e.id).where(e.code == employee.code, e.id != employee.id))
        if taken is not None:
            raise DuplicateError("code", employee.code)
        self._replace(
            self.t.employees,
            "employee",
            employee.code,
            _employee_values(employee),
            expected_version,
        )

    def list(self, *, include_archived: bool) -> list[Employee]:
        if include_archived:
            return self._select("all", None)
        return self._select("active", lambda: self.t.employees.c.archived.is_(False))


# --- event types -----------------------------------------------------------------

_make_event_type = restore(EventType)


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


class _EventTypes(_Repository):
    def _select(
        self, key: str, condition: Callable[[], Any] | None, **params: Any
    ) -> list[EventType]:
        c = self.t.event_types.c

        def build() -> Any:
            query = select(
                c.code, c.name, c.category, c.direction, c.system, c.archived, c.id, c.version,
                c.created_at, c.updated_at,
            ).order_by(c.code)  # fmt: skip
            return query if condition is None else query.where(condition())

        codec = self.codec
        return [
            _make_event_type(
                code=row[0],
                name=row[1],
                category=EventCategory(row[2]),
                direction=Direction(row[3]),
                system=bool(row[4]),
                archived=bool(row[5]),
                id=codec.uuid_out(row[6]),
                version=row[7],
                created_at=codec.moment_out(row[8]),
                updated_at=codec.moment_out(row[9]),
            )
            for row in self._rows(("event types", key), build, **params)
        ]

    def add(self, event_type: EventType) -> None:
        if self.get(event_type.code) is not None:
            raise DuplicateError("code", event_type.code)
        self.db.execute(insert(self.t.event_types).values(**_event_type_values(event_type)))

    def get(self, code: str) -> EventType | None:
        c = self.t.event_types.c
        found = self._select("code", lambda: c.code == bindparam("code"), code=code)
        return found[0] if found else None

    def update(self, event_type: EventType, expected_version: int) -> None:
        self._replace(
            self.t.event_types,
            "event type",
            event_type.code,
            _event_type_values(event_type),
            expected_version,
        )

    def list(self, *, include_archived: bool) -> list[EventType]:
        if include_archived:
            return self._select("all", None)
        return self._select("active", lambda: self.t.event_types.c.archived.is_(False))


# --- events ----------------------------------------------------------------------

_make_event = restore(Event)
_MICROSECOND = timedelta(microseconds=1)


class _Events(_Repository):
    def _row(self, event: Event) -> tuple[Any, ...]:
        """The event as a row of the events table, in column order."""
        codec = self.codec
        uuid_or_none = codec.uuid_or_none_in
        return (
            codec.uuid_in(event.id),
            event.type_code,
            uuid_or_none(event.client_id),
            uuid_or_none(event.contact_id),
            uuid_or_none(event.employee_id),
            event.project_ref,
            codec.moment_in(event.occurred_at),
            None if event.duration is None else event.duration // _MICROSECOND,
            event.subject,
            event.details,
            event.outcome,
            event.external_ref,
            event.archived,
            event.version,
            codec.moment_or_none_in(event.created_at),
            codec.moment_or_none_in(event.updated_at),
        )

    def _select(self, key: str, condition: Callable[[], Any], **params: Any) -> list[Event]:
        c = self.t.events.c
        codec = self.codec
        uuid_or_none = codec.uuid_or_none_out
        rows = self._rows(
            ("events", key),
            lambda: select(
                c.type_code,
                c.occurred_at,
                c.subject,
                c.client_id,
                c.contact_id,
                c.employee_id,
                c.project_ref,
                c.duration_us,
                c.details,
                c.outcome,
                c.external_ref,
                c.archived,
                c.id,
                c.version,
                c.created_at,
                c.updated_at,
            ).where(condition()),
            **params,
        )
        return [
            _make_event(
                type_code=row[0],
                occurred_at=codec.moment_out(row[1]),
                subject=row[2],
                client_id=uuid_or_none(row[3]),
                contact_id=uuid_or_none(row[4]),
                employee_id=uuid_or_none(row[5]),
                project_ref=row[6],
                duration=None if row[7] is None else timedelta(microseconds=row[7]),
                details=row[8],
                outcome=row[9],
                external_ref=row[10],
                archived=bool(row[11]),
                id=codec.uuid_out(row[12]),
                version=row[13],
                created_at=codec.moment_out(row[14]),
                updated_at=codec.moment_out(row[15]),
            )
            for row in rows
        ]

    def for_employees(
        self, employee_ids: Sequence[UUID], since: datetime, until: datetime
    ) -> list[Event]:
        c = self.t.events.c
        wanted = padded([self.codec.uuid_in(id) for id in employee_ids])
        found = self._select(
            f"of {len(wanted)} employees",
            lambda: and_(
                _in_list(c.employee_id, "e", len(wanted)),
                c.occurred_at >= bindparam("since"),
                c.occurred_at < bindparam("until"),
            ),
            **_in_params("e", wanted),
            since=self.codec.moment_in(since),
            until=self.codec.moment_in(until),
        )
        found.sort(key=lambda event: (event.occurred_at, event.id))
        return found

    def add(self, event: Event) -> None:
        if event.external_ref is not None and self.get_by_external_ref(event.external_ref):
            raise DuplicateError("external_ref", event.external_ref)
        self.add_many([event])

    def add_many(self, events: Sequence[Event]) -> None:
        if not events:
            return
        try:
            self.statements.insert_many(self.db, self.t.events, map(self._row, events))
        except self.codec.integrity_error as error:
            raise DuplicateError("external_ref", str(error)) from None

    def get(self, id: UUID) -> Event | None:
        c = self.t.events.c
        found = self._select("id", lambda: c.id == bindparam("id"), id=self.codec.uuid_in(id))
        return found[0] if found else None

    def get_by_external_ref(self, external_ref: str) -> Event | None:
        c = self.t.events.c
        found = self._select(
            "external_ref", lambda: c.external_ref == bindparam("ref"), ref=external_ref
        )
        return found[0] if found else None

    def existing_external_refs(self, refs: Iterable[str]) -> set[str]:
        c = self.t.events.c
        rows = self._rows_in("external refs", lambda: [c.external_ref], c.external_ref, refs)
        return {ref for (ref,) in rows}

    def update(self, event: Event, expected_version: int) -> None:
        c = self.t.events.c
        if event.external_ref is not None:
            other = self.db.scalar(
                select(c.id).where(c.external_ref == event.external_ref, c.id != event.id)
            )
            if other is not None:
                raise DuplicateError("external_ref", event.external_ref)
        values = {
            "id": event.id,
            **{k: v for k, v in attrs.asdict(event, recurse=False).items() if k != "duration"},
            "duration_us": None if event.duration is None else event.duration // _MICROSECOND,
        }
        self._replace(self.t.events, "event", event.id, values, expected_version)


# --- timeline --------------------------------------------------------------------

_make_entry = restore(TimelineEntry)


class _Timeline(_Repository):
    def add_many(self, entries: Sequence[TimelineEntry]) -> None:
        if not entries:
            return
        codec = self.codec
        uuid_or_none = codec.uuid_or_none_in
        self.statements.insert_many(
            self.db,
            self.t.timeline,
            (
                (
                    codec.uuid_in(e.id),
                    codec.uuid_in(e.client_id),
                    codec.moment_in(e.occurred_at),
                    e.kind,
                    codec.uuid_in(e.source_id),
                    e.type_code,
                    e.title,
                    e.summary,
                    uuid_or_none(e.employee_id),
                    uuid_or_none(e.contact_id),
                )
                for e in entries
            ),
        )

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
        codec = self.codec
        kinds = padded(sorted(where.kinds)) if where.kinds is not None else None
        types = padded(sorted(where.type_codes)) if where.type_codes is not None else None
        shape = (
            None if kinds is None else len(kinds),
            None if types is None else len(types),
            where.since is not None,
            where.until is not None,
            before is not None,
        )

        def build() -> Any:
            conditions: list[Any] = [c.client_id == bindparam("client_id")]
            if kinds is not None:
                conditions.append(_in_list(c.kind, "kind", len(kinds)) if kinds else false())
            if types is not None:
                conditions.append(_in_list(c.type_code, "type", len(types)) if types else false())
            if where.since is not None:
                conditions.append(c.occurred_at >= bindparam("since"))
            if where.until is not None:
                conditions.append(c.occurred_at < bindparam("until"))
            if before is not None:
                # A row value, so the index range starts right at the cursor.
                conditions.append(
                    tuple_(c.occurred_at, c.id)
                    < tuple_(bindparam("before_at"), bindparam("before_id"))
                )
            return (
                select(
                    c.client_id,
                    c.occurred_at,
                    c.kind,
                    c.source_id,
                    c.title,
                    c.type_code,
                    c.summary,
                    c.employee_id,
                    c.contact_id,
                    c.id,
                )
                .where(*conditions)
                .order_by(c.occurred_at.desc(), c.id.desc())
                .limit(bindparam("limit"))
            )

        params: dict[str, Any] = {
            "client_id": codec.uuid_in(client_id),
            "limit": limit,
            **_in_params("kind", kinds or []),
            **_in_params("type", types or []),
        }
        if where.since is not None:
            params["since"] = codec.moment_in(where.since)
        if where.until is not None:
            params["until"] = codec.moment_in(where.until)
        if before is not None:
            params["before_at"] = codec.moment_in(before[0])
            params["before_id"] = codec.uuid_in(before[1])
        rows = self._rows(("timeline page", shape), build, **params)
        uuid_out = codec.uuid_out
        uuid_or_none = codec.uuid_or_none_out
        moment_out = codec.moment_out
        return [
            _make_entry(
                client_id=client_id,
                occurred_at=moment_out(row[1]),
                kind=row[2],
                source_id=uuid_out(row[3]),
                title=row[4],
                type_code=row[5],
                summary=row[6],
                employee_id=uuid_or_none(row[7]),
                contact_id=uuid_or_none(row[8]),
                id=uuid_out(row[9]),
            )
            for row in rows
        ]


# --- history ---------------------------------------------------------------------

_make_change = restore(Change)


class _History(_Repository):
    def add_many(self, changes: Sequence[Change]) -> None:
        if not changes:
            return
        codec = self.codec
        self.statements.insert_many(
            self.db,
            self.t.history,
            (
                (
                    codec.uuid_in(c.id),
                    codec.moment_in(c.at),
                    codec.uuid_or_none_in(c.actor_id),
                    c.actor_name,
                    c.entity_kind,
                    codec.uuid_in(c.entity_id),
                    c.action.value,
                    c.field,
                    c.old,
                    c.new,
                )
                for c in changes
            ),
        )

    def _changes(self, key: Hashable, condition: Callable[[], Any], **params: Any) -> list[Change]:
        h = self.t.history.c
        codec = self.codec
        rows = self._rows(
            ("history", key),
            lambda: (
                select(
                    h.entity_kind,
                    h.entity_id,
                    h.action,
                    h.at,
                    h.actor_id,
                    h.actor_name,
                    h.field,
                    h.old,
                    h.new,
                    h.id,
                )
                .where(condition())
                .order_by(h.at, h.id)
            ),
            **params,
        )
        return [
            _make_change(
                entity_kind=row[0],
                entity_id=codec.uuid_out(row[1]),
                action=ChangeAction(row[2]),
                at=codec.moment_out(row[3]),
                actor_id=codec.uuid_or_none_out(row[4]),
                actor_name=row[5],
                field=row[6],
                old=row[7],
                new=row[8],
                id=codec.uuid_out(row[9]),
            )
            for row in rows
        ]

    def for_entity(self, entity_kind: str, entity_id: UUID) -> list[Change]:
        h = self.t.history.c
        return self._changes(
            "of",
            lambda: and_(h.entity_kind == bindparam("kind"), h.entity_id == bindparam("id")),
            kind=entity_kind,
            id=self.codec.uuid_in(entity_id),
        )

    def for_entities(self, entity_kind: str, entity_ids: Iterable[UUID]) -> list[Change]:
        h = self.t.history.c
        found: list[Change] = []
        for chunk in _chunks(sorted(set(entity_ids))):
            wanted = padded([self.codec.uuid_in(id) for id in chunk])

            def condition(size: int = len(wanted)) -> Any:
                return and_(h.entity_kind == bindparam("kind"), _in_list(h.entity_id, "e", size))

            found += self._changes(
                ("of many", len(wanted)),
                condition,
                kind=entity_kind,
                **_in_params("e", wanted),
            )
        found.sort(key=lambda change: (change.at, change.id))
        return found
