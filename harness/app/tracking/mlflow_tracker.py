"""Runs to MLflow through ``MlflowClient`` (no global active run): a parent run with child runs for a
sweep. Without a ``tracking_uri`` MLflow's default applies (``MLFLOW_TRACKING_URI``, else a local
``mlflow.db`` with artifacts under ``mlruns/`` in the working directory): no server, no network."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import TypeVar

from mlflow import MlflowClient
from mlflow.entities import Metric, Param
from mlflow.utils.mlflow_tags import MLFLOW_PARENT_RUN_ID, MLFLOW_RUN_NAME

from harness.app.tracking.record import LoggedRun, TrackedRun

_NOT_ALLOWED = re.compile(r"[^\w\-. /:]")  # MLflow names: alphanumerics, _ - . space / :
_METRICS_PER_CALL, _PARAMS_PER_CALL = 1000, 100  # MLflow's limits per log_batch call


def mlflow_name(name: str) -> str:
    """A metric or parameter name MLflow accepts: ``chrf++`` becomes ``chrf__``."""
    return _NOT_ALLOWED.sub("_", name)


class MlflowTracker:
    def __init__(self, tracking_uri: str | None = None, experiment: str = "harness") -> None:
        self.client = MlflowClient(tracking_uri=tracking_uri)
        found = self.client.get_experiment_by_name(experiment)
        self.experiment_id = found.experiment_id if found else self.client.create_experiment(experiment)

    def log(self, runs: Sequence[TrackedRun], parent: str | None = None, again: bool = False) -> list[LoggedRun]:
        logged = {} if again else {run.digest: self._logged_before(run) for run in runs}
        parent_id = None
        if parent is not None and (again or None in logged.values()):  # no parent run without a new child
            parent_run = self.client.create_run(self.experiment_id, run_name=parent, tags={"harness.sweep": parent})
            parent_id = parent_run.info.run_id
        result = []
        for run in runs:
            before = logged.get(run.digest)
            result.append(LoggedRun(before, True) if before else LoggedRun(self._log_one(run, parent_id)))
        if parent_id is not None:
            self.client.set_terminated(parent_id)
        return result

    def _logged_before(self, run: TrackedRun) -> str | None:
        """The id of a finished run that logged this run folder, if any."""
        found = self.client.search_runs(
            [self.experiment_id],
            filter_string=f"tags.`harness.digest` = '{run.digest}' and attributes.status = 'FINISHED'",
            max_results=1,
        )
        return found[0].info.run_id if found else None

    def _log_one(self, run: TrackedRun, parent_id: str | None) -> str:
        tags = {**run.tags, MLFLOW_RUN_NAME: run.name, "harness.digest": run.digest}
        if parent_id is not None:
            tags[MLFLOW_PARENT_RUN_ID] = parent_id
        run_id = self.client.create_run(self.experiment_id, run_name=run.name, tags=tags).info.run_id
        metrics = [Metric(key, value, 0, 0) for key, value in _unique(run.metrics).items()]
        params = [Param(key, value) for key, value in _unique(run.params).items()]
        for start in range(0, len(metrics), _METRICS_PER_CALL):
            self.client.log_batch(run_id, metrics=metrics[start : start + _METRICS_PER_CALL])
        for start in range(0, len(params), _PARAMS_PER_CALL):
            self.client.log_batch(run_id, params=params[start : start + _PARAMS_PER_CALL])
        for path in run.artifacts:
            self.client.log_artifact(run_id, str(path))
        self.client.set_terminated(run_id)
        return run_id


V = TypeVar("V")


def _unique(values: Mapping[str, V]) -> dict[str, V]:
    """``values`` under MLflow-safe names; two names that become the same are an error, not a loss."""
    renamed: dict[str, V] = {}
    for name, value in values.items():
        safe = mlflow_name(name)
        if safe in renamed:
            raise ValueError(f"MLflow names: {name!r} and another key both become {safe!r}")
        renamed[safe] = value
    return renamed
