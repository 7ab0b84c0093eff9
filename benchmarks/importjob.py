"""The bulk import, run in a fresh ("spawn") child process so its peak memory is its own.

The child reads the rows from a generator (nothing is materialised up
front), imports them in one transaction and reports rows, seconds and its
peak resident set size.  The baseline child never imports crmcore, so its
peak is that of the bare driver.
"""

from __future__ import annotations

import cProfile
import multiprocessing
import resource
import time
from collections.abc import Callable
from typing import Any

import workload
from rawdb import RawDB, Target

__all__ = ["in_fresh_child", "run"]


def _peak_rss_kib() -> int:
    # ru_maxrss is in KiB on Linux (bytes on macOS; this suite reports Linux units).
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _high_water_mark_kib() -> int | None:
    """VmHWM of /proc/self/status: the peak RSS of this program image alone (Linux)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def in_fresh_child(
    function: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]
) -> Any:
    """Run ``function`` in a new "spawn" process and return its result.

    Linux keeps a process's ``ru_maxrss`` across the fork and exec that
    start a spawned child, so a child started by a big process reports at
    least that process's size.  The benchmark therefore calls this in a
    small launcher process started before the benchmark grows.
    """
    with multiprocessing.get_context("spawn").Pool(processes=1) as pool:
        return pool.apply(function, args, kwargs)


def run(
    which: str,
    target: Target,
    *,
    events: int,
    clients: int,
    seed: int,
    employee_code: str,
    part: int = 0,
    batch_size: int = 5000,
    profile_path: str | None = None,
) -> dict[str, Any]:
    """Import ``events`` rows with crmcore (``which == "crmcore"``) or the bare driver."""
    rows = workload.event_rows(events, clients, seed, ref_prefix=f"{which}-{target.backend}-{part}")
    profiler = cProfile.Profile() if profile_path else None
    if which == "crmcore":
        import crmcore

        crm = crmcore.open(target.url, **target.open_kwargs())
        try:
            actor = crm.acting_as(employee_code)
            baseline = _peak_rss_kib()
            started = time.perf_counter_ns()
            if profiler:
                profiler.enable()
            report = actor.events.import_many(rows, batch_size=batch_size)
            if profiler:
                profiler.disable()
            elapsed = time.perf_counter_ns() - started
            created = report.created
        finally:
            crm.close()
    elif which == "raw":
        raw = RawDB(target, autocommit=False)
        try:
            employee_id, employee_name = raw.employee(employee_code)
            if not raw.sqlite:
                raw.connection.commit()  # the import starts a transaction of its own
            baseline = _peak_rss_kib()
            started = time.perf_counter_ns()
            if profiler:
                profiler.enable()
            created = raw.import_events(rows, employee_id=employee_id, employee_name=employee_name)
            if profiler:
                profiler.disable()
            elapsed = time.perf_counter_ns() - started
        finally:
            raw.close()
    else:
        raise ValueError(f"unknown importer {which!r}")
    if profiler and profile_path:
        profiler.dump_stats(profile_path)
    return {
        "rows": created,
        "seconds": elapsed / 1e9,
        "rows_per_s": created / (elapsed / 1e9),
        "baseline_rss_kib": baseline,
        "peak_rss_kib": _peak_rss_kib(),
        "vm_hwm_kib": _high_water_mark_kib(),
    }
