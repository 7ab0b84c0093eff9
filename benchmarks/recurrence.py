"""Recurrence benchmark: a month of a five-year-old weekly series, crmcore against dateutil.

The series is a task repeated every Monday, Wednesday and Friday at 09:00 in
Europe/Kyiv, started five years before the window asked for: March 2026, the
month the clocks go forward.  Both sides are given the same rule with the same
timezone-aware start and asked for the month:

- crmcore: ``Recurrence.occurrences(window_start, window_end)``, which works
  out where the window falls in the series instead of walking to it;
- baseline: python-dateutil's ``rrule(WEEKLY, byweekday=(MO, WE, FR),
  dtstart=start).between(window_start, window_end, inc=True)``, which walks
  the series from its start.

Both rule objects are built once, before timing.  The window's ends are local
midnights, where the series has no occurrence, so dateutil's inclusive ends
and crmcore's half-open window ask for the same occurrences; the answers are
compared as UTC instants outside the timed region.  A second variant adds an
end after 1,000 occurrences (``COUNT``), so crmcore must also work out how
many occurrences came before the window.

The figures are the median (p50) time of each call over many repetitions,
alternating which side goes first, and the speed-up: dateutil's time divided
by crmcore's (target: at least 20).  In ``results.json`` (``run.py --suites
recurrence``) each variant is a row of windows per second at the p50 time, so
its ratio, crmcore over the baseline as in every row, is that speed-up.

python benchmarks/recurrence.py [--quick]
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
if importlib.util.find_spec("crmcore") is None and (ROOT / "src" / "crmcore").is_dir():
    # Run from a checkout without installing: measure the working tree.
    sys.path.insert(0, str(ROOT / "src"))

from dateutil.rrule import FR, MO, WE, WEEKLY, rrule  # noqa: E402 - after the path set-up above

from crmcore.domain.recurrence import Recurrence  # noqa: E402

__all__ = ["SPEEDUP_TARGET", "Variant", "measure", "metrics", "sizes"]

SPEEDUP_TARGET = 20.0
ZONE = "Europe/Kyiv"
WINDOW_START = datetime(2026, 3, 1, tzinfo=ZoneInfo(ZONE))
WINDOW_END = datetime(2026, 4, 1, tzinfo=ZoneInfo(ZONE))
SERIES_START = WINDOW_START.replace(year=WINDOW_START.year - 5, day=1, hour=9)
SERIES_COUNT = 1000  # ends in 2027: after the window
REPETITIONS = 2000
QUICK_REPETITIONS = 200
WARMUP = 200


@dataclass
class Variant:
    """One measured rule: both sides' p50 times and whether they agreed."""

    name: str
    rule: str
    occurrences: int
    repetitions: int
    crmcore_p50_us: float
    dateutil_p50_us: float
    mismatches: int

    @property
    def speedup(self) -> float:
        return self.dateutil_p50_us / self.crmcore_p50_us

    @property
    def ok(self) -> bool:
        return self.speedup >= SPEEDUP_TARGET and self.mismatches == 0

    def as_json(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "occurrences_in_window": self.occurrences,
            "repetitions": self.repetitions,
            "crmcore_p50_us": round(self.crmcore_p50_us, 2),
            "dateutil_p50_us": round(self.dateutil_p50_us, 2),
            "speedup": round(self.speedup, 1),
            "mismatches": self.mismatches,
        }


def _instants(moments: Sequence[datetime]) -> list[datetime]:
    return [moment.astimezone(UTC) for moment in moments]


def _time(
    crmcore_call: Callable[[], list[datetime]],
    dateutil_call: Callable[[], list[datetime]],
    repetitions: int,
) -> tuple[list[int], list[int], int]:
    """Both calls ``repetitions`` times, alternating which goes first; nanoseconds each."""
    for _ in range(WARMUP):
        crmcore_call()
        dateutil_call()
    clock = time.perf_counter_ns
    mine: list[int] = []
    theirs: list[int] = []
    mismatches = 0
    for repetition in range(repetitions):
        for side in ("crmcore", "dateutil") if repetition % 2 == 0 else ("dateutil", "crmcore"):
            started = clock()
            if side == "crmcore":
                found = crmcore_call()
                mine.append(clock() - started)
            else:
                expected = dateutil_call()
                theirs.append(clock() - started)
        if _instants(found) != _instants(expected):
            mismatches += 1
    return mine, theirs, mismatches


