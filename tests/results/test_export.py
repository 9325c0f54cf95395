"""``harness export``: one row per example and run, numeric scores and fact verdicts as columns."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import datasets
import pandas as pd
import pytest

from harness.app.cli.main import main
from runfolders import write_run, write_translation_run

EXAMPLES = [
    {
        "id": f"e{i}",
        "source": f"Source {i}.",
        "references": [f"R {i}.", f"Other {i}."],
        "meta": {"system": "bart", "rank": i},
    }
    for i in range(3)
]

FRANK_RUN: dict[str, Any] = {"task": "summarise", "dataset": "frank", "examples": EXAMPLES}


def _verdicts(*verdicts: str) -> dict[str, list[dict[str, str]]]:
    return {"facts.verdicts": [{"fact_id": f"f{k}", "verdict": v} for k, v in enumerate(verdicts)]}


@pytest.fixture
def runs(tmp_path: Path) -> list[Path]:
    lead = write_run(
        tmp_path / "results",
        **FRANK_RUN,
        model="lead",
        outputs=["a", None, "c"],  # e1's generation failed: no scores, no verdicts
        scores=[{"rouge1": 0.5, "facts.recall": 1.0}, {}, {"rouge1": 0.25, "facts.recall": 0.0}],
        details=[_verdicts("supported", "absent"), {}, _verdicts("contradicted", "absent")],
        signatures={"rouge1": "r", "facts.recall": "f"},
    )
    t5 = write_run(
        tmp_path / "results",
        **FRANK_RUN,
        model="t5",
        outputs=["x", "y", "z"],
        scores=[{"rouge1": 0.1 * i} for i in range(3)],
        signatures={"rouge1": "r"},
        stamp="2026-01-01/13-00-00",
    )
    translation = write_translation_run(
        tmp_path / "results",
        model="marian",
        sources=["a", "b"],
        references=["x y z", "u v"],
        outputs=["x y", "u v"],
    )
    return [lead, t5, translation]


def _check(frame: pd.DataFrame, runs: list[Path]) -> None:
    assert len(frame) == 3 + 3 + 2
    assert list(frame["run"]) == [runs[0].name] * 3 + [runs[1].name] * 3 + [runs[2].name] * 2
    lead = frame[frame["model"] == "lead"].set_index("id")
    assert lead.loc["e0", "rouge1"] == 0.5 and lead.loc["e2", "facts.recall"] == 0.0
    assert lead.loc["e0", "facts.f0.verdict"] == "supported" and lead.loc["e2", "facts.f0.verdict"] == "contradicted"
    assert lead.loc["e1", "error"] == "generation failed" and math.isnan(lead.loc["e1", "rouge1"])
    assert lead.loc["e0", "meta.system"] == "bart" and lead.loc["e2", "meta.rank"] == "2"
    t5 = frame[frame["model"] == "t5"].set_index("id")
    assert list(t5["output"]) == ["x", "y", "z"] and t5.loc["e2", "rouge1"] == pytest.approx(0.2)
    assert t5["facts.f0.verdict"].isna().all()  # t5's run has no key facts
    assert set(frame["dataset"]) == {"frank", "wmt17"}


def test_parquet_loads_with_datasets(runs: list[Path], tmp_path: Path) -> None:
    out = tmp_path / "examples.parquet"
    assert main(["export", *map(str, runs), "-o", str(out)]) == 0
    loaded = datasets.load_dataset("parquet", data_files=str(out), split="train", cache_dir=str(tmp_path / "hf"))
    assert loaded.num_rows == 8
    assert loaded[0]["references"] == ["R 0.", "Other 0."]
    assert {"rouge1", "facts.recall", "facts.f0.verdict", "facts.f1.verdict", "output", "source"} <= set(
        loaded.column_names
    )
    _check(loaded.to_pandas(), runs)


def test_csv_and_jsonl(runs: list[Path], tmp_path: Path) -> None:
    assert main(["export", *map(str, runs), "--format", "csv", "-o", str(tmp_path / "x.csv")]) == 0
    frame = pd.read_csv(tmp_path / "x.csv", dtype={"meta.rank": str})
    _check(frame, runs)
    assert json.loads(frame.loc[0, "references"]) == ["R 0.", "Other 0."]
    assert main(["export", *map(str, runs), "--format", "jsonl", "-o", str(tmp_path / "x.jsonl")]) == 0
    frame = pd.read_json(tmp_path / "x.jsonl", lines=True, dtype={"meta.rank": str})
    _check(frame, runs)


def test_never_overwrites_or_writes_into_a_run_folder(
    runs: list[Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    taken = tmp_path / "taken.parquet"
    taken.write_text("keep me", encoding="utf-8")
    assert main(["export", str(runs[0]), "-o", str(taken)]) == 2
    assert taken.read_text(encoding="utf-8") == "keep me"
    assert f"-o {taken}: already exists; --force overwrites it" in capsys.readouterr().err
    assert main(["export", str(runs[0]), "-o", str(taken), "--force"]) == 0
    assert taken.read_bytes().startswith(b"PAR1")  # parquet's magic
    assert main(["export", str(runs[0]), "-o", str(runs[0] / "x.parquet"), "--force"]) == 2
    assert "inside the run folder" in capsys.readouterr().err
    assert not (runs[0] / "x.parquet").exists()
