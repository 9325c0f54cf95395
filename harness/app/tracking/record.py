"""What a tracker receives from one run folder, independent of the tracker: the config (flattened for
trackers that take flat parameters), every aggregate with its CI bounds, identity tags, the files."""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.results.table import corpus_cis
from harness.runfolder.load import Run

RUN_COUNTS = ("n_examples", "n_scored", "n_errors", "n_truncated", "n_blank_references")


@dataclass(frozen=True)
class TrackedRun:
    name: str  # the run folder's name
    run_dir: Path
    config: dict[str, Any]  # the resolved config.yaml, nested
    metrics: dict[str, float]  # <metric>, <metric>/ci_low, <metric>/ci_high, <metric>/n, run counts
    tags: dict[str, str]  # run id, task, model identity, dataset name and fingerprint, signatures
    artifacts: list[Path]  # every file of the run folder
    digest: str  # the folder's identity for trackers (``folder_digest``)

    @property
    def params(self) -> dict[str, str]:
        """The config as ``a.b.c -> value`` strings (lists and mappings inside lists as JSON)."""
        return {key: _text(value) for key, value in flatten(self.config).items()}


@dataclass(frozen=True)
class LoggedRun:
    """What a tracker did with one :class:`TrackedRun`."""

    id: str  # the tracker's run id
    before: bool = False  # the tracker already had this run folder (found by its digest): not logged again


def flatten(mapping: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested mappings as one level with dotted keys; other values (lists included) as they are."""
    flat: dict[str, Any] = {}
    for key, value in mapping.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping) and value:
            flat.update(flatten(value, f"{name}."))
        else:
            flat[name] = value
    return flat


def folder_digest(run_dir: Path) -> str:
    """The identity of a run folder for trackers: its path, run.json and metrics.json. Logging the same
    folder again finds the tracker's run by it; a copy elsewhere or a rerun is a new run."""
    content = hashlib.sha256(str(run_dir.resolve()).encode())
    for name in ("run.json", "metrics.json"):
        content.update((run_dir / name).read_bytes())
    return content.hexdigest()[:32]


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def tracked_run(run: Run) -> TrackedRun:
    """The tracker's view of a loaded run. Corpus metrics stored without a CI get the one ``harness
    table`` shows (resampled from their sentence statistics), so both report the same bounds."""
    aggregates = corpus_cis(run, dict(run.metrics["metrics"]))
    metrics: dict[str, float] = {}
    for name, aggregate in aggregates.items():
        value = aggregate.get("value")
        if value is None:
            continue
        metrics[name] = float(value)
        ci = aggregate.get("ci")
        if ci and len(ci) == 2 and not any(bound is None or math.isnan(bound) for bound in ci):
            metrics[f"{name}/ci_low"], metrics[f"{name}/ci_high"] = float(ci[0]), float(ci[1])
        if aggregate.get("n") is not None:
            metrics[f"{name}/n"] = float(aggregate["n"])
    metrics.update({key: float(run.metrics[key]) for key in RUN_COUNTS if key in run.metrics})  # type: ignore[literal-required]
    info = run.info
    tags = {
        "harness.run_id": str(info.get("run_id", run.label)),
        "harness.run_dir": str(run.path.resolve()),
        "harness.status": str(info.get("status", "")),
        "harness.git_commit": str(info.get("git_commit") or ""),
        "task": run.task,
        "dataset.name": run.dataset,
        "dataset.fingerprint": run.dataset_fingerprint or "",
    }
    tags.update({f"model.{key}": _text(value) for key, value in flatten(info.get("model", {})).items()})
    tags.update({f"signature.{name}": str(agg.get("signature", "")) for name, agg in aggregates.items()})
    files = sorted(p for p in run.path.iterdir() if p.is_file() and not p.name.startswith("."))
    return TrackedRun(run.label, run.path, dict(run.config), metrics, tags, files, folder_digest(run.path))
