"""Money benchmarks: the balance statement, the ageing as of a past date and a client's money.

The clients are stored through crmcore's own repository in one unit of
work; their invoices, payments and allocations are written with the bare
driver straight into crmcore's tables (``COPY`` in PostgreSQL,
``executemany`` in SQLite), each value encoded as crmcore's codec encodes
it: far faster than two million API calls, and both sides read the same
data.  A sample is read back through crmcore and compared with what was
meant before anything is measured.

This module imports crmcore: ``run.py`` imports it only inside the function
that measures money.
"""

from __future__ import annotations

import random
import statistics
import time
import tracemalloc
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from rawdb import RawDB, Target
from rawmoney import RawMoney

from crmcore.domain import Client
from crmcore.domain.balances import DEFAULT_EDGES

__all__ = ["MoneySizes", "load", "measure"]

LOADED_AT = datetime(2025, 1, 10, 6, 0, tzinfo=UTC)
FIRST_DAY = date(2023, 1, 2)
#: The statement's period and the ageing's past day.
PERIOD = (date(2024, 1, 1), date(2024, 12, 31))
PAST_DAY = date(2024, 6, 30)
BATCH = 20_000
DOCUMENT_COLUMNS = (
    "id", "kind", "number", "sequence", "client_id", "contact_id", "project_id", "contract_id",
    "stage_id", "based_on_id", "currency", "vat_mode", "issued_on", "due_on", "status", "net",
    "vat", "gross", "note", "source", "external_id", "version", "created_at", "updated_at",
)  # fmt: skip
ALLOCATION_COLUMNS = (
    "id", "source_id", "target_id", "client_id", "currency", "amount", "effective_on",
    "automatic", "version", "created_at", "updated_at",
)  # fmt: skip


@dataclass(frozen=True)
class MoneySizes:
    clients: int
    invoices_per_client: int = 10
    payments_per_client: int = 6
    statement_runs: int = 5
    ageing_runs: int = 5
    summary_queries: int = 300
    warmup: int = 2

    @classmethod
    def full(cls) -> MoneySizes:
        return cls(clients=100_000)

    @classmethod
    def quick(cls) -> MoneySizes:
        return cls(clients=1_000, statement_runs=10, ageing_runs=10, summary_queries=200)

    def as_json(self) -> dict[str, int]:
        return {
            "clients": self.clients,
            "invoices_per_client": self.invoices_per_client,
            "payments_per_client": self.payments_per_client,
            "statement_runs": self.statement_runs,
            "ageing_runs": self.ageing_runs,
            "summary_queries": self.summary_queries,
        }


@dataclass
class Dataset:
    client_ids: list[UUID]
    counts: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    #: A few loaded documents as meant: id -> (client id, kind, issued on, gross in hundredths).
    samples: dict[UUID, tuple[UUID, str, date, int]] = field(default_factory=dict)


def _encoders(raw: RawDB) -> tuple[Callable[[Any], Any], Callable[[Any], Any], Any]:
    if raw.sqlite:
        moment = LOADED_AT.replace(tzinfo=None).isoformat(" ", "microseconds")
        return (
            (lambda u: None if u is None else u.hex),
            (lambda d: None if d is None else d.isoformat()),
            moment,
        )
    return (lambda u: u), (lambda d: d), LOADED_AT


def _books(
    rng: random.Random, client_id: UUID, sizes: MoneySizes, numbers: dict[str, int]
) -> Iterator[tuple[str, tuple[Any, ...]]]:
    """One client's invoices, payments (each paying one invoice, whole or in part, or
    left an advance) and allocations, as ("document" | "allocation", values)."""
    start = FIRST_DAY + timedelta(days=rng.randrange(60))
    invoices = []
    for i in range(sizes.invoices_per_client):
        issued = start + timedelta(days=75 * i + rng.randrange(20))
        gross = rng.randrange(10_000, 1_000_000)
        numbers["invoice"] += 1
        invoice = (UUID(int=rng.getrandbits(128)), issued, gross)
        invoices.append(invoice)
        yield "document", (invoice[0], "invoice", f"РФ-{numbers['invoice']:08d}", client_id,
                           issued, issued + timedelta(days=14), gross)  # fmt: skip
    for j in range(sizes.payments_per_client):
        target, issued_on, owed = invoices[j]
        paid_on = issued_on + timedelta(days=rng.randrange(3, 60))
        amount = owed if rng.random() < 0.7 else rng.randrange(100, owed)
        numbers["payment_in"] += 1
        payment = UUID(int=rng.getrandbits(128))
        yield "document", (payment, "payment_in", f"ПН-{numbers['payment_in']:08d}", client_id,
                           paid_on, None, amount)  # fmt: skip
        if j < sizes.payments_per_client - 1 or rng.random() < 0.7:
            yield "allocation", (UUID(int=rng.getrandbits(128)), payment, target, client_id,
                                 amount, paid_on)  # fmt: skip


