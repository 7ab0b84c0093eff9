"""Task benchmarks: the task registry and an employee's month calendar, crmcore against the driver.

The data (employees, tasks, executor rows, work log and the employees' events)
is drawn from a fixed seed.  The employees are created through crmcore's API;
everything else is written with the bare driver straight into crmcore's
tables (``COPY`` in PostgreSQL, ``executemany`` in SQLite), each value encoded
as crmcore's codec encodes it, which is far faster than creating 100,000
tasks through the API and gives both sides the same data.  A few loaded tasks
are then read back through crmcore and compared with what was meant.

This module imports crmcore: ``run.py`` imports it only inside the function
that measures tasks, never in the import child processes.
"""

from __future__ import annotations

import json
import random
import statistics
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from decimal import Decimal
from itertools import accumulate
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

import attrs
from rawdb import RawDB, Target
from rawtasks import TASK_FIELDS, RawTasks

from crmcore.domain import SYSTEM_EVENT_TYPES, search_key
from crmcore.domain.clients import sort_key
from crmcore.domain.tasks import Executor, ExecutorStatus, Priority, Task, TaskStatus, WorkLogEntry

__all__ = ["NOW", "OPEN_STATUSES", "Check", "Dataset", "TaskSizes", "checks", "load"]

#: The moment "overdue" is judged at (09:30 in Kyiv, 16:30 in Tokyo, 03:30 in New York).
NOW = datetime(2025, 3, 14, 7, 30, tzinfo=UTC)
#: The statuses the registry query asks for.
OPEN_STATUSES = ("assigned", "accepted", "in_progress")
#: Planned ends (and events) fall in these four years.
PERIOD_START = datetime(2023, 1, 1, tzinfo=UTC)
PERIOD_END = datetime(2027, 1, 1, tzinfo=UTC)
#: ``created_at`` and ``updated_at`` of every loaded row.
LOADED_AT = datetime(2025, 1, 10, 6, 0, tzinfo=UTC)
TASK_ZONE = "Europe/Kyiv"
#: The employees' time zones, with weights: the calendar's days and the
#: registry's "overdue" are judged in each employee's own zone.
ZONES = (
    ("Europe/Kyiv", 80),
    ("Europe/Warsaw", 8),
    ("Europe/London", 4),
    ("America/New_York", 4),
    ("Asia/Tokyo", 4),
)
#: Tasks per batch written (and rows generated) at a time.
LOAD_BATCH = 5000


@dataclass(frozen=True)
class TaskSizes:
    """How much task data a run loads and how many queries each test sends."""

    tasks: int
    employees: int
    events: int
    executors_per_task: int = 3
    registry_queries: int = 500
    calendar_queries: int = 300
    warmup: int = 50

    @property
    def executor_rows(self) -> int:
        return self.tasks * self.executors_per_task

    @classmethod
    def full(cls) -> TaskSizes:
        return cls(tasks=100_000, employees=500, events=200_000)

    @classmethod
    def quick(cls) -> TaskSizes:
        return cls(
            tasks=2_000,
            employees=50,
            events=4_000,
            registry_queries=200,
            calendar_queries=100,
            warmup=20,
        )

    def as_json(self) -> dict[str, int]:
        return {
            "tasks": self.tasks,
            "executor_rows": self.executor_rows,
            "employees": self.employees,
            "events": self.events,
            "registry_queries": self.registry_queries,
            "calendar_queries": self.calendar_queries,
            "warmup_queries": self.warmup,
        }


# ------------------------------------------------------------------ vocabulary

