"""Hydra callbacks: after a multirun, one table with a row per run, and the jobs that failed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hydra.experimental.callback import Callback
from omegaconf import DictConfig


class MultirunTable(Callback):
    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        from harness.app.cluster_jobs import read_failures, report_failures
        from harness.results.load_metrics import print_run_table, run_label

        sweep_dir = Path(config.hydra.sweep.dir)
        jobs = sweep_jobs(sweep_dir)
        failures = read_failures(sweep_dir)
        if not jobs and not failures:
            return
        swept = varying_overrides([job["overrides"] for job in [*jobs, *failures]])
        if jobs:
            runs = [Path(job["run_dir"]) for job in jobs]
            labels = [
                " ".join([run_label(run), *(o for o in job["overrides"] if o in swept)])
                for run, job in zip(runs, jobs, strict=True)
            ]
            print_run_table(runs, labels)
        if failures:
            report_failures(failures, swept)


def sweep_jobs(sweep_dir: Path) -> list[dict[str, Any]]:
    """The jobs of a sweep that wrote a run, in job order: ``{"run_dir": ..., "overrides": [...]}``."""
    from harness.app.hydra_app import RUN_POINTER

    pointers = sorted(sweep_dir.glob(f"*/{RUN_POINTER}"), key=lambda p: int(p.parent.name))
    return [json.loads(p.read_text(encoding="utf-8")) for p in pointers]


def varying_overrides(per_job: list[list[str]]) -> set[str]:
    """Overrides that are not shared by every job: the ones that tell the runs of a sweep apart."""
    shared = set.intersection(*(set(job) for job in per_job))
    return {o for job in per_job for o in job if o not in shared}
