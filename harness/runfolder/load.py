"""Read-only loading of whole run folders as plain data (see :mod:`harness.runfolder.schema`), and their
discovery under a results root: the input of the analysis commands (:mod:`harness.results`)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.runfolder.folder import RunFolder, RunFolderError
from harness.runfolder.schema import MetricsFile, PredictionRecord, RunInfo, ScoreRecord

RUN_FILES = (
    "config.yaml",
    "run.json",
    "examples.jsonl",
    "predictions.jsonl",
    "scores.jsonl",
    "metrics.json",
)


@dataclass(frozen=True)
class Run:
    """Everything a finished run wrote, as plain data."""

    path: Path
    config: dict[str, Any]
    info: RunInfo
    examples: list[dict[str, Any]]
    predictions: list[PredictionRecord]
    scores: list[ScoreRecord]
    metrics: MetricsFile

    @property
    def label(self) -> str:
        """The folder name, e.g. ``12-30-00_translate_predictions_wmt17``."""
        return self.path.name

    @property
    def task(self) -> str:
        return _name(self.config, "task", self.info)

    @property
    def model(self) -> str:
        return _name(self.config, "model", self.info)

    @property
    def model_label(self) -> str:
        """The model name, with the file name for scored prediction files (``predictions:sys.txt``)."""
        identity = self.info.get("model", {})
        if identity.get("backend") == "predictions" and identity.get("path"):
            return f"{self.model}:{Path(identity['path']).name}"
        return self.model

    @property
    def dataset(self) -> str:
        return _name(self.config, "dataset", self.info)

    @property
    def dataset_fingerprint(self) -> str | None:
        return self.info.get("dataset", {}).get("fingerprint")

    def scores_by_id(self) -> dict[str, ScoreRecord]:
        return {record["id"]: record for record in self.scores}

    def predictions_by_id(self) -> dict[str, PredictionRecord]:
        return {record["id"]: record for record in self.predictions}


def _name(config: dict[str, Any], group: str, info: RunInfo) -> str:
    section = config.get(group)
    if isinstance(section, dict) and "name" in section:
        return str(section["name"])
    return str(info.get(group, {}).get("name", "?"))  # type: ignore[attr-defined]


def load_run(path: str | Path) -> Run:
    """Load a run folder; raise :class:`RunFolderError` naming the first missing or bad file."""
    folder = RunFolder.open(path)
    info = folder.info()
    missing = [name for name in RUN_FILES if not (folder.path / name).is_file()]
    if missing:
        raise RunFolderError(
            f"{folder.path}: incomplete run folder (status {info.get('status', '?')!r}): missing {', '.join(missing)}"
        )
    return Run(
        path=folder.path,
        config=folder.config(),
        info=info,
        examples=folder.read_jsonl("examples.jsonl"),
        predictions=folder.read_jsonl("predictions.jsonl"),
        scores=folder.read_jsonl("scores.jsonl"),
        metrics=folder.read_json("metrics.json"),
    )


def discover_runs(paths: Iterable[str | Path]) -> list[tuple[Path, bool]]:
    """Run folders among ``paths``, each with whether it was named itself (else found in a tree searched
    for run.json)."""
    found: dict[Path, bool] = {}
    for path in map(Path, paths):
        if (path / "run.json").is_file():
            found[path] = True
        elif path.is_dir():
            found.update((p.parent, found.get(p.parent, False)) for p in sorted(path.rglob("run.json")))
        else:
            raise RunFolderError(f"{path}: no such directory")
    return list(found.items())


def _print_skip(reason: str) -> None:
    print(f"harness: skipped {reason}", file=sys.stderr)


def load_runs(
    paths: Iterable[str | Path], include_failed: bool = False, on_skip: Callable[[str], None] = _print_skip
) -> list[Run]:
    """The runs among ``paths``. A run folder found under a results root is skipped, with ``on_skip``
    saying why, when it is not complete (running, interrupted or failed; failed ones are loaded with
    ``include_failed`` if they hold every file); a run folder named itself must load."""
    paths = list(paths)
    folders = discover_runs(paths)
    if not folders:
        raise RunFolderError(f"no run folder (a folder with run.json) in {', '.join(map(str, paths))}")
    runs = []
    for folder, named in folders:
        if named:
            runs.append(load_run(folder))
            continue
        try:
            status = RunFolder.open(folder).status()
            if status == "complete" or (status == "failed" and include_failed):
                runs.append(load_run(folder))
                continue
        except RunFolderError as error:
            on_skip(str(error))
            continue
        hint = (
            "use --include-failed" if status == "failed" else "in progress, or interrupted: finish it with run.resume"
        )
        on_skip(f"{folder}: status {status!r} ({hint})")
    if not runs:
        raise RunFolderError(f"no complete run in {', '.join(map(str, paths))}")
    return runs