# fmt: off
_VERBS = (
    "Підготувати", "Узгодити", "Перевірити", "Надіслати", "Оформити", "Зателефонувати щодо",
    "Погодити", "Підписати", "Оновити", "Розрахувати", "Відвантажити", "Провести зустріч щодо",
)
_OBJECTS = (
    "комерційну пропозицію", "договір поставки", "акт звірки", "рахунок", "специфікацію",
    "звіт за квартал", "графік відвантаження", "прайс-лист", "претензію", "податкову накладну",
    "план продажу", "презентацію асортименту",
)
_DESCRIPTIONS = (
    "Клієнт чекає до кінця тижня.", "Узгодити з бухгалтерією перед відправкою.",
    "Див. листування з клієнтом.", "Потрібен підпис директора.",
)
_TAGS = ("терміново", "клієнт", "бухгалтерія", "склад")
_SURNAMES = (
    "Шевченко", "Коваленко", "Бондаренко", "Ткаченко", "Кравченко", "Олійник", "Шевчук",
    "Поліщук", "Бойко", "Ткачук", "Мельник", "Лисенко", "Руденко", "Марченко", "Савченко",
)
_GIVEN = (
    "Олександр", "Андрій", "Сергій", "Дмитро", "Іван", "Олена", "Ірина", "Наталія", "Тетяна",
    "Оксана", "Юлія", "Марія",
)
_SUBJECTS = (
    "Запит ціни", "Уточнення замовлення", "Звірка розрахунків", "Оплата рахунку", "Доставка",
    "Комерційна пропозиція", "Договір поставки", "Нагадування про оплату", "Консультація",
)
# fmt: on

#: (column, kind) of each table in the database's column order; kinds pick the
#: encoding (see ``_encoders``).  Derived columns are computed from the others.
TASK_COLUMNS = (
    ("id", "uuid"), ("name", "text"), ("name_sort", "text"), ("search_text", "text"),
    ("description", "text"), ("author_id", "uuid"), ("controller_id", "uuid"),
    ("type_code", "text"), ("client_id", "uuid"), ("contact_id", "uuid"),
    ("project_id", "uuid"), ("event_id", "uuid"), ("planned_start", "moment"),
    ("planned_end", "moment"), ("planned_hours", "hours"), ("percent_done", "int"),
    ("hours_spent", "hours"), ("status", "text"), ("colour", "text"), ("priority", "text"),
    ("priority_order", "int"), ("tags", "json"), ("progress_mode", "text"),
    ("time_zone", "text"), ("resume_status", "text"), ("archived", "bool"), ("version", "int"),
    ("created_at", "moment"), ("updated_at", "moment"), ("watchers", "json"),
    ("series_id", "uuid"), ("occurrence", "moment"), ("external_ref", "text"),
)  # fmt: skip
TASK_DERIVED = frozenset({"name_sort", "search_text", "priority_order"})
EXECUTOR_COLUMNS = (
    ("id", "uuid"), ("task_id", "uuid"), ("kind", "text"), ("employee_id", "uuid"),
    ("group", "text"), ("planned_start", "moment"), ("planned_end", "moment"),
    ("status", "text"), ("percent_done", "int"), ("planned_hours", "hours"),
    ("hours_spent", "hours"), ("comment", "text"), ("position", "int"), ("version", "int"),
    ("created_at", "moment"), ("updated_at", "moment"),
)  # fmt: skip
WORK_LOG_COLUMNS = (
    ("id", "uuid"), ("task_id", "uuid"), ("executor_id", "uuid"), ("employee_id", "uuid"),
    ("worked_on", "moment"), ("hours", "hours"), ("note", "text"), ("version", "int"),
    ("created_at", "moment"), ("updated_at", "moment"),
)  # fmt: skip
EVENT_COLUMNS = (
    ("id", "uuid"), ("type_code", "text"), ("client_id", "uuid"), ("contact_id", "uuid"),
    ("employee_id", "uuid"), ("project_ref", "text"), ("occurred_at", "moment"),
    ("duration_us", "duration"), ("subject", "text"), ("details", "text"), ("outcome", "text"),
    ("external_ref", "text"), ("archived", "bool"), ("version", "int"), ("created_at", "moment"),
    ("updated_at", "moment"),
)  # fmt: skip
TABLES = (
    ("tasks", TASK_COLUMNS),
    ("task_executors", EXECUTOR_COLUMNS),
    ("work_log", WORK_LOG_COLUMNS),
    ("events", EVENT_COLUMNS),
)

