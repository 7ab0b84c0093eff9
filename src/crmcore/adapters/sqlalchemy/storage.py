"""The SQL storage: engine set-up for SQLite and PostgreSQL, migrations, and the hook.

The schema is kept by Alembic revisions under ``migrations``; the storage
upgrades or checks it, and hands out units of work.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import resources
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError
from sqlalchemy.pool import StaticPool

from crmcore.adapters.sqlalchemy.statements import Codec, Statements
from crmcore.adapters.sqlalchemy.tables import build_tables
from crmcore.adapters.sqlalchemy.unit_of_work import READ_ONLY, SQLUnitOfWork
from crmcore.errors import StorageError
from crmcore.hookspecs import hookimpl
from crmcore.ports import StorageOptions

__all__ = ["SQLAlchemyStorage", "crmcore_storage"]


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
    read_only = connection.get_execution_options().get(READ_ONLY, False)
    connection.connection.dbapi_connection.execute(  # type: ignore[union-attr]
        "BEGIN" if read_only else "BEGIN IMMEDIATE"
    )


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


_SCHEMES = ("sqlite", "postgresql")


@hookimpl(trylast=True)
def crmcore_storage(url: str, options: StorageOptions) -> SQLAlchemyStorage | None:
    """A host's engine given in ``options``, else ``sqlite:`` and ``postgresql:`` URLs."""
    if options.engine is not None:
        return SQLAlchemyStorage(options.engine, options, owns_engine=False)
    scheme = url.split(":", 1)[0].split("+", 1)[0]
    if scheme in _SCHEMES:
        return SQLAlchemyStorage.from_url(url, options)
    return None
