"""What only the SQL backend has: files that persist, host engines, migrations."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

import crmcore
from crmcore.adapters.sqlalchemy import SQLAlchemyStorage
from crmcore.adapters.sqlalchemy.tables import build_tables
from crmcore.errors import StaleObject, StorageError
from crmcore.ports import StorageOptions

START = datetime(2014, 11, 5, 9, 0, tzinfo=UTC)


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, str | None]]:
    """(URL, schema) of an empty database of each SQL kind."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'crm.sqlite'}", None
        return
    url = request.getfixturevalue("postgresql_url")
    schema = f"s_{uuid.uuid4().hex[:10]}"
    yield url, schema
    engine = sqlalchemy.create_engine(url)
    with engine.begin() as connection:
        connection.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    engine.dispose()


def test_new_database_is_created_at_the_newest_revision_matching_the_tables(
    database: tuple[str, str | None],
) -> None:
    url, schema = database
    with crmcore.open(url, schema=schema, table_prefix="acme_crm_") as crm:
        storage = crm.storage
        assert isinstance(storage, SQLAlchemyStorage)
        current, head = storage.revisions()
        assert current == head
        with storage.engine.connect() as connection:
            context = MigrationContext.configure(
                connection,
                opts={
                    "include_schemas": bool(schema),
                    # Only this test's schema: other tests and tools use their own.
                    "include_name": lambda name, kind, _: kind != "schema" or name == schema,
                },
            )
            differences = compare_metadata(context, build_tables("acme_crm_", schema).metadata)
    assert [d for d in differences if "alembic_version" not in str(d)] == []


def test_migrations_go_down_to_an_empty_database_and_up_again(
    database: tuple[str, str | None],
) -> None:
    from alembic import command

    url, schema = database
    with crmcore.open(url, schema=schema) as crm:
        storage = crm.storage
        assert isinstance(storage, SQLAlchemyStorage)
        with storage.engine.begin() as connection:
            command.downgrade(storage.alembic_config(connection), "base")
        inspector = sqlalchemy.inspect(storage.engine)
        assert set(inspector.get_table_names(schema=schema)) == {"crm_alembic_version"}
        storage.upgrade()
    with crmcore.open(url, schema=schema) as again:
        assert again.event_types.get("ВхЗ").system


def test_migration_0007_makes_stored_days_calendar_days_and_reminds_anew(
    database: tuple[str, str | None],
) -> None:
    from alembic import command

    url, schema = database
    kyiv = ZoneInfo("Europe/Kyiv")
    # 09:00 on the Monday after the clocks went back: 3 days earlier is summer time.
    start = datetime(2026, 10, 26, 9, tzinfo=kyiv)
    with crmcore.open(url, schema=schema, clock=lambda: START) as crm:
        task = crm.tasks.create("Звіт", start=start, end=start + timedelta(hours=1))
        pending = crm.reminders.add(task, "3 days")
        fired = crm.reminders.add(task, "1 day")
        hours = crm.reminders.add(task, "4 hours")
        storage = crm.storage
        assert isinstance(storage, SQLAlchemyStorage)
        with storage.engine.begin() as connection:
            command.downgrade(storage.alembic_config(connection), "0006")
            table = sqlalchemy.Table(
                "crm_reminders", sqlalchemy.MetaData(), autoload_with=connection, schema=schema
            )
            assert "calendar_days" not in table.c
            # As revision 0006 kept them: exact days, and one fired already.
            old_due = start.astimezone(UTC) - timedelta(days=3)
            connection.execute(
                table.update().where(table.c.id == pending.id).values(next_at=old_due)
            )
            connection.execute(
                table.update().where(table.c.id == fired.id).values(fired=1, next_at=old_due)
            )
        storage.upgrade()
    with crmcore.open(url, schema=schema) as again:
        found = {r.id: r for r in again.reminders.of(task.id)}
    assert found[pending.id].calendar_days == 3
    assert found[pending.id].next_at == datetime(2026, 10, 23, 9, tzinfo=kyiv)
    # A fired reminder keeps when it fires next; its rule reads in calendar days from now on.
    assert (found[fired.id].calendar_days, found[fired.id].next_at) == (1, old_due)
    assert (found[hours.id].calendar_days, found[hours.id].next_at) == (0, hours.next_at)