_MICROSECOND = timedelta(microseconds=1)


def _same(value: Any) -> Any:
    return value


def _encoders(sqlite: bool) -> dict[str, Callable[[Any], Any]]:
    """How a value of each kind goes into a column, as crmcore's codec and mapper write it.

    UUIDs: 32 hex digits in SQLite, uuid in PostgreSQL; moments: fixed-width
    UTC text in SQLite, timestamptz in PostgreSQL; hours: whole hundredths;
    durations: microseconds; tuples: JSON text (``ensure_ascii=False``).
    """

    def hours(value: Decimal | None) -> int | None:
        return None if value is None else int(value * 100)

    def duration(value: timedelta | None) -> int | None:
        return None if value is None else value // _MICROSECOND

    def json_text(value: Sequence[Any]) -> str:
        return json.dumps(list(value), ensure_ascii=False)

    if sqlite:
        loaded_at = LOADED_AT.replace(tzinfo=None).isoformat(" ", "microseconds")

        def moment(value: datetime | None) -> str | None:
            if value is LOADED_AT:  # on two columns of every row
                return loaded_at
            if value is None:
                return None
            return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")

        return {
            "uuid": lambda value: None if value is None else value.hex,
            "moment": moment,
            "hours": hours,
            "duration": duration,
            "json": json_text,
            "text": _same,
            "int": _same,
            "bool": _same,
        }
    # PostgreSQL takes the rows through COPY in text form: the JSON column
    # parses the text, the driver formats UUIDs and datetimes itself.
    return {
        "uuid": _same,
        "moment": _same,
        "hours": hours,
        "duration": duration,
        "json": json_text,
        "text": _same,
        "int": _same,
        "bool": _same,
    }


# ------------------------------------------------------------------ the data


