"""The baseline: the same work done with the bare driver (sqlite3 or psycopg).

Each function here writes or reads exactly the rows crmcore does for the
operation it stands for, in crmcore's own tables, and nothing more: no
validation beyond the database's constraints, no domain objects, rows as the
driver returns them.  crmcore itself is never imported here.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

__all__ = ["RawDB", "Target"]

#: Rows per executemany, as crmcore's import batches.
BATCH = 5000
#: The columns the import fills, as crmcore's storage writes them.
EVENT_COLUMNS = (
    "id", "type_code", "client_id", "contact_id", "employee_id", "project_ref", "occurred_at",
    "duration_us", "subject", "details", "outcome", "external_ref", "archived", "version",
    "created_at", "updated_at",
)  # fmt: skip
TIMELINE_COLUMNS = (
    "id", "client_id", "occurred_at", "kind", "source_id", "type_code", "title", "summary",
    "employee_id", "contact_id",
)  # fmt: skip
HISTORY_COLUMNS = (
    "id", "at", "actor_id", "actor_name", "entity_kind", "entity_id", "action", "field", "old",
    "new",
)  # fmt: skip
#: The timeline summary is the details cut to this many characters.
SUMMARY_LENGTH = 280


@dataclass(frozen=True)
class Target:
    """Where a backend's database is: passed to the import child processes too."""

    backend: str  # "sqlite" or "postgresql"
    url: str  # SQLAlchemy URL for crmcore.open
    schema: str | None = None
    path: str | None = None  # the SQLite file
    prefix: str = "crm_"

    def open_kwargs(self) -> dict[str, Any]:
        return {"schema": self.schema} if self.schema else {}

    def libpq_url(self) -> str:
        """The URL without SQLAlchemy's ``+driver`` part, as psycopg takes it."""
        scheme, rest = self.url.split("://", 1)
        return f"{scheme.split('+', 1)[0]}://{rest}"