def load(
    crm: Any, target: Target, sizes: MoneySizes, seed: int, log: Callable[[str], None]
) -> Dataset:
    """Store the clients through crmcore, write their books with the driver, ANALYZE."""
    rng = random.Random(seed + 300)
    started = time.perf_counter()
    clients = [
        Client(
            id=UUID(int=rng.getrandbits(128)),
            code=f"{30_000_000 + i}",
            name=f"Контрагент {i:06d} ТОВ",
            version=1,
            created_at=LOADED_AT,
            updated_at=LOADED_AT,
        )
        for i in range(sizes.clients)
    ]
    with crm.storage.unit_of_work() as uow:
        for client in clients:
            uow.clients.add(client)
        uow.commit()
    dataset = Dataset(client_ids=[c.id for c in clients])
    dataset.seconds["clients"] = round(time.perf_counter() - started, 1)
    raw = RawDB(target)
    try:
        started = time.perf_counter()
        _write_books(raw, rng, dataset, sizes)
        dataset.seconds["books"] = round(time.perf_counter() - started, 1)
        started = time.perf_counter()
        raw.analyze()
        dataset.seconds["analyze"] = round(time.perf_counter() - started, 1)
    finally:
        raw.close()
    dataset.counts["clients"] = sizes.clients
    log(f"  {dataset.counts} in {dataset.seconds}")
    return dataset


