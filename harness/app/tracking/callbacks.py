"""Hydra callbacks that log runs to a tracker (``+callbacks=mlflow``, ``+callbacks=wandb``).

A single run is logged when its job ends; a sweep (``-m``) is logged once all its jobs have ended, in
the launching process (so it works with any launcher), as one parent run with a child per job.
A logging failure leaves the run folders as they are and exits with status 1, naming the command
that logs them later."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from hydra.core.utils import JobReturn, JobStatus
from hydra.experimental.callback import Callback
from hydra.types import RunMode
from omegaconf import DictConfig

from harness.app.tracking.trackers import TrackingFailed, log_runs, require
from harness.core.errors import InputError, report_input_error


class TrackingCallback(Callback):
    tracker = ""  # the subclass's tracker name

    def __init__(self, **options: Any) -> None:
        try:
            require(self.tracker)  # before the run, so that a missing extra costs nothing
        except InputError as error:
            sys.exit(report_input_error(error))
        self.options = options

    def on_job_end(self, config: DictConfig, job_return: JobReturn, **kwargs: Any) -> None:
        if config.hydra.mode == RunMode.RUN and job_return.status == JobStatus.COMPLETED and job_return.return_value:
            self._log([Path(job_return.return_value).resolve()], parent=None)

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        from harness.app.hydra_callbacks import sweep_jobs

        sweep_dir = Path(config.hydra.sweep.dir)
        runs = [Path(job["run_dir"]) for job in sweep_jobs(sweep_dir)]
        if runs:
            self._log(runs, parent=f"sweep {sweep_dir.name}")

    def _log(self, run_dirs: Sequence[Path], parent: str | None) -> None:
        from harness.app.tracking.record import tracked_run
        from harness.runfolder.load import load_run

        try:
            logged = log_runs(self.tracker, self.options, [tracked_run(load_run(d)) for d in run_dirs], parent)
        except TrackingFailed as error:
            sys.exit(report_input_error(error))
        print(f"logged to {self.tracker}: {', '.join(run.id for run in logged)}", file=sys.stderr)


class MlflowCallback(TrackingCallback):
    tracker = "mlflow"


class WandbCallback(TrackingCallback):
    tracker = "wandb"
