"""crmcore's benchmark suite: crmcore against the bare database driver, same work, same run.

Usage::

    python benchmarks/run.py [--quick] [--backends sqlite,postgresql]
                             [--suites clients,tasks,recurrence,mail]
                             [--output benchmarks/results.json] [--profile DIR]

PostgreSQL is measured when ``CRMCORE_BENCH_POSTGRESQL`` holds a SQLAlchemy
URL (``postgresql+psycopg://user@host:port/db``); crmcore's tables go into a
fresh schema that is dropped at the end.  See benchmarks/README.md.  The
recurrence suite (recurrence.py) needs no database: it runs once, whatever the
backends, and its rows are filed under ``domain``.

The exit status is 0 even when a target is missed: the suite is a gauge.
"""

from __future__ import annotations

import argparse
import cProfile
import importlib.util
import json
import multiprocessing
import os
import platform
import pstats
import secrets
import shutil
import signal
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import islice
from pathlib import Path
from typing import Any
from uuid import UUID

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
if importlib.util.find_spec("crmcore") is None and (ROOT / "src" / "crmcore").is_dir():
    # Run from a checkout without installing: measure the working tree.
    sys.path.insert(0, str(ROOT / "src"))

import importjob  # noqa: E402 - after the path set-up above
import workload  # noqa: E402
from rawdb import RawDB, Target, drop_schema  # noqa: E402

# Only the standard library and the modules above are imported at module
# level: the "spawn" import children re-import this file, and the baseline
# child must not carry crmcore, SQLAlchemy or phonenumbers in its memory.

POSTGRESQL_ENV = "CRMCORE_BENCH_POSTGRESQL"
SETUP_BATCH = 2000  # clients (with their contact persons) per transaction
IMPORT_BATCH = 5000
IMPORT_RATIO_TARGET = 0.6
RSS_TARGET_MB = 300.0
LATENCY_RATIO_TARGET = 3.0
#: The results of suites that run on no database are filed under this name.
NO_DATABASE = "domain"


def log(message: str) -> None:
    stamp = datetime.now().strftime("%H:%M:%S")
    print(f"[{stamp}] {message}", file=sys.stderr, flush=True)


# ------------------------------------------------------------------ results


@dataclass
class Metric:
    name: str
    unit: str
    crmcore: float
    raw: float
    target: str
    ok: bool
    samples: int | None = None

    @property
    def ratio(self) -> float:
        return self.crmcore / self.raw if self.raw else float("inf")

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "crmcore": round(self.crmcore, 4),
            "raw": round(self.raw, 4),
            "ratio": round(self.ratio, 3),
            "target": self.target,
            "unit": self.unit,
            "ok": self.ok,
        }
        if self.samples is not None:
            data["samples"] = self.samples
        return data


def _number(value: float) -> str:
    if value >= 1000:
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.3f}"


def print_table(title: str, metrics: Sequence[Metric]) -> None:
    header = ("metric", "crmcore", "raw", "ratio", "target", "ok")
    rows = [
        (
            f"{m.name} ({m.unit})",
            _number(m.crmcore),
            _number(m.raw),
            f"{m.ratio:.2f}",
            m.target,
            "ok" if m.ok else "MISSED",
        )
        for m in metrics
    ]
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]

    def line(cells: Sequence[str]) -> str:
        return " | ".join(
            cell.ljust(width) if i in (0, 4, 5) else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(cells, widths, strict=True))
        )

    print()
    print(title)
    print(line(header))
    print("-+-".join("-" * width for width in widths))
    for row in rows:
        print(line(row))


# ------------------------------------------------------------------ backends


@contextmanager
def sqlite_target() -> Iterator[Target]:
    directory = tempfile.mkdtemp(prefix="crmcore-bench-")
    path = os.path.join(directory, "bench.sqlite")
    try:
        yield Target(backend="sqlite", url=f"sqlite:///{path}", path=path)
    finally:
        shutil.rmtree(directory, ignore_errors=True)


@contextmanager
def postgresql_target(url: str) -> Iterator[Target]:
    target = Target(backend="postgresql", url=url, schema=f"bench_{secrets.token_hex(4)}")
    try:
        yield target
    finally:
        try:
            drop_schema(target)
        except Exception as error:  # report, but do not hide the real failure
            log(f"could not drop schema {target.schema}: {error}")


# ------------------------------------------------------------------ setup


