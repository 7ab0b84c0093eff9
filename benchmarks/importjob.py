"""The bulk import, run in a fresh ("spawn") child process so its peak memory is its own.

The child reads the rows from a generator (nothing is materialised up
front), imports them in one transaction and reports rows, seconds and its
peak resident set size.  The baseline child never imports crmcore, so its
peak is that of the bare driver.
"""

from __future__ import annotations

import cProfile
import resource
import time
from typing import Any

import workload
from rawdb import RawDB, Target

__all__ = ["run"]


def _peak_rss_kib() -> int:
    # ru_maxrss is in KiB on Linux (bytes on macOS; this suite reports Linux units).
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def run(
    which: str,
    target: Target,
    *,
    events: int,
    clients: int,
    seed: int,
    employee_code: str,
    batch_size: int = 5000,
    profile_path: str | None = None,
) -> dict[str, Any]:
    """Import ``events`` rows with crmcore (``which == "crmcore"``) or the bare driver."""
    rows = workload.event_rows(events, clients, seed, ref_prefix=f"{which}-{target.backend}")
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
    }