def _write_books(raw: RawDB, rng: random.Random, dataset: Dataset, sizes: MoneySizes) -> None:
    uid, day, moment = _encoders(raw)
    cursor = raw.connection.cursor()
    numbers = {"invoice": 0, "payment_in": 0}
    documents: list[tuple[Any, ...]] = []
    allocations: list[tuple[Any, ...]] = []
    counts = {"documents": 0, "allocations": 0}

    def flush() -> None:
        for table, columns, rows in (
            ("documents", DOCUMENT_COLUMNS, documents),
            ("allocations", ALLOCATION_COLUMNS, allocations),
        ):
            if not rows:
                continue
            qualified = raw.sql(f"{{{table}}}")
            names = ", ".join(f'"{name}"' for name in columns)
            if raw.sqlite:
                marks = ", ".join("?" * len(columns))
                cursor.execute("BEGIN")
                cursor.executemany(f"INSERT INTO {qualified} ({names}) VALUES ({marks})", rows)
                cursor.execute("COMMIT")
            else:
                with cursor.copy(f"COPY {qualified} ({names}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            counts[table] += len(rows)
            rows.clear()

    for client_id in dataset.client_ids:
        for what, values in _books(rng, client_id, sizes, numbers):
            if what == "document":
                key, kind, number, owner, issued, due, gross = values
                if len(dataset.samples) < 20 and rng.random() < 0.01:
                    dataset.samples[key] = (owner, kind, issued, gross)
                documents.append((
                    uid(key), kind, number, None, uid(owner), None, None, None, None, None,
                    "UAH", "on_top", day(issued), day(due), "issued", gross, 0, gross, "",
                    "crmcore", None, 1, moment, moment,
                ))  # fmt: skip
            else:
                key, source, target, owner, amount, effective = values
                allocations.append((
                    uid(key), uid(source), uid(target), uid(owner), "UAH", amount,
                    day(effective), False, 1, moment, moment,
                ))  # fmt: skip
        if len(documents) >= BATCH:
            flush()
    flush()
    dataset.counts.update(counts)


def round_trip(crm: Any, dataset: Dataset) -> list[str]:
    """The sampled documents as crmcore reads them, against what was written."""
    problems = []
    for key, (owner, kind, issued, gross) in dataset.samples.items():
        found = crm.documents.get(key)
        got = (found.client_id, found.kind.value, found.issued_on, found.gross)
        meant = (owner, kind, issued, Decimal(gross).scaleb(-2))
        if got != meant:
            problems.append(f"{key}: read {got}, wrote {meant}")
    return problems


def _cents(value: Decimal) -> int:
    return int(value * 100)


@dataclass
class Result:
    name: str
    crmcore_ms: list[float]
    raw_ms: list[float]
    mismatches: int
    target: float

    def p(self, side: str, q: float) -> float:
        values = sorted(getattr(self, f"{side}_ms"))
        return values[min(len(values) - 1, int(q * len(values)))]

    @property
    def p50(self) -> tuple[float, float]:
        return statistics.median(self.crmcore_ms), statistics.median(self.raw_ms)


def _pair(
    name: str,
    items: Sequence[Any],
    mine: Callable[[Any], Any],
    theirs: Callable[[Any], Any],
    same: Callable[[Any, Any], bool],
    warmup: int,
    target: float,
) -> Result:
    for item in items[:warmup]:
        mine(item)
        theirs(item)
    result = Result(name, [], [], 0, target)
    for index, item in enumerate(items):
        order = (0, 1) if index % 2 == 0 else (1, 0)
        answers: list[Any] = [None, None]
        for side in order:
            call = (mine, theirs)[side]
            started = time.perf_counter_ns()
            answers[side] = call(item)
            (result.crmcore_ms, result.raw_ms)[side].append(
                (time.perf_counter_ns() - started) / 1e6
            )
        if not same(answers[0], answers[1]):
            result.mismatches += 1
    return result


def measure(
    crm: Any, target: Target, dataset: Dataset, sizes: MoneySizes, seed: int
) -> tuple[list[Result], dict[str, Any]]:
    """Each report through crmcore and by hand in the same run, alternating which goes first."""
    raw = RawDB(target)
    baseline = RawMoney(raw)
    rng = random.Random(seed + 301)
    info: dict[str, Any] = {}
    try:
        periods = [
            (PERIOD[0] + timedelta(days=i), PERIOD[1] - timedelta(days=i))
            for i in range(sizes.statement_runs)
        ]

        def crm_statement(period: tuple[date, date]) -> list[tuple[Any, ...]]:
            return [
                (
                    r.client_id,
                    r.code,
                    r.currency,
                    _cents(r.opening),
                    _cents(r.debit),
                    _cents(r.credit),
                )
                for r in crm.balances.statement(*period)
            ]

        def raw_statement(period: tuple[date, date]) -> list[tuple[Any, ...]]:
            return [
                (_uuid(raw, row[0]), row[1], row[3], int(row[4]), int(row[5]), int(row[6]))
                for row in baseline.statement(*period)
            ]

        days = [PAST_DAY - timedelta(days=7 * i) for i in range(sizes.ageing_runs)]

        def crm_ageing(on: date) -> list[tuple[Any, ...]]:
            report = crm.balances.ageing(as_of=on)
            return [
                (r.client_id, r.currency, _cents(r.advances), *map(_cents, r.buckets))
                for r in report.rows
            ]

        def raw_ageing(on: date) -> list[tuple[Any, ...]]:
            return [
                (_uuid(raw, row[0]), row[1], *(int(v) for v in row[2:]))
                for row in baseline.ageing(on, DEFAULT_EDGES)
            ]

        clients = rng.sample(
            dataset.client_ids, min(sizes.summary_queries, len(dataset.client_ids))
        )

        def crm_summary(client_id: UUID) -> tuple[Any, ...]:
            summary = crm.balances.summary(client_id, as_of=PAST_DAY)
            return (
                _cents(summary.outstanding.get("UAH", Decimal(0))),
                _cents(summary.advances.get("UAH", Decimal(0))),
                [p.document_id for p in summary.last_payments],
            )

        def raw_summary(client_id: UUID) -> tuple[Any, ...]:
            key = client_id.hex if raw.sqlite else client_id
            items, payments = baseline.client_money(key, PAST_DAY)
            return (
                sum(int(row[8]) for row in items if row[2] == "invoice"),
                sum(int(row[8]) for row in items if row[2] != "invoice"),
                [_uuid(raw, row[0]) for row in payments],
            )

        results = [
            _pair(
                "balance_statement",
                periods,
                crm_statement,
                raw_statement,
                lambda a, b: a == b,
                sizes.warmup,
                1.5,
            ),
            _pair(
                "ageing_past_date",
                days,
                crm_ageing,
                raw_ageing,
                lambda a, b: a == b,
                sizes.warmup,
                1.5,
            ),
            _pair(
                "client_money_summary",
                clients,
                crm_summary,
                raw_summary,
                lambda a, b: a == b,
                20,
                3.0,
            ),
        ]
        rows = crm_statement(periods[0])
        info["statement_rows"] = len(rows)
        info["statement_debit_total"] = sum(r[4] for r in rows)
        info["statement_peak_kib"] = _peak_kib(lambda: crm.balances.statement(*periods[0]))
        info["raw_statement_peak_kib"] = _peak_kib(lambda: baseline.statement(*periods[0]))
        return results, info
    finally:
        raw.close()


def _uuid(raw: RawDB, value: Any) -> UUID:
    return UUID(hex=value) if raw.sqlite else value


def _peak_kib(stream: Callable[[], Any]) -> float:
    """Python's peak allocation while a statement streams and each row is dropped."""
    tracemalloc.start()
    try:
        for _ in stream():
            pass
        return round(tracemalloc.get_traced_memory()[1] / 1024, 1)
    finally:
        tracemalloc.stop()
