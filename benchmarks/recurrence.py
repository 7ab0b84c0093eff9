"""Recurrence benchmark: a month of a five-year-old series, crmcore against dateutil.

Each series starts five years before the window asked for, March 2026 (the
month the clocks go forward in Kyiv), at 09:00 in Europe/Kyiv:

- ``recurrence_window``: every Monday, Wednesday and Friday;
- ``recurrence_window_count``: the same, ending after 1,000 occurrences
  (``COUNT``), so crmcore must also work out how many came before the window;
- ``recurrence_last_friday``: the last Friday of every month (``BYDAY=-1FR``).

Every side is given the same rule with the same timezone-aware start and asked
for the month:

- crmcore: ``Recurrence.occurrences(window_start, window_end)``, which works
  out where the window falls in the series instead of walking to it;
- dateutil, as written in its documentation: ``rrule(..., dtstart=start)
  .between(window_start, window_end, inc=True)``, which walks the series from
  its start (``xafter`` walks the same way: it is a filter over the same
  iteration);
- dateutil, as a careful user writes it: the rule with ``dtstart`` moved to
  the last occurrence before the window (and ``COUNT`` lowered by the
  occurrences before it), which such a user keeps as a cursor; the cursor and
  the moved rule are worked out before timing, so this baseline pays only for
  the window.

All rule objects are built once, before timing.  The window's ends are local
midnights, where the series have no occurrence, so dateutil's inclusive ends
and crmcore's half-open window ask for the same occurrences; the answers are
compared as UTC instants outside the timed region.

The figures are the p50 and p95 time of each call over many repetitions,
rotating which side goes first, and two speed-ups: dateutil's time divided by
crmcore's (target: at least 20) and the careful dateutil's divided by
crmcore's (reported; no target: it is the physical limit of a walk that
starts at the window).  In ``results.json`` (``run.py --suites recurrence``)
each is a row of windows per second at the p50 time, so its ratio, crmcore
over the baseline as in every row, is that speed-up.

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

from dateutil.rrule import FR, MO, MONTHLY, WE, WEEKLY, rrule  # noqa: E402 - after the path set-up

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
SIDES = ("crmcore", "dateutil", "careful")


@dataclass
class Variant:
    """One measured rule: each side's p50 and p95 times and whether they agreed."""

    name: str
    rule: str
    occurrences: int
    repetitions: int
    p50_us: dict[str, float]
    p95_us: dict[str, float]
    mismatches: int

    @property
    def speedup(self) -> float:
        """dateutil's ``between`` over crmcore, at the p50 times."""
        return self.p50_us["dateutil"] / self.p50_us["crmcore"]

    @property
    def careful_speedup(self) -> float:
        """dateutil from the last occurrence before the window over crmcore, at p50."""
        return self.p50_us["careful"] / self.p50_us["crmcore"]

    @property
    def ok(self) -> bool:
        return self.speedup >= SPEEDUP_TARGET and self.mismatches == 0

    def as_json(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "occurrences_in_window": self.occurrences,
            "repetitions": self.repetitions,
            **{f"{side}_p50_us": round(self.p50_us[side], 2) for side in SIDES},
            **{f"{side}_p95_us": round(self.p95_us[side], 2) for side in SIDES},
            "speedup": round(self.speedup, 1),
            "careful_speedup": round(self.careful_speedup, 2),
            "mismatches": self.mismatches,
        }


def _instants(moments: Sequence[datetime]) -> list[datetime]:
    return [moment.astimezone(UTC) for moment in moments]


def _p95(samples: list[int]) -> float:
    return statistics.quantiles(samples, n=20)[-1]


def _time(
    calls: dict[str, Callable[[], list[datetime]]], repetitions: int
) -> tuple[dict[str, list[int]], int]:
    """Each call ``repetitions`` times, rotating which goes first; nanoseconds each."""
    for _ in range(WARMUP):
        for call in calls.values():
            call()
    clock = time.perf_counter_ns
    samples: dict[str, list[int]] = {side: [] for side in calls}
    mismatches = 0
    order = list(calls)
    for repetition in range(repetitions):
        answers = {}
        shift = repetition % len(order)
        for side in order[shift:] + order[:shift]:
            started = clock()
            answers[side] = calls[side]()
            samples[side].append(clock() - started)
        expected = _instants(answers["crmcore"])
        mismatches += any(_instants(found) != expected for found in answers.values())
    return samples, mismatches


def _careful(theirs: rrule, count: int | None) -> rrule:
    """The rule a careful user keeps: started at the last occurrence before the window."""
    before = theirs.between(SERIES_START, WINDOW_START, inc=True)
    if count is None:
        return theirs.replace(dtstart=before[-1])
    return theirs.replace(dtstart=before[-1], count=count - len(before) + 1)