def measure(*, quick: bool = False) -> list[Variant]:
    """Time both variants; raises if crmcore and dateutil disagree before timing."""
    repetitions = QUICK_REPETITIONS if quick else REPETITIONS
    start = SERIES_START
    variants = []
    for name, count in (("recurrence_window", None), ("recurrence_window_count", SERIES_COUNT)):
        ours = Recurrence.weekly(start, ZONE, (0, 2, 4), count=count)
        theirs = rrule(WEEKLY, dtstart=start, byweekday=(MO, WE, FR), count=count)

        def crmcore_call(ours: Recurrence = ours) -> list[datetime]:
            return ours.occurrences(WINDOW_START, WINDOW_END)

        def dateutil_call(theirs: rrule = theirs) -> list[datetime]:
            return theirs.between(WINDOW_START, WINDOW_END, inc=True)

        answer = crmcore_call()
        if not answer or _instants(answer) != _instants(dateutil_call()):
            raise AssertionError(f"{name}: crmcore and dateutil disagree on the window")
        mine, them, mismatches = _time(crmcore_call, dateutil_call, repetitions)
        variants.append(
            Variant(
                name=name,
                rule=ours.to_rrule(),
                occurrences=len(answer),
                repetitions=repetitions,
                crmcore_p50_us=statistics.median(mine) / 1e3,
                dateutil_p50_us=statistics.median(them) / 1e3,
                mismatches=mismatches,
            )
        )
    return variants


def sizes(*, quick: bool = False) -> dict[str, Any]:
    """What was measured, for ``_meta.sizes.recurrence`` of the results file."""
    return {
        "series_start": SERIES_START.isoformat(),
        "window": [WINDOW_START.isoformat(), WINDOW_END.isoformat()],
        "series_years": WINDOW_START.year - SERIES_START.year,
        "window_days": (WINDOW_END - WINDOW_START).days,
        "repetitions": QUICK_REPETITIONS if quick else REPETITIONS,
        "warmup": WARMUP,
    }


def metrics(variants: Sequence[Variant]) -> list[dict[str, Any]]:
    """The rows of ``results.json``, as keyword arguments of ``run.Metric``.

    Each is windows per second at the p50 time, so that its ratio (crmcore
    over the baseline, as in every row) is dateutil's time over crmcore's.
    """
    return [
        {
            "name": variant.name,
            "unit": "windows/s",
            "crmcore": 1e6 / variant.crmcore_p50_us,
            "raw": 1e6 / variant.dateutil_p50_us,
            "target": f"ratio >= {SPEEDUP_TARGET:g}",
            "ok": variant.ok,
            "samples": variant.repetitions,
        }
        for variant in variants
    ]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help=f"{QUICK_REPETITIONS} repetitions, not {REPETITIONS}"
    )
    args = parser.parse_args(argv)
    variants = measure(quick=args.quick)
    print(
        f"weekly MO/WE/FR 09:00 {ZONE} from {SERIES_START.date()}, "
        f"window {WINDOW_START.date()} to {WINDOW_END.date()}"
    )
    header = ("variant", "occurrences", "crmcore p50 (us)", "dateutil p50 (us)", "speed-up", "ok")
    rows = [
        (
            v.name,
            str(v.occurrences),
            f"{v.crmcore_p50_us:,.1f}",
            f"{v.dateutil_p50_us:,.1f}",
            f"{v.speedup:,.1f}x",
            ("ok" if v.ok else "MISSED")
            + (f" ({v.mismatches} mismatches)" if v.mismatches else ""),
        )
        for v in variants
    ]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        print(" | ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))
    print(
        f"target: crmcore at least {SPEEDUP_TARGET:g}x faster; "
        f"{variants[0].repetitions} repetitions each"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
