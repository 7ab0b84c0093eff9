"""Render benchmark results as the Markdown table the docs include.

python benchmarks/markdown.py benchmarks/results.json > benchmarks/RESULTS.md
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any


def _number(value: float, unit: str) -> str:
    if unit.endswith("/s"):
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:,.1f}"
    return f"{value:.3f}"


def render(results: dict[str, Any]) -> str:
    meta = results.get("_meta", {})
    # One run's results, or several runs merged under their backend names.
    runs = {"": meta} if "sizes" in meta else meta
    lines = []
    for backend, run in runs.items():
        sizes = run.get("sizes", {})
        data = []
        if "clients" in sizes or not {"tasks", "recurrence", "telephony"} & sizes.keys():
            data.append(
                f"{sizes.get('clients', 0):,} clients, "
                f"{sizes.get('phones', 0):,} phones, {sizes.get('events', 0):,} events"
            )
        if "tasks" in sizes:
            tasks = sizes["tasks"]
            data.append(
                f"{tasks.get('tasks', 0):,} tasks, {tasks.get('executor_rows', 0):,} executor "
                f"rows, {tasks.get('events', 0):,} events of {tasks.get('employees', 0):,} "
                "employees"
            )
        if "telephony" in sizes:
            telephony = sizes["telephony"]
            rates = run.get("backends", {})
            rate = next(
                (
                    info["telephony"]["replay_events_per_second"]
                    for info in rates.values()
                    if "telephony" in info
                ),
                {},
            )
            data.append(
                f"{telephony.get('clients', 0):,} clients, {telephony.get('phones', 0):,} "
                f"phones, {telephony.get('incoming_calls', 0):,} incoming calls, a replay of "
                f"{telephony.get('replay_events', 0):,} call events at "
                f"{rate.get('crmcore', 0):,.0f} events/s (raw {rate.get('raw', 0):,.0f})"
            )
        if "recurrence" in sizes:
            recurrence = sizes["recurrence"]
            data.append(
                f"a {recurrence.get('window_days', '?')}-day window of a weekly series "
                f"{recurrence.get('series_years', '?')} years old, "
                f"{recurrence.get('repetitions', 0):,} repetitions, python-dateutil's rrule "
                "as the baseline (windows/s at the p50 time)"
            )
        lines.append(
            f"- {backend + ': ' if backend else ''}{'; '.join(data)}; "
            f"crmcore revision {run.get('revision', '?')}, {run.get('date', '?')}."
        )
    lines += [
        "",
        "| backend | metric | crmcore | raw driver | ratio | target | met |",
        "|---|---|---:|---:|---:|---|---|",
    ]
    for key, row in results.items():
        if key.startswith("_"):
            continue
        backend, metric = key.split(".", 1)
        unit = row["unit"]
        lines.append(
            f"| {backend} | {metric} ({unit}) | {_number(row['crmcore'], unit)} "
            f"| {_number(row['raw'], unit)} | {row['ratio']:.2f} | {row['target']} "
            f"| {'yes' if row['ok'] else 'no'} |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    path = Path(sys.argv[1] if len(sys.argv) > 1 else "benchmarks/results.json")
    sys.stdout.write(render(json.loads(path.read_text(encoding="utf-8"))))


if __name__ == "__main__":
    main()
