"""Task registry parity: for random tasks, every SQL backend pages and counts like memory.

Random tasks (executors among a few employees in different time zones,
statuses reached through the workflow, priorities, names with Cyrillic, ``%``
and ``_``, user-field values including multi-choice, dates and datetimes,
creation times that differ or tie) are stored on the memory backend and on a
SQL one; then random registry filters, in every sort order, paged through with
cursors and small limits, must give the same tasks in the same order, and
``counts`` the same numbers.  Ids differ between databases, so tasks are
compared by the order they were created in (ids follow creation order).
"""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import crmcore
from crmcore import CRM
from crmcore.domain.tasks import Priority, TaskSort, TaskStatus
from crmcore.testing import ManualClock

BACKENDS = os.environ.get("CRMCORE_TEST_BACKENDS", "memory,sqlite").split(",")
POSTGRESQL_URL = os.environ.get("CRMCORE_TEST_POSTGRESQL")
SQL_BACKENDS = [b.strip() for b in BACKENDS if b.strip() in ("sqlite", "postgresql")]
START = datetime(2014, 11, 5, 9, 0, tzinfo=UTC)
MIDNIGHT = datetime(2014, 11, 5, tzinfo=UTC)
#: UTC hours of the zones' midnights (and one more): dates, deadlines and "now" land on
#: day boundaries often, where overdue and period filters are easiest to get wrong.
HOURS = [0, 5, 15, 22, 9]
LETTERS = "абвгґдеєжзиіїйклмнопрстуфхцчшщьюяАБВГҐДЕЄЖЗИІЇЙКЛМНОПРСТУФХЦЧШЩЬЮЯabcXYZ ёЁß'\"%_-"
#: The employees' zones: overdue and date periods are judged by days in the viewer's zone.
ZONES = ["Europe/Kyiv", "UTC", "America/New_York", "Asia/Tokyo"]
CHOICES = ["Київ", "Львів", "Одеса"]
WORKS = ["дах", "стіни", "вікна"]
PATHS = ["none", "accept", "start", "decline", "review", "complete", "return", "cancel", "postpone"]

names = st.text(alphabet=LETTERS, min_size=1, max_size=12).filter(lambda s: s.strip())
people = st.integers(min_value=0, max_value=len(ZONES) - 1)
tasks = st.lists(
    st.fixed_dictionaries(
        {
            "name": names,
            "executors": st.lists(people, max_size=3),
            "controller": st.none() | people,
            "client": st.none() | st.integers(min_value=0, max_value=1),
            "priority": st.sampled_from([p.value for p in Priority]),
            "path": st.sampled_from(PATHS),
            "archived": st.booleans(),
            "zone": st.sampled_from(ZONES),
            "by_days": st.booleans(),  # dates (whole days in the task's zone) or datetimes
            "start_day": st.integers(min_value=0, max_value=10),  # days after MIDNIGHT
            "start_hour": st.sampled_from(HOURS),
            "days": st.integers(min_value=0, max_value=6),
            "hours": st.sampled_from([0, 0, 7, 17]),
            "created": st.integers(min_value=0, max_value=2),  # minutes: ties happen
            "region": st.none() | st.sampled_from(CHOICES),
            "works": st.lists(st.sampled_from(WORKS), unique=True, max_size=3),
            "qty": st.none() | st.integers(min_value=-3, max_value=3),
        }
    ),
    min_size=1,
    max_size=12,
)
statuses = st.lists(st.sampled_from([s.value for s in TaskStatus]), min_size=1, max_size=3)
moments = st.tuples(st.integers(min_value=0, max_value=20), st.sampled_from(HOURS))
conditions = st.one_of(
    st.tuples(st.just("executor"), people),
    st.tuples(st.just("controller"), people),
    st.tuples(st.just("client"), st.integers(min_value=0, max_value=1)),
    st.tuples(st.just("status"), statuses),
    st.tuples(
        st.just("priority"),
        st.lists(st.sampled_from([p.value for p in Priority]), min_size=1, max_size=2),
    ),
    st.tuples(st.just("overdue"), st.tuples(moments, st.none() | people)),
    st.tuples(
        st.just("period"),
        st.tuples(
            st.integers(min_value=0, max_value=20),
            st.integers(min_value=0, max_value=5),
            st.none() | people,
        ),
    ),
    st.tuples(
        st.just("text"),
        st.tuples(
            st.integers(min_value=0, max_value=11),
            st.integers(min_value=0, max_value=10),
            st.integers(min_value=1, max_value=3),
        )
        | st.text(alphabet=LETTERS, min_size=1, max_size=2),
    ),
    st.tuples(
        st.just("fields"),
        st.sampled_from(CHOICES).map(lambda c: {"region": c})
        | st.sampled_from(WORKS).map(lambda w: {"works": w})
        | st.integers(min_value=-3, max_value=3).map(lambda q: {"qty": q}),
    ),
    st.tuples(st.just("include_archived"), st.booleans()),
)
#: A registry filter: up to three conditions (a later one of the same kind wins).
filters = st.lists(conditions, max_size=3).map(dict)
#: Day boundaries judged for every viewer: "now" on the day of one task's planned end
#: (or one or two days later) at one of HOURS, and a period of whole days.
boundaries = st.tuples(
    st.integers(min_value=0, max_value=11),
    st.integers(min_value=0, max_value=2),
    st.sampled_from(HOURS),
    st.integers(min_value=0, max_value=20),
    st.integers(min_value=0, max_value=3),
)