class _Ids:
    """Deterministic time-ordered UUIDs (version 7 layout), so rows append to the indexes."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._count = 0
        self._base_ms = int(LOADED_AT.timestamp() * 1000)

    def __call__(self) -> UUID:
        count = self._count
        self._count += 1
        value = (
            ((self._base_ms + (count >> 12)) << 80)
            | (0x7 << 76)
            | ((count & 0xFFF) << 64)
            | (0x2 << 62)
            | self._rng.getrandbits(62)
        )
        return UUID(int=value)


@dataclass(frozen=True)
class Person:
    id: UUID
    code: str
    zone: str


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, clock_time(0), tzinfo=zone).astimezone(UTC)


def _cents(rng: random.Random, low: int, high: int) -> Decimal:
    return Decimal(rng.randrange(low, high + 1, 25)).scaleb(-2)


@dataclass
class Batch:
    tasks: list[tuple[Any, ...]] = field(default_factory=list)
    executors: list[tuple[Any, ...]] = field(default_factory=list)
    work_log: list[tuple[Any, ...]] = field(default_factory=list)


def task_batches(
    sizes: TaskSizes, people: Sequence[Person], rng: random.Random, ids: _Ids
) -> Iterator[Batch]:
    """Tasks with their executor rows and work log, as column tuples of Python values.

    Planned ends are spread evenly over :data:`PERIOD_START`..:data:`PERIOD_END`;
    2% of the tasks are milestones (start = end), 58% last hours, 30% whole
    local days (start and end at midnight in Kyiv), 10% 10 to 60 days.  The
    status is any :class:`TaskStatus` with equal odds; 1% are archived.  Each
    task has ``executors_per_task`` rows of different employees: the task's
    period or a part of it, any :class:`ExecutorStatus` (some declined), 40%
    with their own planned hours; 80% of the tasks have planned hours.  Each
    row has 1 or 2 work log entries on its days: at midnight of the day in the
    executor's zone (as ``log_work(on=date)`` stores them) or at a moment of
    its period.
    """
    kyiv = ZoneInfo(TASK_ZONE)
    zones = {zone: ZoneInfo(zone) for zone, _ in ZONES}
    span_minutes = int((PERIOD_END - PERIOD_START).total_seconds() // 60)
    statuses = [status.value for status in TaskStatus]
    priorities = [priority.value for priority in Priority]
    row_statuses = [status.value for status in ExecutorStatus]
    row_weights = [25 if s == "assigned" else 8 if s == "declined" else 22 for s in row_statuses]
    row_odds = list(accumulate(row_weights))
    codes = [event_type.code for event_type in SYSTEM_EVENT_TYPES]
    batch = Batch()
    for number in range(sizes.tasks):
        end = PERIOD_START + timedelta(minutes=rng.randrange(span_minutes))
        roll = rng.random()
        if roll < 0.02:
            start = end
        elif roll < 0.60:
            start = end - timedelta(minutes=rng.randrange(30, 8 * 60, 15))
        elif roll < 0.90:
            last = end.astimezone(kyiv).date()
            start = _midnight(last - timedelta(days=rng.randrange(0, 10)), kyiv)
            end = _midnight(last + timedelta(days=1), kyiv)
        else:
            start = end - timedelta(days=rng.randrange(10, 60), minutes=rng.randrange(1440))
        task_id = ids()
        minutes = int((end - start).total_seconds() // 60)
        rows: list[tuple[Any, ...]] = []
        spent_total = Decimal("0.00")
        for position, who in enumerate(rng.sample(people, sizes.executors_per_task)):
            if minutes < 2 or rng.random() < 0.6:
                row_start, row_end = start, end
            else:
                first = rng.randrange(minutes)
                row_start = start + timedelta(minutes=first)
                row_end = start + timedelta(minutes=rng.randrange(first + 1, minutes + 1))
            row_id = ids()
            first_day = row_start.astimezone(zones[who.zone]).date()
            last_day = max(row_end - _MICROSECOND, row_start).astimezone(zones[who.zone]).date()
            spent = Decimal("0.00")
            for _ in range(rng.choice((1, 2))):
                if rng.random() < 0.6:
                    day = first_day + timedelta(days=rng.randrange((last_day - first_day).days + 1))
                    worked_on = _midnight(day, zones[who.zone])
                else:
                    seconds = int((row_end - row_start).total_seconds())
                    worked_on = row_start + timedelta(seconds=rng.randrange(seconds + 1))
                hours = _cents(rng, 25, 800)
                spent += hours
                batch.work_log.append(
                    (ids(), task_id, row_id, who.id, worked_on, hours, "", 1, LOADED_AT, LOADED_AT)
                )
            spent_total += spent
            rows.append(
                (
                    row_id,
                    task_id,
                    "employee",
                    who.id,
                    None,
                    row_start,
                    row_end,
                    rng.choices(row_statuses, cum_weights=row_odds)[0],
                    rng.randrange(0, 101, 5),
                    _cents(rng, 100, 4000) if rng.random() < 0.4 else None,
                    spent,
                    "",
                    position,
                    1,
                    LOADED_AT,
                    LOADED_AT,
                )
            )
        name = f"{rng.choice(_VERBS)} {rng.choice(_OBJECTS)} №{number + 1}"
        description = rng.choice(("", "", *_DESCRIPTIONS))
        status = rng.choice(statuses)
        priority = rng.choice(priorities)
        author = rng.choice(people).id
        batch.tasks.append(
            (
                task_id,
                name,
                sort_key(name),
                search_key(f"{name}\n{description}"),
                description,
                author,
                rng.choice((None, author, rng.choice(people).id)),
                rng.choice((None, rng.choice(codes))),
                None,
                None,
                None,
                None,
                start,
                end,
                _cents(rng, 100, 8000) if rng.random() < 0.8 else None,
                rng.randrange(0, 101, 5),
                spent_total,
                status,
                rng.choice((None, None, "red", "green")),
                priority,
                Priority(priority).order,
                rng.choice(((), (), (rng.choice(_TAGS),))),
                "manual" if rng.random() < 0.1 else "weighted",
                TASK_ZONE,
                rng.choice(("assigned", "accepted", "in_progress", "returned"))
                if status == "postponed"
                else None,
                rng.random() < 0.01,
                1,
                LOADED_AT,
                LOADED_AT,
                (),
                None,
                None,
                None,
            )
        )
        batch.executors += rows
        if len(batch.tasks) >= LOAD_BATCH:
            yield batch
            batch = Batch()
    if batch.tasks:
        yield batch


def event_rows(
    sizes: TaskSizes, people: Sequence[Person], rng: random.Random, ids: _Ids
) -> list[tuple[Any, ...]]:
    """The employees' events: any employee, any moment of the period, 1% archived."""
    span_seconds = int((PERIOD_END - PERIOD_START).total_seconds())
    codes = [event_type.code for event_type in SYSTEM_EVENT_TYPES]
    rows = []
    for _ in range(sizes.events):
        code = rng.choice(codes)
        rows.append(
            (
                ids(),
                code,
                None,
                None,
                rng.choice(people).id,
                None,
                PERIOD_START + timedelta(seconds=rng.randrange(span_seconds)),
                timedelta(seconds=rng.randrange(20, 1800)) if code.endswith("З") else None,
                rng.choice(_SUBJECTS),
                rng.choice(("", *_DESCRIPTIONS)),
                "",
                None,
                rng.random() < 0.01,
                1,
                LOADED_AT,
                LOADED_AT,
            )
        )
    return rows