def _rules() -> list[tuple[str, Recurrence, rrule, int | None]]:
    start = SERIES_START
    last_friday = start.replace(day=26)  # 2021-03-26, the last Friday of March
    return [
        (
            "recurrence_window",
            Recurrence.weekly(start, ZONE, (0, 2, 4)),
            rrule(WEEKLY, dtstart=start, byweekday=(MO, WE, FR)),
            None,
        ),
        (
            "recurrence_window_count",
            Recurrence.weekly(start, ZONE, (0, 2, 4), count=SERIES_COUNT),
            rrule(WEEKLY, dtstart=start, byweekday=(MO, WE, FR), count=SERIES_COUNT),
            SERIES_COUNT,
        ),
        (
            "recurrence_last_friday",
            Recurrence.monthly(last_friday, ZONE, nth=-1, weekday=4),
            rrule(MONTHLY, dtstart=last_friday, byweekday=FR(-1)),
            None,
        ),
    ]


def measure(*, quick: bool = False) -> list[Variant]:
    """Time every variant; raises if crmcore and dateutil disagree before timing."""
    repetitions = QUICK_REPETITIONS if quick else REPETITIONS
    variants = []
    for name, ours, theirs, count in _rules():
        moved = _careful(theirs, count)

        def crmcore_call(ours: Recurrence = ours) -> list[datetime]:
            return ours.occurrences(WINDOW_START, WINDOW_END)

        def dateutil_call(theirs: rrule = theirs) -> list[datetime]:
            return theirs.between(WINDOW_START, WINDOW_END, inc=True)

        def careful_call(moved: rrule = moved) -> list[datetime]:
            return moved.between(WINDOW_START, WINDOW_END, inc=True)

        calls = {"crmcore": crmcore_call, "dateutil": dateutil_call, "careful": careful_call}
        answer = crmcore_call()
        if not answer or any(_instants(c()) != _instants(answer) for c in calls.values()):
            raise AssertionError(f"{name}: crmcore and dateutil disagree on the window")
        samples, mismatches = _time(calls, repetitions)
        variants.append(
            Variant(
                name=name,
                rule=ours.to_rrule(),
                occurrences=len(answer),
                repetitions=repetitions,
                p50_us={side: statistics.median(samples[side]) / 1e3 for side in SIDES},
                p95_us={side: _p95(samples[side]) / 1e3 for side in SIDES},
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
    over the baseline, as in every row) is the baseline's time over crmcore's:
    one row against dateutil's ``between``, one against the careful user's
    moved start.
    """
    rows = []
    for variant in variants:
        mine = 1e6 / variant.p50_us["crmcore"]
        rows.append(
            {
                "name": variant.name,
                "unit": "windows/s",
                "crmcore": mine,
                "raw": 1e6 / variant.p50_us["dateutil"],
                "target": f"ratio >= {SPEEDUP_TARGET:g}",
                "ok": variant.ok,
                "samples": variant.repetitions,
            }
        )
        rows.append(
            {
                "name": f"{variant.name}_careful",
                "unit": "windows/s",
                "crmcore": mine,
                "raw": 1e6 / variant.p50_us["careful"],
                "target": "reported (dateutil from the last occurrence before the window)",
                "ok": variant.mismatches == 0,
                "samples": variant.repetitions,
            }
        )
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help=f"{QUICK_REPETITIONS} repetitions, not {REPETITIONS}"
    )
    args = parser.parse_args(argv)
    variants = measure(quick=args.quick)
    print(
        f"09:00 {ZONE} from {SERIES_START.date()}, "
        f"window {WINDOW_START.date()} to {WINDOW_END.date()}"
    )
    header = (
        "variant",
        "occ.",
        "crmcore p50/p95 (us)",
        "dateutil p50/p95 (us)",
        "careful p50/p95 (us)",
        "speed-up",
        "vs careful",
        "ok",
    )
    rows = [
        (
            v.name,
            str(v.occurrences),
            *(f"{v.p50_us[side]:,.1f} / {v.p95_us[side]:,.1f}" for side in SIDES),
            f"{v.speedup:,.1f}x",
            f"{v.careful_speedup:,.2f}x",
            ("ok" if v.ok else "MISSED")
            + (f" ({v.mismatches} mismatches)" if v.mismatches else ""),
        )
        for v in variants
    ]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        print(" | ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))
    print(
        f"target: crmcore at least {SPEEDUP_TARGET:g}x faster than between(); "
        f"{variants[0].repetitions} repetitions each"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
