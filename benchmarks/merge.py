"""Merge benchmark result files into one, as the published results.json is made.

python benchmarks/merge.py benchmarks/results.json /tmp/sqlite.json /tmp/postgresql.json

The first file is updated (or created): the runs it holds are kept, each
further file's run is added under a label naming its backends (and its suites
when it ran only some), replacing a run of the same label, and its metrics
replace those of the same name.  Metrics stay grouped by backend.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

__all__ = ["label", "merge", "runs"]


def label(meta: dict[str, Any]) -> str:
    """``"sqlite"``, ``"postgresql"``, ``"sqlite tasks"``: what one run measured."""
    backends = [
        name for name, info in meta.get("backends", {}).items() if "skipped" not in info
    ] or ["none"]
    suites = meta.get("suites", ["clients"])
    suffix = "" if suites in (["clients"], ["clients", "tasks"]) else " " + "+".join(suites)
    return "+".join(backends) + suffix


def runs(results: dict[str, Any]) -> dict[str, Any]:
    """The runs of a results file by label (one run, or several merged already)."""
    meta = results.get("_meta", {})
    return {label(meta): meta} if "sizes" in meta else dict(meta)


def merge(files: list[dict[str, Any]]) -> dict[str, Any]:
    merged_runs: dict[str, Any] = {}
    metrics: dict[str, Any] = {}
    for results in files:
        merged_runs.update(runs(results))
        metrics.update({key: value for key, value in results.items() if key != "_meta"})
    backends: list[str] = []
    for key in metrics:
        backend = key.split(".", 1)[0]
        if backend not in backends:
            backends.append(backend)
    ordered = {
        key: value
        for backend in backends
        for key, value in metrics.items()
        if key.startswith(f"{backend}.")
    }
    return {"_meta": merged_runs, **ordered}


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        print(__doc__)
        return 2
    output = Path(argv[0])
    paths = [output] if output.exists() else []
    paths += [Path(name) for name in argv[1:]]
    merged = merge([json.loads(path.read_text(encoding="utf-8")) for path in paths])
    output.write_text(json.dumps(merged, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"{output}: runs {', '.join(merged['_meta'])}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