# ------------------------------------------------------------------ loading


@dataclass
class Dataset:
    """What the measurements need to know about the loaded data."""

    people: list[Person]
    counts: dict[str, int]
    seconds: dict[str, float]
    #: (task, its executor rows, their work log) of a few tasks, as generated
    samples: list[tuple[tuple[Any, ...], list[tuple[Any, ...]], list[tuple[Any, ...]]]]


class _Writer:
    """Writes column tuples of Python values into one of crmcore's tables."""

    def __init__(self, raw: RawDB) -> None:
        self.raw = raw
        self.encoders = _encoders(raw.sqlite)
        self.cursor = raw.connection.cursor()

    def _encode(
        self, columns: Sequence[tuple[str, str]], rows: Sequence[tuple[Any, ...]]
    ) -> Iterator[list[Any]]:
        convert = [
            (index, self.encoders[kind])
            for index, (_, kind) in enumerate(columns)
            if self.encoders[kind] is not _same
        ]
        for row in rows:
            values = list(row)
            for index, encode in convert:
                values[index] = encode(values[index])
            yield values

    def write(
        self, table: str, columns: Sequence[tuple[str, str]], rows: Sequence[tuple[Any, ...]]
    ) -> None:
        names = ", ".join(f'"{name}"' for name, _ in columns)
        qualified = self.raw.sql(f"{{{table}}}")
        if self.raw.sqlite:
            marks = ", ".join("?" * len(columns))
            self.cursor.executemany(
                f"INSERT INTO {qualified} ({names}) VALUES ({marks})", self._encode(columns, rows)
            )
            return
        with self.cursor.copy(f"COPY {qualified} ({names}) FROM STDIN") as copy:
            for values in self._encode(columns, rows):
                copy.write_row(values)


def _check_columns(raw: RawDB) -> None:
    """Every column of the tables loaded is one this loader writes (or crmcore changed)."""
    problems = []
    for table, columns in TABLES:
        mine = [name for name, _ in columns]
        theirs = raw.columns(table)
        if sorted(mine) != sorted(theirs):
            problems.append(f"{table}: writes {mine}, the table has {theirs}")
    task_fields = [a.name for a in attrs.fields(Task)]
    if sorted(task_fields) != sorted(TASK_FIELDS):
        problems.append(f"Task has fields {task_fields}, the raw registry reads {TASK_FIELDS}")
    if problems:
        raise RuntimeError("the task loader is out of date: " + "; ".join(problems))