@contextmanager
def _opened(backend: str, clock: ManualClock) -> Iterator[CRM]:
    if backend == "memory":
        with crmcore.open(clock=clock) as crm:
            yield crm
    elif backend == "sqlite":
        with (
            tempfile.TemporaryDirectory() as folder,
            crmcore.open(f"sqlite:///{Path(folder) / 'crm.sqlite'}", clock=clock) as crm,
        ):
            yield crm
    else:
        assert POSTGRESQL_URL
        schema = f"p_{uuid.uuid4().hex[:10]}"
        try:
            with crmcore.open(POSTGRESQL_URL, schema=schema, clock=clock) as crm:
                yield crm
        finally:
            engine = sqlalchemy.create_engine(POSTGRESQL_URL)
            with engine.begin() as connection:
                connection.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
            engine.dispose()


def _walk(crm: CRM, task: Any, path: str) -> None:
    """Move a task along the workflow (as the system, which may make every move)."""
    rows = crm.tasks.executors(task)
    moves = crm.tasks
    if path == "accept" and rows:
        moves.accept(rows[0])
    elif path == "decline" and rows:
        moves.decline(rows[0])
    elif path in ("start", "postpone") and rows:
        moves.start(rows[0])
    elif path in ("review", "complete", "return"):
        if rows:
            for row in rows:
                moves.start(row)
                moves.finish(row)
        else:
            moves.submit(task)
        if path == "complete":
            moves.complete(task)
        elif path == "return":
            moves.send_back(task)
    if path == "postpone":
        moves.postpone(task)
    elif path == "cancel":
        moves.cancel(task)


def _fill(crm: CRM, clock: ManualClock, specs: list[dict[str, Any]]) -> list[uuid.UUID]:
    """Store the tasks; returns their ids in creation order."""
    for index, zone in enumerate(ZONES):
        crm.employees.create(code=f"E{index}", name=f"Працівник {index}", time_zone=zone)
    for index in range(2):
        crm.clients.create(code=f"C{index}", name=f"Клієнт {index}")
    crm.fields.define("task", "region", label="Регіон", type="choice", choices=CHOICES)
    crm.fields.define("task", "works", label="Роботи", type="multi_choice", choices=WORKS)
    crm.fields.define("task", "qty", label="Кількість", type="integer")
    ids: list[uuid.UUID] = []
    for spec in specs:
        clock.advance(minutes=spec["created"])
        begin = MIDNIGHT + timedelta(days=spec["start_day"], hours=spec["start_hour"])
        start: date | datetime = begin
        end: date | datetime = begin + timedelta(days=spec["days"], hours=spec["hours"])
        if spec["by_days"]:
            start = begin.date()
            end = start + timedelta(days=spec["days"])
        values: dict[str, Any] = {"works": spec["works"]}
        if spec["region"] is not None:
            values["region"] = spec["region"]
        if spec["qty"] is not None:
            values["qty"] = spec["qty"]
        task = crm.tasks.create(
            spec["name"],
            start=start,
            end=end,
            executors=[f"E{who}" for who in spec["executors"]],
            controller=None if spec["controller"] is None else f"E{spec['controller']}",
            client=None if spec["client"] is None else f"C{spec['client']}",
            priority=spec["priority"],
            time_zone=spec["zone"],
            description=f"№{len(ids)} {spec['name'][::-1]}",
            fields=values,
        )
        _walk(crm, task, spec["path"])
        if spec["archived"]:
            crm.tasks.archive(task.id)
        ids.append(task.id)
    return ids