def populate(crm: Any, population: workload.Population) -> tuple[list[UUID], str]:
    """Create the employees, clients and contact persons through crmcore's API.

    Returns the client ids in creation order and the code of the employee the
    events are imported as.
    """
    employees = [
        crm.employees.create(code=code, name=name, position=position)
        for code, name, position in workload.EMPLOYEES
    ]
    ids: list[UUID] = []
    specs = iter(population)
    started = time.perf_counter()
    while chunk := list(islice(specs, SETUP_BATCH)):
        with crm.transaction():
            for spec in chunk:
                client = crm.clients.create(
                    **spec.create_kwargs(), responsible=employees[spec.index % len(employees)]
                )
                for contact in spec.contacts:
                    crm.contacts.create(
                        client,
                        name=contact.name,
                        position=contact.position,
                        phones=[contact.phone],
                        email=contact.email,
                    )
                ids.append(client.id)
        done = len(ids)
        if done % (SETUP_BATCH * 10) == 0 or done == population.count:
            rate = done / (time.perf_counter() - started)
            log(f"  {done:,} / {population.count:,} clients created ({rate:,.0f} clients/s)")
    return ids, workload.EMPLOYEES[0][0]


# ------------------------------------------------------------------ measurements


class Launcher:
    """Starts the import children from a small process made while this one is small.

    A spawned child reports in ``ru_maxrss`` at least the size its parent had
    when starting it (Linux keeps the value across fork and exec), so the
    children must not be started by the benchmark process once it holds
    crmcore and the data; this launcher, started first, starts them instead.
    """

    def __init__(self) -> None:
        self._executor = ProcessPoolExecutor(
            max_workers=1, mp_context=multiprocessing.get_context("spawn")
        )
        self._executor.submit(os.getpid).result()  # start the launcher now

    def import_events(self, which: str, target: Target, **options: Any) -> dict[str, Any]:
        """One bulk import in a fresh "spawn" process: its rows/s and peak RSS."""
        future = self._executor.submit(
            importjob.in_fresh_child, importjob.run, (which, target), options
        )
        return future.result()  # type: ignore[no-any-return]

    @property
    def executor(self) -> ProcessPoolExecutor:
        """The launcher itself, for suites that start their own children."""
        return self._executor

    def close(self) -> None:
        self._executor.shutdown()


def _hex(value: Any) -> Any:
    return value.hex if isinstance(value, UUID) else value


@dataclass
class Timings:
    crmcore: list[int]
    raw: list[int]
    mismatches: int

    def p50_ms(self, side: str) -> float:
        return statistics.median(getattr(self, side)) / 1e6


def paired(
    items: Sequence[Any],
    crmcore_call: Callable[[Any], Any],
    raw_call: Callable[[Any], Any],
    same: Callable[[Any, Any], bool],
    *,
    warmup: int,
    profiler: cProfile.Profile | None = None,
) -> Timings:
    """Time both calls on every item, alternating which goes first.

    Both sides are warmed up on the first ``warmup`` items.  The answers are
    compared outside the timed region: a baseline that fetched other rows
    would not be a baseline.
    """
    for item in items[:warmup]:
        crmcore_call(item)
        raw_call(item)
    clock = time.perf_counter_ns
    crmcore_ns: list[int] = []
    raw_ns: list[int] = []
    mismatches = 0
    for index, item in enumerate(items):
        for side in ("crmcore", "raw") if index % 2 == 0 else ("raw", "crmcore"):
            if side == "crmcore":
                if profiler:
                    profiler.enable()
                started = clock()
                mine = crmcore_call(item)
                crmcore_ns.append(clock() - started)
                if profiler:
                    profiler.disable()
            else:
                started = clock()
                theirs = raw_call(item)
                raw_ns.append(clock() - started)
        if not same(mine, theirs):
            mismatches += 1
    return Timings(crmcore_ns, raw_ns, mismatches)


def _same_page(page: Any, rows: list[tuple[Any, ...]]) -> bool:
    mine = [entry.id.hex for entry in page.items]
    return mine == [_hex(row[0]) for row in rows[:50]] and (page.next_cursor is not None) == (
        len(rows) > 50
    )


def _same_caller(match: Any, found: tuple[Any, Any] | None) -> bool:
    if match is None or found is None:
        return match is None and found is None
    client, contact = found
    mine = (match.client.id.hex, None if match.contact is None else match.contact.id.hex)
    return mine == (_hex(client[0]), None if contact is None else _hex(contact[0]))


def _same_clients(clients: list[Any], rows: list[tuple[Any, ...]]) -> bool:
    return [c.id.hex for c in clients] == [_hex(row[0]) for row in rows]


def _dump_profile(profiler: cProfile.Profile | None, directory: Path | None, name: str) -> None:
    if profiler is None or directory is None:
        return
    path = directory / f"{name}.prof"
    profiler.dump_stats(path)
    print(f"\nprofile {path} (top 12 by own time):")
    pstats.Stats(str(path)).sort_stats("tottime").print_stats(12)


