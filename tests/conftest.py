"""Shared fixtures: which backends to test, and a PostgreSQL database per test."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

# Plugins installed in the environment must not change what the suite sees;
# tests that need one load it explicitly.
os.environ.setdefault("CRMCORE_LOAD_PLUGINS", "")
# The conformance suite's asserts live in the package; show their values on failure.
pytest.register_assert_rewrite("crmcore.testing")

import crmcore  # noqa: E402  (after the assert rewrite is registered)

BACKENDS = [
    b.strip()
    for b in os.environ.get("CRMCORE_TEST_BACKENDS", "memory,sqlite").split(",")
    if b.strip()
]
POSTGRESQL_URL = os.environ.get("CRMCORE_TEST_POSTGRESQL")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "postgresql" in item.nodeid.split("::")[-1] or "[postgresql" in item.nodeid:
            item.add_marker(pytest.mark.postgresql)


@pytest.fixture
def postgresql_url() -> str:
    if not POSTGRESQL_URL:
        message = "PostgreSQL tests need CRMCORE_TEST_POSTGRESQL (run `nox -s tests_postgresql`)"
        if os.environ.get("CRMCORE_REQUIRE_POSTGRESQL") == "1":
            pytest.fail(message)
        pytest.skip(message)
    return POSTGRESQL_URL


def _drop_schema(url: str, schema: str) -> None:
    import sqlalchemy

    engine = sqlalchemy.create_engine(url)
    with engine.begin() as connection:
        connection.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    engine.dispose()


@pytest.fixture
def open_backend(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[Callable[..., crmcore.CRM]]:
    """``open_backend(name)`` returns a factory of CRMs on one fresh database of that backend."""
    opened: list[crmcore.CRM] = []
    schemas: list[str] = []

    def factory_for(backend: str) -> Callable[..., crmcore.CRM]:
        """Every CRM a test opens on ``backend`` reaches the same fresh database."""
        fixed: dict[str, Any] = {}
        if backend == "memory":
            url = f"memory://{uuid.uuid4().hex}"
        elif backend == "sqlite":
            url = f"sqlite:///{tmp_path / 'crm.sqlite'}"
        elif backend == "postgresql":
            url = request.getfixturevalue("postgresql_url")
            fixed["schema"] = f"t_{uuid.uuid4().hex[:12]}"
            schemas.append(fixed["schema"])
        else:
            raise ValueError(f"unknown backend {backend!r}")

        def factory(**options: Any) -> crmcore.CRM:
            crm = crmcore.open(url, **fixed, **options)
            opened.append(crm)
            return crm

        return factory

    yield factory_for
    for crm in opened:
        crm.close()
    for schema in schemas:
        _drop_schema(POSTGRESQL_URL or "", schema)


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def crm_factory(
    open_backend: Callable[[str], Callable[..., crmcore.CRM]], backend: str
) -> Callable[..., crmcore.CRM]:
    return open_backend(backend)
