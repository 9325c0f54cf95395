"""Outputs that already exist: score them without generating (a JSONL, a text file, or a dataset column)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from harness.data.example import Example
from harness.errors import InputError
from harness.models.base import Generation, Model, ModelLoadError, TaskSpec
from harness.models.registry import register_backend


class PredictionsMismatch(InputError, ValueError):
    """Prediction ids (or lines) do not match the dataset's examples."""


@register_backend("predictions")
class PredictionsModel(Model):
    """Reads ``model.path`` (``.jsonl``: one object per line with id and output; any other file: one
    output per line, aligned with the dataset's rows) or takes ``model.column`` of the dataset."""

    def __init__(self, cfg: Any, task: TaskSpec) -> None:
        super().__init__(cfg, task)
        if (cfg.path is None) == (cfg.column is None):
            raise ModelLoadError("model=predictions needs exactly one of model.path or model.column")
        self.by_id: dict[str, Generation] | None = None
        self.lines: list[str] | None = None
        if cfg.path is not None:
            path = Path(cfg.path)
            if not path.is_file():
                raise ModelLoadError(f"model.path: {cfg.path} does not exist")
            if path.suffix == ".jsonl":
                self.by_id = _read_jsonl(path, cfg.id_field, cfg.output_field)
            else:
                self.lines = path.read_text(encoding="utf-8").split("\n")
                if self.lines and self.lines[-1] == "":
                    self.lines.pop()

    def identity(self) -> dict[str, Any]:
        identity: dict[str, Any] = {"name": self.cfg.name, "backend": "predictions"}
        if self.cfg.path:
            identity["path"] = str(self.cfg.path)
            identity["weights_hash"] = _file_hash(Path(self.cfg.path))
        else:
            identity["params"] = {"column": self.cfg.column}
        return identity

    def validate(self, examples: Sequence[Example]) -> None:
        """Fail before scoring when the predictions do not cover exactly the dataset's examples."""
        if self.by_id is not None:
            wanted = {e.id for e in examples}
            missing = [e.id for e in examples if e.id not in self.by_id]
            extra = sorted(set(self.by_id) - wanted)
            if missing or extra:
                raise PredictionsMismatch(
                    f"model.path {self.cfg.path}: ids do not match the dataset: "
                    f"{len(missing)} dataset ids have no prediction (e.g. {missing[:3]}), "
                    f"{len(extra)} prediction ids are not in the dataset (e.g. {extra[:3]})"
                )
        elif self.lines is not None:
            rows = [int(e.meta.get("row", i)) for i, e in enumerate(examples)]
            if rows and max(rows) >= len(self.lines):
                raise PredictionsMismatch(
                    f"model.path {self.cfg.path}: has {len(self.lines)} lines but the dataset has a row "
                    f"{max(rows)}; lines must be aligned with the dataset's rows"
                )
        else:
            absent = [e.id for e in examples if self.cfg.column not in e.meta.get("fields", {})]
            if absent:
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
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as error:
                raise ModelLoadError(f"model.path {path} line {number}: not JSON: {error}") from error
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
