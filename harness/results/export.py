"""Per-example export: examples, predictions and scores of runs joined into one table, one row per
example and run, for pandas, duckdb or ``datasets.load_dataset("parquet", ...)``.

Columns: the run (``run``, ``run_dir``, ``task``, ``model``, ``dataset``, ``dataset_fingerprint``), the
example (``id``, ``source``, ``references``, ``meta.<key>``), the prediction (``output``, ``error``,
``truncated``, ``seconds``), every numeric score under its metric name (empty where an example has no
value, e.g. a failed generation) and each key fact's verdict as ``facts.<fact_id>.verdict``
(``supported``, ``contradicted``, ``absent``)."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from harness.results.compare import FACT_VERDICTS
from harness.results.spreadsheet import spreadsheet_cell
from harness.runfolder.load import Run

FORMATS = ("parquet", "csv", "jsonl")


def run_rows(run: Run) -> list[dict[str, Any]]:
    """One row per example of ``run``, in the run's example order."""
    predictions, scores = run.predictions_by_id(), run.scores_by_id()
    rows = []
    for example in run.examples:
        prediction: dict[str, Any] = dict(predictions.get(example["id"], {}))
        record: dict[str, Any] = dict(scores.get(example["id"], {}))
        row: dict[str, Any] = {
            "run": run.label,
            "run_dir": str(run.path),
            "task": run.task,
            "model": run.model_label,
            "dataset": run.dataset,
            "dataset_fingerprint": run.dataset_fingerprint,
            "id": example["id"],
            "source": example.get("source"),
            "references": list(example.get("references") or []),
            "output": prediction.get("output"),
            "error": prediction.get("error"),
            "truncated": prediction.get("truncated"),
            "seconds": prediction.get("seconds"),
        }
        # Metadata as text: one column may hold numbers in one dataset and names in another.
        row.update(
            {f"meta.{k}": v if isinstance(v, str) else json.dumps(v) for k, v in (example.get("meta") or {}).items()}
        )
        row.update(record.get("scores", {}))
        for fact in record.get("details", {}).get(FACT_VERDICTS, []):
            row[f"facts.{fact['fact_id']}.verdict"] = fact["verdict"]
        rows.append(row)
    return rows


def export_frame(runs: Sequence[Run]) -> pd.DataFrame:
    """All runs' rows; a column a run lacks is empty (NaN / None) in its rows."""
    return pd.DataFrame([row for run in runs for row in run_rows(run)])


def write_export(frame: pd.DataFrame, path: Path, output_format: str, force: bool = False) -> None:
    """``frame`` as Parquet, CSV (references as a JSON list; text that starts like a spreadsheet formula
    behind a ``'``) or JSON Lines (floats at full precision; no value as null); the file must not exist
    unless ``force``."""
    with path.open("wb" if force else "xb") as out:  # "x": never overwrite, even a file created since the check
        if output_format == "parquet":
            frame.to_parquet(out, index=False)
        elif output_format == "csv":
            flat = frame.assign(references=frame["references"].map(lambda refs: json.dumps(refs, ensure_ascii=False)))
            flat.map(spreadsheet_cell).rename(columns=spreadsheet_cell).to_csv(out, index=False)
        else:
            # Not DataFrame.to_json, which rounds floats to 10 decimals (15 at most).
            for record in frame.to_dict(orient="records"):
                row = {key: None if _no_value(value) else value for key, value in record.items()}
                out.write((json.dumps(row, ensure_ascii=False) + "\n").encode("utf-8"))


def _no_value(value: Any) -> bool:
    """A missing cell: None, or the NaN that pandas fills in (written as null, as ``to_json`` does)."""
    return value is None or (isinstance(value, float) and not math.isfinite(value))