def load(
    crm: Any, target: Target, sizes: TaskSizes, seed: int, log: Callable[[str], None]
) -> Dataset:
    """Create the employees with crmcore, write the rest with the driver, ANALYZE.

    The rows go in through a connection of their own, closed afterwards: in
    SQLite it gets a big page cache for the index updates, which the
    measurements' connections (crmcore's and the baseline's) must not have.
    """
    raw = RawDB(target)
    try:
        return _load(crm, raw, sizes, seed, log)
    finally:
        raw.close()


def _load(crm: Any, raw: RawDB, sizes: TaskSizes, seed: int, log: Callable[[str], None]) -> Dataset:
    _check_columns(raw)
    rng = random.Random(seed + 100)
    ids = _Ids(random.Random(seed + 101))
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    zones = [zone for zone, weight in ZONES for _ in range(weight)]
    people = []
    with crm.transaction():
        for number in range(sizes.employees):
            employee = crm.employees.create(
                code=f"T{number + 1:04d}",
                name=f"{rng.choice(_SURNAMES)} {rng.choice(_GIVEN)}",
                time_zone=rng.choice(zones),
            )
            people.append(Person(employee.id, employee.code, employee.time_zone))
    seconds["employees"] = time.perf_counter() - started

    started = time.perf_counter()
    writer = _Writer(raw)
    counts = {"tasks": 0, "executor_rows": 0, "work_log": 0, "events": 0}
    samples: list[tuple[tuple[Any, ...], list[tuple[Any, ...]], list[tuple[Any, ...]]]] = []
    wanted: dict[str, Callable[[tuple[Any, ...]], bool]] = {
        "first": lambda task: True,
        "postponed": lambda task: task[17] == "postponed",
        "no planned hours": lambda task: task[14] is None,
        "milestone": lambda task: task[12] == task[13],
        "tagged": lambda task: bool(task[21]),
    }
    connection = raw.connection
    if raw.sqlite:
        connection.execute("PRAGMA cache_size=-262144")  # 256 MiB
        connection.execute("BEGIN")
    else:
        connection.autocommit = False
    try:
        for batch in task_batches(sizes, people, rng, ids):
            writer.write("tasks", TASK_COLUMNS, batch.tasks)
            writer.write("task_executors", EXECUTOR_COLUMNS, batch.executors)
            writer.write("work_log", WORK_LOG_COLUMNS, batch.work_log)
            for label, test in list(wanted.items()):
                found = next((task for task in batch.tasks if test(task)), None)
                if found is not None:
                    rows = [row for row in batch.executors if row[1] == found[0]]
                    logged = [entry for entry in batch.work_log if entry[1] == found[0]]
                    samples.append((found, rows, logged))
                    del wanted[label]
            counts["tasks"] += len(batch.tasks)
            counts["executor_rows"] += len(batch.executors)
            counts["work_log"] += len(batch.work_log)
            if counts["tasks"] % (LOAD_BATCH * 4) == 0:
                rate = counts["tasks"] / (time.perf_counter() - started)
                log(f"  {counts['tasks']:,} / {sizes.tasks:,} tasks written ({rate:,.0f} tasks/s)")
        seconds["tasks"] = time.perf_counter() - started
        started = time.perf_counter()
        events = event_rows(sizes, people, rng, ids)
        for at in range(0, len(events), LOAD_BATCH * 4):
            writer.write("events", EVENT_COLUMNS, events[at : at + LOAD_BATCH * 4])
        counts["events"] = len(events)
        if raw.sqlite:
            connection.execute("COMMIT")
        else:
            connection.commit()
    except BaseException:
        if raw.sqlite:
            if connection.in_transaction:
                connection.execute("ROLLBACK")
        else:
            connection.rollback()
        raise
    finally:
        if not raw.sqlite:
            connection.autocommit = True
    seconds["events"] = time.perf_counter() - started
    started = time.perf_counter()
    raw.analyze()
    seconds["analyze"] = time.perf_counter() - started
    return Dataset(
        people,
        counts,
        {name: round(value, 1) for name, value in seconds.items()},
        samples,
    )


