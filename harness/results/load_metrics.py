"""Reading a run's metrics back for the end-of-run table."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from harness.results.summary import markdown_table


def run_label(run_dir: Path) -> str:
    return run_dir.name.split("_", 1)[1] if "_" in run_dir.name else run_dir.name


def print_run_table(run_dirs: Sequence[Path]) -> None:
    rows = [(run_label(d), json.loads((d / "metrics.json").read_text(encoding="utf-8"))) for d in run_dirs]
    print(markdown_table(rows))
    for run_dir in run_dirs:
        print(f"run folder: {run_dir}")
