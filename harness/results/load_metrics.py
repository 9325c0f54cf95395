"""Reading a run's metrics back for the end-of-run table."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from harness.runfolder.folder import RunFolder
from harness.runfolder.summary import facts_matrix, markdown_table


def run_label(run_dir: Path) -> str:
    return run_dir.name.split("_", 1)[1] if "_" in run_dir.name else run_dir.name


def print_run_table(run_dirs: Sequence[Path], labels: Sequence[str] | None = None) -> None:
    labels = labels or [run_label(d) for d in run_dirs]
    rows = [(label, RunFolder(d).read_json("metrics.json")) for label, d in zip(labels, run_dirs, strict=True)]
    print(markdown_table(rows))
    matrix = facts_matrix(rows)
    if matrix:
        print("\nKey facts:\n" + matrix)
    for run_dir in run_dirs:
        print(f"run folder: {run_dir}")