def test_data_survives_closing_and_reopening(database: tuple[str, str | None]) -> None:
    url, schema = database
    with crmcore.open(url, schema=schema) as crm:
        client = crm.clients.create(code="22910019", name="ДЕЛІКАТЕС ТОВ", phones=["044 490 12 34"])
        crm.events.log(client, type="ВхЗ", subject="Запит ціни", occurred_at=START)
    with crmcore.open(url, schema=schema) as again:
        assert again.clients.get("22910019") == client
        assert [e.title for e in again.timeline(client)] == ["Запит ціни"]
        assert again.telephony.identify("0444901234").client.id == client.id


def test_two_processes_worth_of_crms_detect_each_others_changes(
    database: tuple[str, str | None],
) -> None:
    url, schema = database
    with crmcore.open(url, schema=schema) as first, crmcore.open(url, schema=schema) as second:
        client = first.clients.create(code="1", name="ПДВ")
        second.clients.update(second.clients.get("1"), name="ПДВ ТОВ")
        with pytest.raises(StaleObject):
            first.clients.update(client, name="ПДВ (перший)")
        assert first.clients.get("1").name == "ПДВ ТОВ"


def test_opening_without_upgrade_refuses_an_outdated_schema(
    database: tuple[str, str | None],
) -> None:
    url, schema = database
    storage = SQLAlchemyStorage.from_url(url, StorageOptions(schema=schema, upgrade=False))
    try:
        if schema:
            with storage.engine.begin() as connection:
                connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
        with pytest.raises(StorageError, match="crmcore db upgrade"):
            storage.check_schema()
    finally:
        storage.close()
    with pytest.raises(StorageError, match="crmcore db upgrade"):
        crmcore.open(url, schema=schema, upgrade=False)


def test_host_engine_gets_crmcore_tables_beside_its_own(tmp_path: Path) -> None:
    engine = sqlalchemy.create_engine(f"sqlite:///{tmp_path / 'erp.sqlite'}")
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total NUMERIC)")
        connection.exec_driver_sql("INSERT INTO invoices VALUES (1, 1800.00)")
    with crmcore.open(engine=engine, table_prefix="crm_") as crm:
        crm.clients.create(code="22910000", name="УКРАЇНА-ВІЛЬНА")
    tables = set(sqlalchemy.inspect(engine).get_table_names())
    assert "invoices" in tables
    assert {
        "crm_clients",
        "crm_events",
        "crm_timeline",
        "crm_history",
        "crm_alembic_version",
    } <= tables
    with engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT total FROM invoices").scalar() == 1800
    # The host's engine stays usable: crmcore does not dispose of what it did not create.
    with crmcore.open(engine=engine) as crm:
        assert crm.clients.get("22910000").name == "УКРАЇНА-ВІЛЬНА"


def test_bad_urls_raise_storage_errors(tmp_path: Path) -> None:
    with pytest.raises(StorageError):
        crmcore.open("postgresql+nosuchdriver://localhost/db")
    with pytest.raises(StorageError, match="cannot reach"):
        crmcore.open("postgresql+psycopg://nobody@127.0.0.1:1/nothing")
    with pytest.raises(StorageError):
        crmcore.open(f"sqlite:///{tmp_path / 'missing-folder' / 'crm.sqlite'}")


def test_reads_do_not_wait_for_a_unit_of_work_that_is_writing(
    database: tuple[str, str | None],
) -> None:
    url, schema = database
    with crmcore.open(url, schema=schema) as crm:
        crm.clients.create(code="1", name="ПДВ", phones=["0442067222"])
        writing, release, written = threading.Event(), threading.Event(), threading.Event()

        def long_write() -> None:
            with crm.transaction():
                crm.clients.create(code="2", name="Довгий імпорт")
                writing.set()
                release.wait(10)
            written.set()

        writer = threading.Thread(target=long_write)
        writer.start()
        try:
            assert writing.wait(20)
            # Each read returns while the writer still holds its transaction open:
            # a read that waited would only come back once the writer committed.
            assert [c.code for c in crm.clients.search()] == ["1"]
            assert crm.telephony.identify("0442067222") is not None
            assert len(crm.timeline("1")) == 0
            assert not written.is_set()
        finally:
            release.set()
            writer.join()
        assert [c.code for c in crm.clients.search()] == ["2", "1"]