def _fields(columns: Sequence[tuple[str, str]], row: tuple[Any, ...], skip: frozenset[str]) -> Any:
    return {name: value for (name, _), value in zip(columns, row, strict=True) if name not in skip}


def _differences(label: str, got: Any, expected: Any) -> list[str]:
    if got == expected:
        return []
    mine, theirs = attrs.asdict(got, recurse=False), attrs.asdict(expected, recurse=False)
    return [
        f"{label}.{name}: read {mine[name]!r}, meant {theirs[name]!r}"
        for name in mine
        if mine[name] != theirs.get(name)
    ] or [f"{label}: read {got!r}, meant {expected!r}"]


def round_trip(crm: Any, dataset: Dataset) -> list[str]:
    """Read the sample tasks back through crmcore; the differences from what was meant."""
    problems: list[str] = []
    for task, rows, logged in dataset.samples:
        expected = Task(**_fields(TASK_COLUMNS, task, TASK_DERIVED))
        problems += _differences(f"task {task[0]}", crm.tasks.get(task[0]), expected)
        card = crm.tasks.card(task[0])
        meant = sorted(
            (Executor(**_fields(EXECUTOR_COLUMNS, row, frozenset())) for row in rows),
            key=lambda row: (row.position, row.id),
        )
        if len(card.executors) != len(meant):
            problems.append(f"task {task[0]}: {len(card.executors)} executor rows read back")
        for got, want in zip(card.executors, meant, strict=False):
            problems += _differences(f"executor {want.id}", got, want)
        entries = sorted(
            (WorkLogEntry(**_fields(WORK_LOG_COLUMNS, e, frozenset())) for e in logged),
            key=lambda entry: (entry.worked_on, entry.id),
        )
        read = sorted(crm.tasks.work_log(task[0]), key=lambda entry: (entry.worked_on, entry.id))
        if len(read) != len(entries):
            problems.append(f"task {task[0]}: {len(read)} work log entries read back")
        for got, want in zip(read, entries, strict=False):
            problems += _differences(f"work log {want.id}", got, want)
    return problems


# ------------------------------------------------------------------ the measurements


def _hex(value: Any) -> Any:
    return value.hex if isinstance(value, UUID) else value


@dataclass
class Check:
    """One latency test: the items and both sides' calls, and how to compare answers."""

    name: str
    items: list[Any]
    crmcore: Callable[[Any], Any]
    raw: Callable[[Any], Any]
    same: Callable[[Any, Any], bool]
    describe: Callable[[Any, Any], dict[str, float]]
    #: Other ways to write the baseline, timed for information only (no target).
    variants: dict[str, Callable[[Any], Any]] = field(default_factory=dict)


def _same_registry(page: Any, rows: list[tuple[Any, ...]]) -> bool:
    mine = [task.id.hex for task in page.items]
    return mine == [_hex(row[0]) for row in rows[:50]] and (page.next_cursor is not None) == (
        len(rows) > 50
    )


def _cents_of(hours: Decimal) -> int:
    return int(hours * 100)


def _same_calendar(calendar: Any, cells: list[Any]) -> bool:
    (mine,) = calendar.employees
    if len(mine.cells) != len(cells):
        return False
    for cell, (label, tasks, events, planned, spent) in zip(mine.cells, cells, strict=True):
        if cell.label != label:
            return False
        if _cents_of(cell.planned_hours) != planned or _cents_of(cell.spent_hours) != spent:
            return False
        a = sorted(
            (t.executor_id.hex, _cents_of(t.planned_hours), _cents_of(t.spent_hours))
            for t in cell.tasks
        )
        b = sorted((_hex(t[1]), t[7], t[8]) for t in tasks)
        if a != b:
            return False
        if [e.event_id.hex for e in cell.events] != [_hex(e[0]) for e in events]:
            return False
    return True


