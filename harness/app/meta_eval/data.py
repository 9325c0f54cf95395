"""Meta-evaluation data and its fixed split into rows to choose on and rows to report.

Two formats, told apart by their fields:

- FRANK (``human_factuality`` 0..1 per summary): FRANK validation's articles listed in
  ``harness/data/frank_holdout.json`` are the ``holdout``; every other article is ``dev``.
- labelled (``label`` 1 consistent / 0 not, ``split`` val / test, ``error_spans``; cliff-goyal21):
  the rows' own ``split``.

Every threshold, weight or design choice is made on :func:`fitting_rows` (dev / val) only; the
holdout / test rows are reported once per version.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.core.errors import InputError
from harness.core.files import check_file, json_objects
from harness.data.frank_holdout import holdout_doc_ids


@dataclass(frozen=True)
class DataFormat:
    name: str
    fields: tuple[str, ...]
    fit_split: str  # the rows every choice is made on
    report_split: str  # the rows reported once per version

    @property
    def splits(self) -> tuple[str, str]:
        return (self.fit_split, self.report_split)


FRANK = DataFormat(
    "FRANK", ("id", "doc_id", "dataset", "system", "article", "summary", "human_factuality"), "dev", "holdout"
)
LABELLED = DataFormat(
    "labelled",
    ("id", "doc_id", "dataset", "system", "split", "article", "summary", "label", "error_spans"),
    "val",
    "test",
)


def detect_format(row: dict[str, Any]) -> DataFormat:
    return LABELLED if "label" in row else FRANK


def load_rows(path: Path, limit: int | None = None) -> tuple[DataFormat, list[dict[str, Any]]]:
    """The rows (one per summary) and their format, each row checked for the fields it needs."""
    check_file(path, "--data")
    rows: list[dict[str, Any]] = []
    data_format = FRANK
    for number, row in json_objects(path, "--data"):
        if not rows:
            data_format = detect_format(row)
        missing = [f for f in data_format.fields if f not in row]
        if missing:
            raise InputError(f"{path}:{number}: {data_format.name} row lacks {', '.join(missing)}")
        if data_format is LABELLED and row["split"] not in LABELLED.splits:
            raise InputError(f"{path}:{number}: split is {row['split']!r}; expected val or test")
        rows.append(row)
        if limit and len(rows) == limit:
            break
    return data_format, rows


def row_split(data_format: DataFormat, row: dict[str, Any]) -> str:
    if data_format is LABELLED:
        return str(row["split"])
    return "holdout" if str(row["doc_id"]) in holdout_doc_ids() else "dev"


def split_rows(data_format: DataFormat, rows: Sequence[dict[str, Any]], split: str) -> list[int]:
    """Indices of the rows of ``split`` (one of the format's two)."""
    return [i for i, row in enumerate(rows) if row_split(data_format, row) == split]


def fitting_rows(data_format: DataFormat, rows: Sequence[dict[str, Any]]) -> list[int]:
    """Indices of the rows every choice is made on (FRANK dev, labelled val): the only rows that
    threshold or fitting code may read."""
    return split_rows(data_format, rows, data_format.fit_split)


def check_split(data_format: DataFormat, split: str, path: Path) -> None:
    if split not in data_format.splits:
        raise InputError(
            f"--split {split}: {path} is {data_format.name} data, whose splits are {' and '.join(data_format.splits)}"
        )