def latency_metric(name: str, timings: Timings) -> Metric:
    crm_ms, raw_ms = timings.p50_ms("crmcore"), timings.p50_ms("raw")
    return Metric(
        name,
        "ms",
        crm_ms,
        raw_ms,
        f"ratio <= {LATENCY_RATIO_TARGET:g}",
        crm_ms <= LATENCY_RATIO_TARGET * raw_ms,
        samples=len(timings.crmcore),
    )


def run_backend(
    target: Target,
    sizes: workload.Sizes,
    seed: int,
    profile_dir: Path | None,
    launcher: Launcher,
) -> tuple[list[Metric], dict[str, Any]]:
    import crmcore

    info: dict[str, Any] = {}
    name = target.backend
    log(f"{name}: creating {sizes.clients:,} clients with {sizes.contacts:,} contact persons")
    crm = crmcore.open(target.url, **target.open_kwargs())
    raw: RawDB | None = None
    try:
        population = workload.Population(sizes.clients, seed)
        started = time.perf_counter()
        client_ids, importer = populate(crm, population)
        info["setup_seconds"] = round(time.perf_counter() - started, 1)

        metrics: list[Metric] = []
        # Each importer brings in half its rows twice, in the order raw, crmcore,
        # crmcore, raw: both then write, on average, into tables of the same
        # size (whoever imports second into a bigger table pays for it).
        parts: dict[str, list[dict[str, Any]]] = {"raw": [], "crmcore": []}
        halves = (sizes.events // 2, sizes.events - sizes.events // 2)
        for part, which in ((0, "raw"), (0, "crmcore"), (1, "crmcore"), (1, "raw")):
            log(f"{name}: importing {halves[part]:,} events with {which} (child process)")
            profile_path = (
                str(profile_dir / f"{name}-import-{which}-{part}.prof") if profile_dir else None
            )
            result = launcher.import_events(
                which,
                target,
                events=halves[part],
                clients=sizes.clients,
                seed=seed + part,
                part=part,
                employee_code=importer,
                batch_size=IMPORT_BATCH,
                profile_path=profile_path,
            )
            parts[which].append(result)
            log(
                f"  {result['rows']:,} rows in {result['seconds']:.1f} s = "
                f"{result['rows_per_s']:,.0f} rows/s, "
                f"peak RSS {result['peak_rss_kib'] / 1024:.0f} MB"
            )
            if profile_path and which == "crmcore":
                print(f"\nprofile {profile_path} (top 12 by own time):")
                pstats.Stats(profile_path).sort_stats("tottime").print_stats(12)
        imports: dict[str, dict[str, Any]] = {}
        for which, results in parts.items():
            rows = sum(r["rows"] for r in results)
            seconds = sum(r["seconds"] for r in results)
            imports[which] = {
                "rows": rows,
                "seconds": seconds,
                "rows_per_s": rows / seconds,
                "baseline_rss_kib": max(r["baseline_rss_kib"] for r in results),
                "peak_rss_kib": max(r["peak_rss_kib"] for r in results),
                "vm_hwm_kib": max((r["vm_hwm_kib"] or 0) for r in results),
                "parts": results,
            }
        info["import"] = imports
        crm_rate, raw_rate = imports["crmcore"]["rows_per_s"], imports["raw"]["rows_per_s"]
        metrics.append(
            Metric(
                "import",
                "rows/s",
                crm_rate,
                raw_rate,
                f"ratio >= {IMPORT_RATIO_TARGET:g}",
                crm_rate >= IMPORT_RATIO_TARGET * raw_rate,
                samples=imports["crmcore"]["rows"],
            )
        )
        crm_mb = imports["crmcore"]["peak_rss_kib"] / 1024
        raw_mb = imports["raw"]["peak_rss_kib"] / 1024
        metrics.append(
            Metric(
                "import_peak_rss",
                "MB",
                crm_mb,
                raw_mb,
                f"crmcore <= {RSS_TARGET_MB:g} MB",
                crm_mb <= RSS_TARGET_MB,
            )
        )

        raw = RawDB(target)
        info["server_version"] = raw.server_version()
        # The baseline must write what crmcore writes: every column, same values.
        step = max(1, sizes.events // 200)
        problems = raw.unwritten_columns() + raw.compare_imports(
            f"raw-{name}-0", f"crmcore-{name}-0", range(0, halves[0], step)
        )
        info["import_mismatches"] = problems
        info["search_reads_list_tables"] = not raw.lists_in_client_row
        log(f"{name}: ANALYZE")
        raw.analyze()

        # -- timeline page
        log(f"{name}: timeline page, {sizes.timeline_queries} clients")
        chosen = workload.timeline_sample(sizes.clients, sizes.timeline_queries, seed)
        profiler = cProfile.Profile() if profile_dir else None
        timings = paired(
            [client_ids[i] for i in chosen],
            lambda client_id: crm.timeline(client_id, limit=50),
            lambda client_id, raw=raw: raw.timeline_page(
                client_id.hex if raw.sqlite else client_id, 50
            ),
            _same_page,
            warmup=sizes.warmup,
            profiler=profiler,
        )
        _dump_profile(profiler, profile_dir, f"{name}-timeline")
        metrics.append(latency_metric("timeline_p50", timings))
        info["timeline_mismatches"] = timings.mismatches

        # -- caller-ID
        log(f"{name}: caller-ID, {sizes.caller_queries} numbers")
        texts = workload.caller_texts(population, sizes.caller_queries, seed)
        profiler = cProfile.Profile() if profile_dir else None
        timings = paired(
            texts,
            crm.telephony.identify,
            raw.identify,
            _same_caller,
            warmup=sizes.warmup,
            profiler=profiler,
        )
        _dump_profile(profiler, profile_dir, f"{name}-caller_id")
        metrics.append(latency_metric("caller_id_p50", timings))
        info["caller_id_mismatches"] = timings.mismatches

        # -- client search
        log(f"{name}: client search, {sizes.search_queries} name fragments")
        fragments = workload.search_fragments(population.names, sizes.search_queries, seed)
        profiler = cProfile.Profile() if profile_dir else None
        timings = paired(
            fragments,
            lambda text: crm.clients.search(text, limit=50),
            raw.search_clients,
            _same_clients,
            warmup=sizes.warmup,
            profiler=profiler,
        )
        _dump_profile(profiler, profile_dir, f"{name}-search")
        metrics.append(latency_metric("client_search_p50", timings))
        info["client_search_mismatches"] = timings.mismatches
        return metrics, info
    finally:
        if raw is not None:
            raw.close()
        crm.close()


def run_tasks_backend(
    target: Target, sizes: Any, seed: int, profile_dir: Path | None
) -> tuple[list[Metric], dict[str, Any]]:
    """The task registry and calendar tests (tasks.py) on a database of their own."""
    import tasks  # imports crmcore: never at module level (see the imports above)

    import crmcore

    info: dict[str, Any] = {}
    name = target.backend
    crm = crmcore.open(target.url, **target.open_kwargs())
    raw: RawDB | None = None
    try:
        raw = RawDB(target)
        info["server_version"] = raw.server_version()
        log(
            f"{name}: loading {sizes.tasks:,} tasks with {sizes.executor_rows:,} executor rows, "
            f"their work log and {sizes.events:,} events of {sizes.employees:,} employees"
        )
        started = time.perf_counter()
        dataset = tasks.load(crm, target, sizes, seed, log)
        info["setup_seconds"] = round(time.perf_counter() - started, 1)
        info["load"] = {"rows": dataset.counts, "seconds": dataset.seconds}
        log(
            f"  {sum(dataset.counts.values()):,} rows in {info['setup_seconds']:.0f} s "
            f"({', '.join(f'{k} {v:.0f} s' for k, v in dataset.seconds.items())})"
        )
        problems = tasks.round_trip(crm, dataset)
        info["round_trip_mismatches"] = problems
        if problems:
            raise AssertionError("loaded tasks read back wrong: " + "; ".join(problems[:10]))
        log(f"  {len(dataset.samples)} loaded tasks read back through crmcore as meant")

        metrics: list[Metric] = []
        for check in tasks.checks(crm, raw, dataset, sizes, seed):
            log(f"{name}: {check.name}, {len(check.items)} queries")
            test = check.name.removesuffix("_p50")
            info[f"{test}_answers"] = tasks.verify(check)
            profiler = cProfile.Profile() if profile_dir else None
            timings = paired(
                check.items,
                check.crmcore,
                check.raw,
                check.same,
                warmup=sizes.warmup,
                profiler=profiler,
            )
            _dump_profile(profiler, profile_dir, f"{name}-{check.name}")
            metrics.append(latency_metric(check.name, timings))
            info[f"{test}_mismatches"] = timings.mismatches
            if check.variants:
                info[f"{test}_raw_variants_p50_ms"] = variants = {
                    variant: round(tasks.p50_ms(call, check.items, sizes.warmup), 4)
                    for variant, call in check.variants.items()
                }
                log(f"  baseline variants (p50 ms, no target): {variants}")
        return metrics, info
    finally:
        if raw is not None:
            raw.close()
        crm.close()


def physical_metric(name: str, timings: Timings, lean_ns: Sequence[int]) -> Metric:
    """crmcore's p50 beside the leanest hand-written way to do the same: no target."""
    return Metric(
        name,
        "ms",
        timings.p50_ms("crmcore"),
        statistics.median(lean_ns) / 1e6,
        "none (physical limit)",
        True,
        samples=len(lean_ns),
    )


def run_telephony_backend(
    target: Target, sizes: Any, seed: int, profile_dir: Path | None
) -> tuple[list[Metric], dict[str, Any]]:
    """An incoming call handled, and a replay of call events (telephony.py)."""
    import telephony  # imports crmcore: never at module level (see the imports above)

    import crmcore

    info: dict[str, Any] = {}
    name = target.backend
    crm = crmcore.open(target.url, **target.open_kwargs())
    raw: RawDB | None = None
    try:
        raw = RawDB(target)
        info["server_version"] = raw.server_version()
        log(f"{name}: telephony, {sizes.clients:,} clients with {sizes.phones:,} phones")
        started = time.perf_counter()
        population = workload.Population(sizes.clients, seed)
        populate(crm, population)
        telephony.give_extensions(crm)
        raw.analyze()
        info["setup_seconds"] = round(time.perf_counter() - started, 1)
        baseline = telephony.RawTelephony(raw)
        metrics: list[Metric] = []

        log(f"{name}: incoming calls, {sizes.incoming_calls} ringing events")
        events = telephony.incoming_events(population, sizes.warmup + sizes.incoming_calls, seed)
        # Warmed on calls of their own: an event handled twice is a replay, not a new call.
        for event in events[: sizes.warmup]:
            crm.telephony.handle(event)
            baseline.ring(event)
        profiler = cProfile.Profile() if profile_dir else None
        timings = paired(
            events[sizes.warmup :],
            crm.telephony.handle,
            baseline.ring,
            telephony.same_pop,
            warmup=0,
            profiler=profiler,
        )
        _dump_profile(profiler, profile_dir, f"{name}-incoming_call")
        metrics.append(latency_metric("incoming_call_p50", timings))
        info["incoming_call_mismatches"] = timings.mismatches
        info["incoming_call_p95_ms"] = {
            side: round(telephony.percentile_ms(getattr(timings, side), 0.95), 4)
            for side in ("crmcore", "raw")
        }

        # The physical limit: the same calls answered the leanest way by hand.
        baseline.create_lean_tables()
        lean_ns, _ = telephony.timed(events[sizes.warmup :], baseline.ring_lean)
        metrics.append(physical_metric("incoming_call_physical_p50", timings, lean_ns))

        replay = telephony.replay_events(population, sizes.replay_events, seed)
        log(f"{name}: replay of {len(replay):,} call events (each delivered twice)")
        timings = paired(
            replay, crm.telephony.handle, baseline.deliver, lambda a, b: True, warmup=0
        )
        # The issue asks for the replay's throughput, not a bound: a gauge, no target.
        replay_metric = latency_metric("replay_event_p50", timings)
        replay_metric.target, replay_metric.ok = "none (events/s in the title)", True
        metrics.append(replay_metric)
        info["replay_events"] = len(replay)
        info["replay_events_per_second"] = {
            side: round(len(replay) / (sum(getattr(timings, side)) / 1e9), 1)
            for side in ("crmcore", "raw")
        }
        info["replay_p95_ms"] = {
            side: round(telephony.percentile_ms(getattr(timings, side), 0.95), 4)
            for side in ("crmcore", "raw")
        }
        lean_ns, _ = telephony.timed(replay, baseline.deliver_lean)
        metrics.append(physical_metric("replay_event_physical_p50", timings, lean_ns))
        info["replay_events_per_second"]["physical"] = round(len(replay) / (sum(lean_ns) / 1e9), 1)
        logged = raw.execute(
            "SELECT source, COUNT(*) FROM {calls} WHERE pbx_id LIKE 'rp-%'"
            " AND event_id IS NOT NULL GROUP BY source ORDER BY source"
        ).fetchall()
        info["replay_calls_logged"] = {row[0]: row[1] for row in logged}
        log(f"  calls logged once each: {info['replay_calls_logged']}")
        return metrics, info
    finally:
        if raw is not None:
            raw.close()
        crm.close()


def run_money_backend(target: Target, sizes: Any, seed: int) -> tuple[list[Metric], dict[str, Any]]:
    """The balance statement, the ageing and a client's money (money.py) on a database
    of their own."""
    import money  # imports crmcore: never at module level (see the imports above)

    import crmcore

    crm = crmcore.open(target.url, **target.open_kwargs())
    try:
        log(f"{target.backend}: loading the books of {sizes.clients:,} clients")
        started = time.perf_counter()
        dataset = money.load(crm, target, sizes, seed, log)
        info: dict[str, Any] = {
            "setup_seconds": round(time.perf_counter() - started, 1),
            "load": {"rows": dataset.counts, "seconds": dataset.seconds},
        }
        problems = money.round_trip(crm, dataset)
        info["round_trip_mismatches"] = problems
        if problems:
            raise AssertionError("loaded documents read back wrong: " + "; ".join(problems[:10]))
        log(f"  {len(dataset.samples)} loaded documents read back through crmcore as meant")
        results, more = money.measure(crm, target, dataset, sizes, seed)
        info.update(more)
        metrics = []
        for result in results:
            mine, theirs = result.p50
            info[f"{result.name}_p95_ms"] = {
                "crmcore": round(result.p("crmcore", 0.95), 3),
                "raw": round(result.p("raw", 0.95), 3),
            }
            info[f"{result.name}_mismatches"] = result.mismatches
            metrics.append(
                Metric(
                    result.name,
                    "ms",
                    mine,
                    theirs,
                    f"ratio <= {result.target:g}",
                    mine <= result.target * theirs and not result.mismatches,
                    samples=len(result.crmcore_ms),
                )
            )
            log(f"  {result.name}: p95 {info[f'{result.name}_p95_ms']} ms")
        log(
            f"  statement of {info['statement_rows']:,} rows: peak Python memory "
            f"{info['statement_peak_kib']:,} KiB (hand-written: {info['raw_statement_peak_kib']:,})"
        )
        return metrics, info
    finally:
        crm.close()


# ------------------------------------------------------------------ main


def _versions() -> dict[str, str | None]:
    from importlib import metadata

    found: dict[str, str | None] = {}
    for package in ("crmcore", "sqlalchemy", "psycopg", "phonenumbers", "attrs", "python-dateutil"):
        try:
            found[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            found[package] = None
    return found


def _revision() -> str | None:
    """The checkout's commit, with "+dirty" when src/ has uncommitted changes."""
    import subprocess

    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "src"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return f"{commit}+dirty" if dirty else commit


def _machine() -> dict[str, Any]:
    memory = None
    try:
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            for line in meminfo:
                if line.startswith("MemTotal:"):
                    memory = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return {
        "platform": platform.platform(),
        "machine": platform.machine(),
        "processor": platform.processor() or None,
        "cpu_count": os.cpu_count(),
        "memory_gib": memory,
    }


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Measure crmcore against the bare database driver doing the same work."
    )
    parser.add_argument(
        "--quick", action="store_true", help="1/100 of the data: 1,000 clients, 10,000 events"
    )
    parser.add_argument(
        "--backends",
        default="sqlite,postgresql",
        help="comma-separated: sqlite, postgresql (default: both)",
    )
    parser.add_argument(
        "--output",
        type=Path,
        default=HERE / "results.json",
        help="where to write the JSON results (default: benchmarks/results.json)",
    )
    parser.add_argument(
        "--suites",
        default="clients,tasks,recurrence,telephony,mail,money",
        help="comma-separated: clients (import, timeline, caller-ID, search), "
        "tasks (task registry, calendar), recurrence (recurring tasks against dateutil, "
        "no database), telephony (an incoming call, a replay of call events), "
        "mail (mbox ingest, the timeline with e-mails), "
        "money (balance statement, ageing, a client's money); default all",
    )
    parser.add_argument(
        "--seed", type=int, default=workload.DEFAULT_SEED, help="random seed of the data"
    )
    parser.add_argument(
        "--profile",
        type=Path,
        metavar="DIR",
        help="profile the crmcore side with cProfile into DIR/*.prof (inflates its timings)",
    )
    args = parser.parse_args(argv)
    args.argv = list(sys.argv[1:] if argv is None else argv)
    args.backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    unknown = set(args.backends) - {"sqlite", "postgresql"}
    if unknown:
        parser.error(f"unknown backend(s): {', '.join(sorted(unknown))}")
    args.suites = [s.strip() for s in args.suites.split(",") if s.strip()]
    unknown = set(args.suites) - {"clients", "tasks", "recurrence", "telephony", "mail", "money"}
    if unknown or not args.suites:
        parser.error(f"unknown suite(s): {', '.join(sorted(unknown)) or '(none)'}")
    return args


def _stop(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    # Stopped by Ctrl-C or SIGTERM (also as a background job, where SIGINT
    # starts ignored): unwind, so the temporary database, the PostgreSQL
    # schema and the launcher process are cleaned up.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _stop)
    launcher = Launcher()  # first, while this process is small
    try:
        return _main(args, launcher)
    finally:
        launcher.close()


def _main(args: argparse.Namespace, launcher: Launcher) -> int:
    sizes = workload.Sizes.quick() if args.quick else workload.Sizes.full()
    task_sizes: Any = None
    if "tasks" in args.suites:
        import tasks  # imports crmcore; the launcher process is running already

        task_sizes = tasks.TaskSizes.quick() if args.quick else tasks.TaskSizes.full()
    if args.profile:
        args.profile.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {}
    all_sizes: dict[str, Any] = {}
    if "clients" in args.suites:
        all_sizes.update(
            {
                "clients": sizes.clients,
                "contacts": sizes.contacts,
                "phones": sizes.phones,
                "events": sizes.events,
                "timeline_queries": sizes.timeline_queries,
                "caller_id_queries": sizes.caller_queries,
                "client_search_queries": sizes.search_queries,
                "warmup_queries": sizes.warmup,
                "setup_batch": SETUP_BATCH,
                "import_batch": IMPORT_BATCH,
            }
        )
    if task_sizes is not None:
        all_sizes["tasks"] = task_sizes.as_json()
    telephony_sizes: Any = None
    if "telephony" in args.suites:
        import telephony  # imports crmcore, as tasks does

        telephony_sizes = telephony.Sizes.quick() if args.quick else telephony.Sizes.full()
        all_sizes["telephony"] = {
            "clients": telephony_sizes.clients,
            "phones": telephony_sizes.phones,
            "incoming_calls": telephony_sizes.incoming_calls,
            "replay_events": telephony_sizes.replay_events,
        }
    money_sizes: Any = None
    if "money" in args.suites:
        import money  # imports crmcore, as tasks does

        money_sizes = money.MoneySizes.quick() if args.quick else money.MoneySizes.full()
        all_sizes["money"] = money_sizes.as_json()
    if "recurrence" in args.suites:
        import recurrence  # imports crmcore, as tasks does

        all_sizes["recurrence"] = recurrence.sizes(quick=args.quick)
    meta: dict[str, Any] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": " ".join([os.path.relpath(__file__), *args.argv]),
        "quick": args.quick,
        "seed": args.seed,
        "suites": args.suites,
        "sizes": all_sizes,
        "python": sys.version.split()[0],
        "python_implementation": platform.python_implementation(),
        "sqlite": sqlite3.sqlite_version,
        "postgresql": None,
        "versions": _versions(),
        "revision": _revision(),
        "crmcore_path": str(Path(importlib.util.find_spec("crmcore").origin or "").parent),
        "machine": _machine(),
        "profiled": bool(args.profile),
        "backends": {},
    }
    missed: list[str] = []
    tables: list[tuple[str, list[Metric]]] = []

    def record(backend: str, metrics: list[Metric], title: str) -> None:
        for metric in metrics:
            results[f"{backend}.{metric.name}"] = metric.as_json()
            if not metric.ok:
                missed.append(f"{backend}.{metric.name}")
        tables.append((title, metrics))
        print_table(title, metrics)

    database_suites = {"clients", "tasks", "telephony", "mail", "money"} & set(args.suites)
    for backend in args.backends if database_suites else ():
        url = os.environ.get(POSTGRESQL_ENV)
        if backend == "postgresql" and not url:
            print(f"note: PostgreSQL skipped: set {POSTGRESQL_ENV} to a SQLAlchemy URL")
            meta["backends"]["postgresql"] = {"skipped": f"{POSTGRESQL_ENV} is not set"}
            continue

        def new_target(backend: str = backend, url: str | None = url) -> Any:
            return sqlite_target() if backend == "sqlite" else postgresql_target(str(url))

        if "clients" in args.suites:
            with new_target() as target:
                started = time.perf_counter()
                metrics, info = run_backend(target, sizes, args.seed, args.profile, launcher)
                info["seconds"] = round(time.perf_counter() - started, 1)
            if backend == "postgresql":
                meta["postgresql"] = info.get("server_version")
            meta["backends"][backend] = info
            record(
                backend,
                metrics,
                f"{backend}: {sizes.clients:,} clients, {sizes.phones:,} phones, "
                f"{sizes.events:,} events (setup {info['setup_seconds']:.0f} s, "
                f"total {info['seconds']:.0f} s)",
            )
            for problem in info.get("import_mismatches", [])[:10]:
                print(f"warning: {backend} import: baseline and crmcore rows differ: {problem}")
            for check in ("timeline", "caller_id", "client_search"):
                if info.get(f"{check}_mismatches"):
                    print(
                        f"warning: {backend} {check}: crmcore and the baseline disagreed on "
                        f"{info[f'{check}_mismatches']} queries"
                    )

        if task_sizes is not None:
            # A database of its own: the task data does not depend on the clients'.
            with new_target() as target:
                started = time.perf_counter()
                metrics, info = run_tasks_backend(target, task_sizes, args.seed, args.profile)
                info["seconds"] = round(time.perf_counter() - started, 1)
            if backend == "postgresql":
                meta["postgresql"] = info.get("server_version")
            meta["backends"].setdefault(backend, {})["tasks"] = info
            rows = info["load"]["rows"]
            record(
                backend,
                metrics,
                f"{backend}: {rows['tasks']:,} tasks, {rows['executor_rows']:,} executor rows, "
                f"{rows['work_log']:,} work log entries, {rows['events']:,} events of "
                f"{task_sizes.employees:,} employees (load {info['setup_seconds']:.0f} s, "
                f"total {info['seconds']:.0f} s)",
            )
            for check in ("task_registry", "task_calendar"):
                if info.get(f"{check}_mismatches"):
                    print(
                        f"warning: {backend} {check}: crmcore and the baseline disagreed on "
                        f"{info[f'{check}_mismatches']} queries"
                    )

        if telephony_sizes is not None:
            with new_target() as target:
                started = time.perf_counter()
                metrics, info = run_telephony_backend(
                    target, telephony_sizes, args.seed, args.profile
                )
                info["seconds"] = round(time.perf_counter() - started, 1)
            meta["backends"].setdefault(backend, {})["telephony"] = info
            rate = info["replay_events_per_second"]
            record(
                backend,
                metrics,
                f"{backend}: telephony, {telephony_sizes.clients:,} clients, "
                f"{telephony_sizes.phones:,} phones (setup {info['setup_seconds']:.0f} s); "
                f"replay {rate['crmcore']:,.0f} events/s against {rate['raw']:,.0f} raw"
                f" and {rate['physical']:,.0f} at the physical limit",
            )
            if info.get("incoming_call_mismatches"):
                print(
                    f"warning: {backend} incoming_call: crmcore and the baseline matched "
                    f"{info['incoming_call_mismatches']} callers differently"
                )
        if "mail" in args.suites:
            import mail  # imports crmcore in the measuring process only

            log(f"{backend}: mail ingest and the timeline with e-mails")
            with new_target() as target:
                started = time.perf_counter()
                found = mail.measure(target, args.quick, launcher.executor)
            meta["backends"].setdefault(backend, {})["mail"] = {
                "seconds": round(time.perf_counter() - started, 1),
                **found,
            }
            record(
                backend,
                [Metric(**row) for row in mail.metrics(found)],
                f"{backend}: mail, {found['size']['messages']:,} messages of "
                f"{found['size']['clients']:,} clients",
            )
        if money_sizes is not None:
            with new_target() as target:
                started = time.perf_counter()
                metrics, info = run_money_backend(target, money_sizes, args.seed)
                info["seconds"] = round(time.perf_counter() - started, 1)
            meta["backends"].setdefault(backend, {})["money"] = info
            rows = info["load"]["rows"]
            record(
                backend,
                metrics,
                f"{backend}: {rows['clients']:,} clients, {rows['documents']:,} documents, "
                f"{rows['allocations']:,} allocations (load {info['setup_seconds']:.0f} s, "
                f"total {info['seconds']:.0f} s)",
            )

    if "recurrence" in args.suites:
        log("recurrence: a month of five-year-old series, crmcore and dateutil")
        started = time.perf_counter()
        variants = recurrence.measure(quick=args.quick)
        meta["backends"].setdefault(NO_DATABASE, {})["recurrence"] = {
            "seconds": round(time.perf_counter() - started, 1),
            **{variant.name: variant.as_json() for variant in variants},
        }
        record(
            NO_DATABASE,
            [Metric(**row) for row in recurrence.metrics(variants)],
            f"{NO_DATABASE}: recurrence, {variants[0].repetitions:,} repetitions "
            "(windows/s at the p50 time; ratio = dateutil's time / crmcore's, "
            "*_careful: dateutil started at the last occurrence before the window)",
        )
        for variant in variants:
            if variant.mismatches:
                print(
                    f"warning: {variant.name}: crmcore and dateutil disagreed "
                    f"{variant.mismatches} times"
                )

    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(
        json.dumps({"_meta": meta, **results}, ensure_ascii=False, indent=2) + "\n",
        encoding="utf-8",
    )
    print()
    if len(tables) > 1:
        for title, metrics in tables:
            print_table(title, metrics)
        print()
    if missed:
        print(f"targets missed: {', '.join(missed)}")
    elif results:
        print("all targets met")
    print(f"results written to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