def checks(crm: Any, raw: RawDB, dataset: Dataset, sizes: TaskSizes, seed: int) -> list[Check]:
    """The registry page and the month calendar, with their (deterministic) queries."""
    baseline = RawTasks(raw)
    rng = random.Random(seed + 200)
    people = dataset.people

    def key(person: Person) -> Any:
        return person.id.hex if raw.sqlite else person.id

    def registry_rows(person: Person) -> list[tuple[Any, ...]]:
        return baseline.registry(key(person), key(person), NOW, OPEN_STATUSES, 50)

    def crm_registry(person: Person) -> Any:
        return crm.tasks.registry(
            executor=person.id,
            status=OPEN_STATUSES,
            overdue=True,
            now=NOW,
            viewer=person.id,
            limit=50,
        )

    months = [
        (year, month)
        for year in range(PERIOD_START.year, PERIOD_END.year)
        for month in range(1, 13)
    ]
    calendar_items = []
    for _ in range(sizes.calendar_queries):
        year, month = rng.choice(months)
        first = date(year, month, 1)
        last = (first + timedelta(days=31)).replace(day=1) - timedelta(days=1)
        calendar_items.append((rng.choice(people), first, last))

    def crm_calendar(item: tuple[Person, date, date]) -> Any:
        person, first, last = item
        return crm.tasks.calendar(person.id, start=first, end=last, bucket="day")

    def raw_calendar(item: tuple[Person, date, date]) -> list[Any]:
        person, first, last = item
        return baseline.calendar(key(person), first, last)

    def describe_registry(page: Any, rows: list[tuple[Any, ...]]) -> dict[str, float]:
        return {"rows": len(page.items), "more": float(page.next_cursor is not None)}

    def describe_calendar(calendar: Any, cells: list[Any]) -> dict[str, float]:
        (mine,) = calendar.employees
        return {
            "task_rows": len({t.executor_id for c in mine.cells for t in c.tasks}),
            "task_cells": sum(len(c.tasks) for c in mine.cells),
            "events": sum(len(c.events) for c in mine.cells),
            "planned_hours": float(mine.planned_hours),
            "spent_hours": float(mine.spent_hours),
        }

    return [
        Check(
            "task_registry_p50",
            [rng.choice(people) for _ in range(sizes.registry_queries)],
            crm_registry,
            registry_rows,
            _same_registry,
            describe_registry,
            {
                # The same query with the executor condition as a correlated
                # EXISTS, which SQLite (3.40) runs once per task in due order
                # instead of looking up the employee's rows first: kept to show
                # why crmcore asks with IN (subquery).
                "raw_exists": lambda person: baseline.registry(
                    key(person), key(person), NOW, OPEN_STATUSES, 50, executor_filter="exists"
                ),
            },
        ),
        Check(
            "task_calendar_p50",
            calendar_items,
            crm_calendar,
            raw_calendar,
            _same_calendar,
            describe_calendar,
        ),
    ]


def verify(check: Check, count: int = 20) -> dict[str, Any]:
    """Run both sides on the first ``count`` items, untimed: they must agree.

    Returns the average of :attr:`Check.describe` over those items, so the
    results say what a typical answer held.
    """
    sums: dict[str, float] = {}
    for item in check.items[:count]:
        mine, theirs = check.crmcore(item), check.raw(item)
        if not check.same(mine, theirs):
            raise AssertionError(f"{check.name}: crmcore and the baseline disagree on {item!r}")
        for name, variant in check.variants.items():
            if not check.same(mine, variant(item)):
                raise AssertionError(f"{check.name}: {name} disagrees with crmcore on {item!r}")
        for name, value in check.describe(mine, theirs).items():
            sums[name] = sums.get(name, 0.0) + value
    used = min(count, len(check.items))
    return {name: round(value / used, 2) for name, value in sums.items()}


def p50_ms(call: Callable[[Any], Any], items: Sequence[Any], warmup: int) -> float:
    """The median time of ``call`` over ``items``, in ms, after ``warmup`` untimed calls."""
    for item in items[:warmup]:
        call(item)
    timings = []
    for item in items:
        started = time.perf_counter_ns()
        call(item)
        timings.append(time.perf_counter_ns() - started)
    return statistics.median(timings) / 1e6