class _Ids:
    """Time-ordered UUIDs in crmcore's layout (version 7, bumped within a millisecond).

    crmcore's ids follow creation order so new rows append to the primary key
    indexes; the baseline makes its ids the same way, or random ids would
    make its inserts slower for reasons that have nothing to do with crmcore.
    """

    def __init__(self) -> None:
        self._last = 0

    def __call__(self) -> int:
        value = ((time.time_ns() // 1_000_000) << 80) | int.from_bytes(os.urandom(10), "big")
        value = (value & ~(0xF << 76)) | (0x7 << 76)
        value = (value & ~(0x3 << 62)) | (0x2 << 62)
        if value <= self._last:
            value = self._last + 1
        self._last = value
        return value


class RawDB:
    """One bare driver connection to a benchmark database."""

    def __init__(self, target: Target, *, autocommit: bool = True) -> None:
        self.target = target
        self.sqlite = target.backend == "sqlite"
        if self.sqlite:
            assert target.path is not None
            # isolation_level=None: no implicit transactions; BEGIN is ours.
            self.connection: Any = sqlite3.connect(target.path, isolation_level=None)
            # The settings crmcore's engine puts on every connection: the
            # database checks the same constraints for both.
            self.connection.execute("PRAGMA foreign_keys=ON")
            self.connection.execute("PRAGMA busy_timeout=30000")
            self.connection.execute("PRAGMA journal_mode=WAL")
        else:
            import psycopg

            self.connection = psycopg.connect(target.libpq_url(), autocommit=autocommit)
        qualified = f'"{target.schema}".' if target.schema and not self.sqlite else ""
        self._tables = {
            name: f"{qualified}{target.prefix}{name}"
            for name in (
                "clients",
                "client_emails",
                "client_tags",
                "contacts",
                "phones",
                "employees",
                "events",
                "timeline",
                "history",
                # the task benchmarks (tasks.py, rawtasks.py)
                "tasks",
                "task_executors",
                "work_log",
                # the telephony benchmarks (telephony.py)
                "calls",
                "call_events",
                # the money benchmarks (money.py, rawmoney.py)
                "documents",
                "allocations",
            )
        }
        self.new_id = _Ids()
        clients = set(self.columns("clients"))
        #: crmcore sorts names by ``name_sort`` where the schema has it, else by ``name_key``.
        self.name_order = "name_sort" if "name_sort" in clients else "name_key"
        #: Whether a client row carries its phones, e-mails and tags itself, so
        #: crmcore reads a client in one row instead of querying the list tables.
        self.lists_in_client_row = {"phones", "emails", "tags"} <= clients

    # -------------------------------------------------------------- helpers

    def sql(self, text: str) -> str:
        """``text`` with ``{table}`` names filled in and ``?`` placeholders for the driver."""
        text = text.format(**self._tables)
        return text if self.sqlite else text.replace("%", "%%").replace("?", "%s")

    def uid(self, value: int) -> Any:
        """A UUID as the column takes it: 32 hex digits in SQLite, uuid in PostgreSQL."""
        return f"{value:032x}" if self.sqlite else UUID(int=value)

    def moment(self, value: datetime) -> Any:
        """An aware datetime as the column takes it: UTC text (SQLite) or timestamptz."""
        if self.sqlite:
            return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")
        return value

    def execute(self, text: str, params: Iterable[Any] = ()) -> Any:
        cursor = self.connection.cursor()
        cursor.execute(self.sql(text), tuple(params))
        return cursor

    def close(self) -> None:
        self.connection.close()

    def columns(self, table: str) -> list[str]:
        """The column names of one of crmcore's tables, in table order."""
        name = f"{self.target.prefix}{table}"
        if self.sqlite:
            return [row[1] for row in self.connection.execute(f"PRAGMA table_info({name})")]
        rows = self.connection.execute(
            "SELECT column_name FROM information_schema.columns"
            " WHERE table_schema = %s AND table_name = %s ORDER BY ordinal_position",
            (self.target.schema or "public", name),
        ).fetchall()
        if not self.connection.autocommit:
            self.connection.commit()
        return [row[0] for row in rows]

    def server_version(self) -> str:
        if self.sqlite:
            return sqlite3.sqlite_version
        return str(self.execute("SHOW server_version").fetchone()[0])

    def analyze(self) -> None:
        """Refresh the planner statistics (and, in PostgreSQL, the visibility map)."""
        if self.sqlite:
            self.connection.execute("ANALYZE")
            return
        for table in self._tables.values():
            self.connection.execute(f"VACUUM ANALYZE {table}")

    def employee(self, code: str) -> tuple[Any, str]:
        """(id, name) of the employee with this code."""
        row = self.execute("SELECT id, name FROM {employees} WHERE code = ?", (code,)).fetchone()
        return row[0], row[1]

    # -------------------------------------------------------------- bulk import

    def _insert(self, table: str, columns: Sequence[str]) -> str:
        marks = ", ".join("?" * len(columns))
        return self.sql(f"INSERT INTO {{{table}}} ({', '.join(columns)}) VALUES ({marks})")

    def unwritten_columns(self) -> list[str]:
        """Columns of the import's tables the baseline leaves out (none, or it is stale)."""
        return [
            f"{self.target.prefix}{table}.{column}"
            for table, written in (
                ("events", EVENT_COLUMNS),
                ("timeline", TIMELINE_COLUMNS),
                ("history", HISTORY_COLUMNS),
            )
            for column in self.columns(table)
            if column not in written
        ]

    def compare_imports(self, mine: str, theirs: str, numbers: Iterable[int]) -> list[str]:
        """Differences between the rows two importers wrote for the same input rows.

        ``mine`` and ``theirs`` are external reference prefixes; row ``n`` of
        both imports came from the same generated row, so apart from ids and
        timestamps every column must be equal, in all three tables.
        """
        problems: list[str] = []

        def fetch(text: str, value: Any) -> list[dict[str, Any]]:
            cursor = self.execute(text, (value,))
            names = [d[0] for d in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

        def differ(where: str, a: dict[str, Any], b: dict[str, Any], skip: set[str]) -> None:
            for column in sorted(set(a) | set(b)):
                if column not in skip and a.get(column) != b.get(column):
                    left, right = (repr(x.get(column))[:60] for x in (a, b))
                    problems.append(f"{where}.{column}: {left} != {right}")

        for number in numbers:
            found = []
            for prefix in (mine, theirs):
                events = fetch(
                    "SELECT * FROM {events} WHERE external_ref = ?", f"{prefix}-{number:08d}"
                )
                if len(events) != 1:
                    problems.append(f"{prefix}-{number:08d}: {len(events)} events")
                    break
                event = events[0]
                timeline = fetch("SELECT * FROM {timeline} WHERE id = ?", event["id"])
                history = fetch(
                    "SELECT * FROM {history} WHERE entity_kind = 'event' AND entity_id = ?",
                    event["id"],
                )
                if len(timeline) != 1 or len(history) != 1:
                    problems.append(
                        f"{prefix}-{number:08d}: "
                        f"{len(timeline)} timeline and {len(history)} history rows"
                    )
                    break
                if timeline[0]["source_id"] != event["id"]:
                    problems.append(f"{prefix}-{number:08d}: timeline source_id is not the event")
                found.append((event, timeline[0], history[0]))
            if len(found) == 2:
                (e1, t1, h1), (e2, t2, h2) = found
                differ("events", e1, e2, {"id", "external_ref", "created_at", "updated_at"})
                differ("timeline", t1, t2, {"id", "source_id"})
                differ("history", h1, h2, {"id", "at", "entity_id"})
            if len(problems) > 20:
                break
        return problems

    def import_events(
        self, rows: Iterable[Mapping[str, Any]], *, employee_id: Any, employee_name: str
    ) -> int:
        """Write what ``crm.events.import_many`` writes for ``rows``, in one transaction.

        Per row: one ``events`` row, one ``timeline`` row with the event's id
        and one ``history`` row (``create`` of the ``event``), all the columns
        crmcore fills; rows go in batches of :data:`BATCH` per executemany.
        """
        events_sql = self._insert("events", EVENT_COLUMNS)
        timeline_sql = self._insert("timeline", TIMELINE_COLUMNS)
        history_sql = self._insert("history", HISTORY_COLUMNS)
        connection = self.connection
        cursor = connection.cursor()
        if self.sqlite:
            cursor.execute("BEGIN")
        clients = dict(cursor.execute(self.sql("SELECT code, id FROM {clients}")).fetchall())
        uid, moment, new_id = self.uid, self.moment, self.new_id
        events: list[tuple[Any, ...]] = []
        timeline: list[tuple[Any, ...]] = []
        history: list[tuple[Any, ...]] = []
        created = 0

        def flush() -> None:
            cursor.executemany(events_sql, events)
            cursor.executemany(timeline_sql, timeline)
            cursor.executemany(history_sql, history)
            events.clear()
            timeline.clear()
            history.clear()

        try:
            at = moment(datetime.now(UTC))
            for row in rows:
                event_id = uid(new_id())
                client_id = clients[row["client"]]
                occurred_at = moment(row["occurred_at"])
                type_code = row["type"]
                subject = row["subject"]
                details = row.get("details", "")
                summary = (
                    details
                    if len(details) <= SUMMARY_LENGTH
                    else details[: SUMMARY_LENGTH - 1] + "…"
                )
                events.append(
                    (
                        event_id,
                        type_code,
                        client_id,
                        None,
                        employee_id,
                        None,
                        occurred_at,
                        None,
                        subject,
                        details,
                        "",
                        row.get("external_ref"),
                        False,
                        1,
                        at,
                        at,
                    )
                )
                timeline.append(
                    (
                        event_id,
                        client_id,
                        occurred_at,
                        "event",
                        event_id,
                        type_code,
                        subject,
                        summary,
                        employee_id,
                        None,
                    )
                )
                history.append(
                    (
                        uid(new_id()),
                        at,
                        employee_id,
                        employee_name,
                        "event",
                        event_id,
                        "create",
                        None,
                        None,
                        None,
                    )
                )
                if len(events) >= BATCH:
                    created += len(events)
                    flush()
                    at = moment(datetime.now(UTC))
            created += len(events)
            if events:
                flush()
            if self.sqlite:
                cursor.execute("COMMIT")
            else:
                connection.commit()
        except BaseException:
            if self.sqlite:
                if connection.in_transaction:
                    cursor.execute("ROLLBACK")
            else:
                connection.rollback()
            raise
        return created

    # -------------------------------------------------------------- reads

    def timeline_page(self, client_id: Any, limit: int = 50) -> list[tuple[Any, ...]]:
        """The newest ``limit`` timeline entries of a client, plus one to tell if more follow."""
        return self.execute(  # type: ignore[no-any-return]
            "SELECT id, client_id, occurred_at, kind, source_id, type_code, title, summary,"
            " employee_id, contact_id FROM {timeline} WHERE client_id = ?"
            " ORDER BY occurred_at DESC, id DESC LIMIT ?",
            (client_id, limit + 1),
        ).fetchall()

    def identify(self, text: str) -> tuple[Any, Any] | None:
        """Caller-ID: the client row (and contact person row) a written number belongs to."""
        import phonenumbers

        try:
            number = phonenumbers.parse(text, "UA")
        except phonenumbers.NumberParseException:
            return None
        e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
        owner = self.execute(
            "SELECT client_id, contact_id FROM {phones} WHERE e164 = ?", (e164,)
        ).fetchone()
        if owner is None:
            return None
        client = self.execute("SELECT * FROM {clients} WHERE id = ?", (owner[0],)).fetchone()
        contact = None
        if owner[1] is not None:
            contact = self.execute("SELECT * FROM {contacts} WHERE id = ?", (owner[1],)).fetchone()
        return client, contact

    def search_clients(self, text: str, limit: int = 50) -> list[tuple[Any, ...]]:
        """Clients whose name contains ``text`` (or whose code is it), with their lists.

        The key is case-folded here as crmcore stores ``name_key``.  Where the
        phones, e-mails and tags of a client live in their own tables only,
        they are then read for the page with one query each, the rows crmcore
        loads to build the clients; where the client row carries them (newer
        schemas), ``SELECT *`` has them already.
        """
        key = " ".join(text.casefold().split())
        clients = self.execute(
            "SELECT * FROM {clients} WHERE (name_key LIKE '%' || ? || '%' OR code_key = ?)"
            f" AND archived = false ORDER BY {self.name_order}, id LIMIT ?",
            (key, key, limit),
        ).fetchall()
        if clients and not self.lists_in_client_row:
            ids = [row[0] for row in clients]
            marks = ", ".join("?" * len(ids))
            self.execute(
                f"SELECT client_id, e164, extension FROM {{phones}} WHERE client_id IN ({marks})"
                " AND contact_id IS NULL ORDER BY client_id, position",
                ids,
            ).fetchall()
            self.execute(
                f"SELECT client_id, address FROM {{client_emails}} WHERE client_id IN ({marks})"
                " ORDER BY client_id, position",
                ids,
            ).fetchall()
            self.execute(
                f"SELECT client_id, tag FROM {{client_tags}} WHERE client_id IN ({marks})"
                " ORDER BY client_id, position",
                ids,
            ).fetchall()
        return clients  # type: ignore[no-any-return]


def drop_schema(target: Target) -> None:
    """Remove a PostgreSQL benchmark schema with everything in it."""
    import psycopg

    with psycopg.connect(target.libpq_url(), autocommit=True) as connection:
        connection.execute(f'DROP SCHEMA IF EXISTS "{target.schema}" CASCADE')
