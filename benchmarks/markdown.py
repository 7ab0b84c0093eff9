"""Render benchmark results as the Markdown table the docs include.

python benchmarks/markdown.py benchmarks/results.json > benchmarks/RESULTS.md
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any


def _number(value: float, unit: str) -> str:
    if unit == "rows/s":
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:,.1f}"
    return f"{value:.3f}"


def render(results: dict[str, Any]) -> str:
    meta = results.get("_meta", {})
    sizes = meta.get("sizes", {})
    lines = [
        f"Sizes: {sizes.get('clients', '?'):,} clients, {sizes.get('phones', '?'):,} phones, "
        f"{sizes.get('events', '?'):,} events; crmcore revision {meta.get('revision', '?')}, "
        f"{meta.get('date', '?')}.",
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
