"""Backend parity: for random data, every SQL backend answers exactly like the memory one."""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import crmcore
from crmcore import CRM

BACKENDS = os.environ.get("CRMCORE_TEST_BACKENDS", "memory,sqlite").split(",")
POSTGRESQL_URL = os.environ.get("CRMCORE_TEST_POSTGRESQL")
SQL_BACKENDS = [b.strip() for b in BACKENDS if b.strip() in ("sqlite", "postgresql")]
START = datetime(2014, 11, 5, 9, 0, tzinfo=UTC)
LETTERS = "абвгдеєжзиіїйклмнопрстуфхцчшщьюяАБВГДЕЄЖЗИІЇЙКЛМНОПРСТУФХЦЧШЩЬЮЯabcXYZ ёЁß'\"%_-"
TYPES = ["ВхЗ", "ИсхЗ", "Встр", "Зам"]

names = st.text(alphabet=LETTERS, min_size=1, max_size=12).filter(lambda s: s.strip())
clients = st.lists(
    st.tuples(names, st.integers(min_value=2_000_000, max_value=2_000_060)),
    min_size=1,
    max_size=12,
)
events = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=11),
        st.sampled_from(TYPES),
        st.integers(min_value=0, max_value=5),  # few distinct moments: ties must order alike
    ),
    max_size=30,
)


@contextmanager
def _opened(backend: str) -> Iterator[CRM]:
    if backend == "memory":
        with crmcore.open() as crm:
            yield crm
    elif backend == "sqlite":
        with (
            tempfile.TemporaryDirectory() as folder,
            crmcore.open(f"sqlite:///{Path(folder) / 'crm.sqlite'}") as crm,
        ):
            yield crm
    else:
        assert POSTGRESQL_URL
        schema = f"p_{uuid.uuid4().hex[:10]}"
        try:
            with crmcore.open(POSTGRESQL_URL, schema=schema) as crm:
                yield crm
        finally:
            engine = sqlalchemy.create_engine(POSTGRESQL_URL)
            with engine.begin() as connection:
                connection.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
            engine.dispose()


def _fill(
    crm: CRM, client_rows: list[tuple[str, int]], event_rows: list[tuple[int, str, int]]
) -> None:
    with crm.transaction():
        for index, (name, number) in enumerate(client_rows):
            client = crm.clients.create(code=f"C{index}", name=name, phones=[f"044{number}"])
            crm.contacts.create(
                client, name=f"{name} контакт", phones=[f"044{number} доб. {100 + index}"]
            )
        for index, (owner, type_code, minutes) in enumerate(event_rows):
            if owner < len(client_rows):
                crm.events.log(
                    f"C{owner}",
                    type=type_code,
                    subject=f"#{index}",
                    occurred_at=START + timedelta(minutes=minutes),
                )


def _answers(
    crm: CRM, client_rows: list[tuple[str, int]], fragments: list[str]
) -> dict[str, object]:
    answers: dict[str, object] = {}
    for fragment in fragments:
        answers[f"search {fragment!r}"] = [(c.code, c.name) for c in crm.clients.search(fragment)]
    answers["all"] = [c.code for c in crm.clients.search(limit=5)]
    for index, (_, number) in enumerate(client_rows):
        matches = crm.telephony.lookup(f"044{number}")
        answers[f"caller {number}"] = [
            (m.client.code, m.contact and m.contact.name) for m in matches
        ]
        pages = []
        page = crm.timeline(f"C{index}", limit=3)
        while True:
            pages.append([(e.title, e.occurred_at, e.type_code) for e in page])
            if page.next_cursor is None:
                break
            page = crm.timeline(f"C{index}", limit=3, cursor=page.next_cursor)
        answers[f"timeline C{index}"] = pages
        answers[f"calls C{index}"] = [
            e.title for e in crm.timeline(f"C{index}", types=["ВхЗ", "ИсхЗ"])
        ]
    return answers


@pytest.mark.parametrize("backend", SQL_BACKENDS)
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(clients, events, st.lists(st.text(alphabet=LETTERS, min_size=1, max_size=3), max_size=4))
def test_sql_backend_answers_like_the_memory_backend(
    backend: str,
    client_rows: list[tuple[str, int]],
    event_rows: list[tuple[int, str, int]],
    extra: list[str],
) -> None:
    fragments = [name[1:3] for name, _ in client_rows] + extra
    with _opened("memory") as reference:
        _fill(reference, client_rows, event_rows)
        expected = _answers(reference, client_rows, fragments)
    with _opened(backend) as crm:
        _fill(crm, client_rows, event_rows)
        assert _answers(crm, client_rows, fragments) == expected
