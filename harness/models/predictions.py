"""Outputs that already exist: score them without generating (a JSONL, a text file, or a dataset column)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from harness.core.errors import InputError
from harness.core.files import check_file, check_utf8, json_objects, read_text
from harness.core.task import TaskSpec
from harness.data.example import Example
from harness.models.base import Generation, Model, ModelLoadError
from harness.models.config import PredictionsConfig


class PredictionsMismatch(InputError, ValueError):
    """Prediction ids (or lines) do not match the dataset's examples."""


class PredictionsModel(Model[PredictionsConfig]):
    """Reads ``model.path`` (``.jsonl``: one object per line with id and output; any other file: one
    output per line, aligned with the dataset's rows) or takes ``model.column`` of the dataset."""

    cacheable = False  # reading outputs is cheaper than looking them up

    def __init__(self, cfg: PredictionsConfig, task: TaskSpec) -> None:
        super().__init__(cfg, task)
        if (cfg.path is None) == (cfg.column is None):
            raise ModelLoadError("model=predictions needs exactly one of model.path or model.column")
        self.by_id: dict[str, Generation] | None = None
        self.lines: list[str] | None = None
        if cfg.path is not None:
            path = Path(cfg.path)
            if path.suffix == ".jsonl":
                check_file(path, "model.path")
                check_utf8(path, "model.path")
                self.by_id = _read_jsonl(path, cfg.id_field, cfg.output_field)
            else:
                self.lines = read_text(path, "model.path").split("\n")
                if self.lines[-1] == "":
                    self.lines.pop()

    def identity(self) -> dict[str, Any]:
        identity: dict[str, Any] = {"name": self.cfg.name, "backend": "predictions"}
        if self.cfg.path:
            identity["path"] = str(self.cfg.path)
            identity["weights_hash"] = _file_hash(Path(self.cfg.path))
        else:
            identity["params"] = {"column": self.cfg.column}
        return identity

    def validate(self, examples: Iterable[Example], whole_dataset: bool = False) -> None:
        """Fail before scoring when the predictions do not cover exactly the dataset's examples (or,
        for a selection such as a shard or a ``limit``, do not cover the selected ones)."""
        missing: list[str] = []
        if self.by_id is not None:
            wanted: set[str] = set()
            for example in examples:
                wanted.add(example.id)
                if example.id not in self.by_id:
                    missing.append(example.id)
            extra = sorted(set(self.by_id) - wanted) if whole_dataset else []
            if missing or extra:
                raise PredictionsMismatch(
                    f"model.path {self.cfg.path}: ids do not match the dataset: "
                    f"{len(missing)} dataset ids have no prediction (e.g. {missing[:3]}), "
                    f"{len(extra)} prediction ids are not in the dataset (e.g. {extra[:3]})"
                )
        elif self.lines is not None:
            rows = [int(e.meta.get("row", i)) for i, e in enumerate(examples)]
            if whole_dataset and len(self.lines) != len(rows):
                raise PredictionsMismatch(
                    f"model.path {self.cfg.path}: has {len(self.lines)} lines but the dataset has {len(rows)} "
                    "rows; lines must be aligned with the dataset's rows"
                )
            if max(rows, default=-1) >= len(self.lines):
                raise PredictionsMismatch(
                    f"model.path {self.cfg.path}: has {len(self.lines)} lines but the dataset has a row "
                    f"{max(rows)}; lines must be aligned with the dataset's rows"
                )
        elif any(self.cfg.column not in e.meta.get("fields", {}) for e in examples):
            raise PredictionsMismatch(f"model.column={self.cfg.column!r}: not a column of the dataset")

    def generate(self, examples: Sequence[Example]) -> list[Generation]:
        if self.by_id is not None:
            return [self.by_id[e.id] for e in examples]
        if self.lines is not None:
            return [Generation(output=self.lines[int(e.meta.get("row", i))]) for i, e in enumerate(examples)]
        return [_as_generation(e.meta["fields"][self.cfg.column]) for e in examples]


def _as_generation(value: Any) -> Generation:
    if value is None:
        return Generation(output=None, error="no prediction (null)")
    return Generation(output=str(value))


def _read_jsonl(path: Path, id_field: str, output_field: str) -> dict[str, Generation]:
    by_id: dict[str, Generation] = {}
    for number, record in json_objects(path, "model.path"):
        if id_field not in record or output_field not in record:
            raise ModelLoadError(
                f"model.path {path} line {number}: needs fields {id_field!r} and {output_field!r} "
                f"(model.id_field, model.output_field); it has {sorted(record)}"
            )
        key = str(record[id_field])
        if key in by_id:
            raise ModelLoadError(f"model.path {path} line {number}: id {key!r} appears twice")
        generation = _as_generation(record[output_field])
        generation.error = record.get("error") or generation.error
        generation.truncated = bool(record.get("truncated", False))
        by_id[key] = generation
    return by_id


def _file_hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]
