"""Local files through datasets.load_dataset: column mapping, multi-references, selection and errors."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from harness.core.errors import InputError
from harness.core.task import TaskSpec
from harness.data.columns import DatasetError
from harness.data.loading import load_examples
from testkit import compose_config

ROWS = [
    {"doc": "The cat sat on the mat. It was happy.", "summary": "A cat sat.", "key": "a", "system": "x"},
    {
        "doc": "Dogs bark loudly at night. Neighbours complain.",
        "summary": ["Dogs bark.", "Loud dogs."],
        "key": "b",
        "system": "y",
    },
    {"doc": "Rain fell all day in Paris. Streets flooded.", "summary": "Rain in Paris.", "key": "c", "system": "x"},
]


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def files_examples(path: Path, *extra: str):
    cfg = compose_config(
        [
            "dataset=files",
            f"dataset.path={path}",
            "dataset.source_column=doc",
            "dataset.reference_column=summary",
            "dataset.id_column=key",
            *extra,
        ]
    )
    return load_examples(cfg.dataset, TaskSpec())


def test_jsonl_with_single_and_multiple_references(tmp_path: Path) -> None:
    rows = [dict(r, summary=r["summary"] if isinstance(r["summary"], list) else [r["summary"]]) for r in ROWS]
    examples = files_examples(write_jsonl(tmp_path / "d.jsonl", rows))
    assert [e.id for e in examples] == ["a", "b", "c"]
    assert examples[1].references == ("Dogs bark.", "Loud dogs.")
    assert examples[0].references == ("A cat sat.",)
    assert examples[0].meta["fields"]["system"] == "x"


@pytest.mark.parametrize("suffix", ["csv", "parquet"])
def test_csv_and_parquet(tmp_path: Path, suffix: str) -> None:
    frame = pd.DataFrame(
        [dict(r, summary=r["summary"] if isinstance(r["summary"], str) else r["summary"][0]) for r in ROWS]
    )
    path = tmp_path / f"d.{suffix}"
    frame.to_csv(path, index=False) if suffix == "csv" else frame.to_parquet(path)
    examples = files_examples(path)
    assert [e.source for e in examples] == [r["doc"] for r in ROWS]


def test_where_shuffle_and_limit(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "d.jsonl", [dict(r, summary="s") for r in ROWS])
    assert [e.id for e in files_examples(path, "+dataset.where.system=x")] == ["a", "c"]
    shuffled = [e.id for e in files_examples(path, "dataset.shuffle=true", "dataset.shuffle_seed=3")]
    assert sorted(shuffled) == ["a", "b", "c"]
    assert shuffled == [e.id for e in files_examples(path, "dataset.shuffle=true", "dataset.shuffle_seed=3")]
    assert [e.id for e in files_examples(path, "dataset.limit=2")] == ["a", "b"]
    # Rows keep their position in the file, so aligned prediction files stay aligned after filtering.
    assert [e.meta["row"] for e in files_examples(path, "+dataset.where.system=x")] == [0, 2]


def test_missing_column_names_the_columns_that_exist(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "d.jsonl", [dict(r, summary="s") for r in ROWS])
    cfg = compose_config(["dataset=files", f"dataset.path={path}", "dataset.source_column=article"])
    with pytest.raises(DatasetError, match=r"dataset.source_column: no column 'article'; the columns are \[.*'doc'"):
        load_examples(cfg.dataset, TaskSpec())


def test_where_on_a_missing_column(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "d.jsonl", [dict(r, summary="s") for r in ROWS])
    with pytest.raises(DatasetError, match="dataset.where: no column 'model'"):
        files_examples(path, "+dataset.where.model=x")


def test_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"dataset.path: .*nope.jsonl does not exist"):
        files_examples(tmp_path / "nope.jsonl")


def test_unknown_extension_asks_for_the_format(tmp_path: Path) -> None:
    path = tmp_path / "d.data"
    path.write_text("x", encoding="utf-8")
    with pytest.raises(DatasetError, match="dataset.format"):
        files_examples(path)


def test_duplicate_ids_are_an_error(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "d.jsonl", [dict(r, key="same", summary="s") for r in ROWS])
    with pytest.raises(DatasetError, match="id 'same'.*not unique"):
        files_examples(path)


def test_null_source_and_reference_are_kept_for_the_runner(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "d.jsonl", [{"doc": None, "summary": None, "key": "z"}, dict(ROWS[0], summary="s")])
    examples = files_examples(path)
    assert examples[0].source == "" and examples[0].references == ()


def test_hub_code_path_with_a_local_dataset_folder(tmp_path: Path) -> None:
    """``dataset=hf`` goes through ``datasets.load_dataset(name, config, split=...)``; a local folder
    is a valid name there, so the hub code path runs here without the hub."""
    folder = tmp_path / "my_dataset"
    folder.mkdir()
    write_jsonl(folder / "test.jsonl", [dict(r, summary="s") for r in ROWS])
    cfg = compose_config(
        [
            "dataset=hf",
            f"dataset.hub_name={folder}",
            "dataset.split=test",
            "dataset.source_column=doc",
            "dataset.reference_column=summary",
            "dataset.id_column=key",
            "dataset.limit=2",
        ]
    )
    assert [e.id for e in load_examples(cfg.dataset, TaskSpec())] == ["a", "b"]


def test_unreachable_hub_dataset_names_the_dataset(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path))
    cfg = compose_config(["dataset=cnn_dailymail"])
    with pytest.raises(DatasetError, match="dataset.hub_name: 'cnn_dailymail'.*could not be loaded"):
        load_examples(cfg.dataset, TaskSpec())
