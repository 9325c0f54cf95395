"""Runs to Weights & Biases. W&B has no nested runs: a sweep is a W&B group holding one run per
evaluation and a parent run (job type ``sweep``) that lists them. ``mode="offline"`` (or
``WANDB_MODE=offline``) writes runs under ``dir`` for a later ``wandb sync``, with no network."""

from __future__ import annotations

import re
from collections.abc import Sequence

import wandb

from harness.app.tracking.record import LoggedRun, TrackedRun

_TAG_LIMIT = 64  # W&B's longest tag


def artifact_name(name: str) -> str:
    """A W&B artifact name (alphanumerics, dashes, underscores, dots) for a run folder."""
    return "run-" + re.sub(r"[^\w\-.]", "-", name)


class WandbTracker:
    def __init__(
        self, project: str = "harness", entity: str | None = None, mode: str | None = None, dir: str | None = None
    ) -> None:
        self.init_options = {"project": project, "entity": entity, "mode": mode, "dir": dir}

    def log(self, runs: Sequence[TrackedRun], parent: str | None = None, again: bool = False) -> list[LoggedRun]:
        """Each run folder is the W&B run whose id is its digest (unless ``again``): logging it again
        updates that run, which W&B (or ``wandb sync`` of offline runs) resumes instead of adding one."""
        try:
            ids = [LoggedRun(self._log_one(run, group=parent, again=again)) for run in runs]
            if parent is not None:
                sweep = self._init(name=parent, group=parent, job_type="sweep", config={"runs": [r.name for r in runs]})
                sweep.summary.update({"n_runs": len(runs)})
                sweep.finish()
        finally:
            # finish() returns before wandb-core has written a run's records (an offline run's file can
            # still be empty then); teardown waits for the service to write everything and stop.
            wandb.teardown()
        return ids

    def _log_one(self, run: TrackedRun, group: str | None, again: bool) -> str:
        short_tags = [f"{key}:{run.tags[key]}" for key in ("task", "model.name", "dataset.name", "dataset.fingerprint")]
        tracked = self._init(
            name=run.name,
            group=group,
            job_type="evaluation",
            config={**run.config, "harness_tags": run.tags},
            tags=[tag[:_TAG_LIMIT] for tag in short_tags if not tag.endswith(":")],
            **({} if again else {"id": run.digest, "resume": "allow"}),
        )
        tracked.summary.update(run.metrics)
        artifact = wandb.Artifact(artifact_name(run.name), type="run-folder")
        for path in run.artifacts:
            artifact.add_file(str(path), name=path.name)
        tracked.log_artifact(artifact)
        tracked.finish()
        return str(tracked.id)

    def _init(self, **options: object) -> wandb.Run:
        settings = wandb.Settings(console="off", silent=True)
        return wandb.init(**self.init_options, **options, settings=settings, reinit="create_new")  # type: ignore[arg-type]