def _arguments(chosen: dict[str, Any], specs: list[dict[str, Any]]) -> dict[str, Any]:
    """Registry keyword arguments for a drawn filter."""
    arguments: dict[str, Any] = {}
    for name in ("executor", "controller"):
        if name in chosen:
            arguments[name] = f"E{chosen[name]}"
    if "client" in chosen:
        arguments["client"] = f"C{chosen['client']}"
    for name in ("status", "priority", "fields", "include_archived"):
        if name in chosen:
            arguments[name] = chosen[name]
    viewer = None
    if "overdue" in chosen:
        (day, hour), viewer = chosen["overdue"]
        arguments["overdue"] = True
        arguments["now"] = MIDNIGHT + timedelta(days=day, hours=hour)
    if "period" in chosen:
        first, days, viewer = chosen["period"]
        since = date(2014, 11, 1) + timedelta(days=first)
        arguments["period"] = (since, since + timedelta(days=days))
    if viewer is not None:
        arguments["viewer"] = f"E{viewer}"
    if "text" in chosen:
        text = chosen["text"]
        if isinstance(text, tuple):
            index, begin, size = text
            name = specs[index % len(specs)]["name"]
            text = name[begin % len(name) :][:size] or name
        arguments["text"] = text
    return arguments


def _boundary_answers(
    crm: CRM,
    order: dict[uuid.UUID, int],
    specs: list[dict[str, Any]],
    boundary: tuple[int, int, int, int, int],
) -> dict[str, object]:
    """Overdue and period filters at day boundaries, for the system and every viewer."""
    index, later, hour, first, days = boundary
    spec = specs[index % len(specs)]
    due_day = spec["start_day"] + spec["days"]
    now = MIDNIGHT + timedelta(days=due_day + later, hours=hour)
    since = MIDNIGHT.date() + timedelta(days=first)
    answers: dict[str, object] = {}
    for viewer in [None, *(f"E{i}" for i in range(len(ZONES)))]:
        for archived in (False, True):
            late: dict[str, Any] = {
                "overdue": True,
                "now": now,
                "viewer": viewer,
                "include_archived": archived,
            }
            answers[f"overdue {late}"] = [
                order[t.id] for t in crm.tasks.registry(**late, sort="name", limit=100)
            ]
            answers[f"overdue counts {late}"] = crm.tasks.counts(**late)
        span: dict[str, Any] = {"period": (since, since + timedelta(days=days)), "viewer": viewer}
        answers[f"period {span}"] = [
            order[t.id] for t in crm.tasks.registry(**span, sort="start", limit=100)
        ]
    return answers


def _answers(
    crm: CRM,
    ids: list[uuid.UUID],
    drawn: list[dict[str, Any]],
    specs: list[dict[str, Any]],
    limit: int,
    boundary: tuple[int, int, int, int, int],
) -> dict[str, object]:
    order = {task_id: index for index, task_id in enumerate(ids)}
    answers = _boundary_answers(crm, order, specs, boundary)
    for number, chosen in enumerate([{}, *drawn]):
        arguments = _arguments(chosen, specs)
        for sort in TaskSort:
            pages = []
            page = crm.tasks.registry(**arguments, sort=sort, limit=limit)
            while True:
                pages.append([order[task.id] for task in page])
                if page.next_cursor is None:
                    break
                page = crm.tasks.registry(
                    **arguments, sort=sort, limit=limit, cursor=page.next_cursor
                )
            answers[f"filter {number} {arguments} sort {sort.value}"] = pages
        counted = {k: v for k, v in arguments.items() if k != "status"}
        answers[f"counts {number} {counted}"] = crm.tasks.counts(**counted)
    return answers


@pytest.mark.parametrize("backend", SQL_BACKENDS)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    tasks,
    st.lists(filters, min_size=1, max_size=3),
    st.integers(min_value=1, max_value=4),
    boundaries,
)
def test_sql_backend_pages_and_counts_tasks_like_the_memory_backend(
    backend: str,
    specs: list[dict[str, Any]],
    drawn: list[dict[str, Any]],
    limit: int,
    boundary: tuple[int, int, int, int, int],
) -> None:
    reference_clock = ManualClock(START)
    with _opened("memory", reference_clock) as reference:
        ids = _fill(reference, reference_clock, specs)
        expected = _answers(reference, ids, drawn, specs, limit, boundary)
    clock = ManualClock(START)
    with _opened(backend, clock) as crm:
        ids = _fill(crm, clock, specs)
        assert _answers(crm, ids, drawn, specs, limit, boundary) == expected
