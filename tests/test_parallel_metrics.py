"""Scoring in chunks and across processes gives exactly the one-process, one-chunk results."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from omegaconf import OmegaConf

from conftest import FRANK, read_json, read_jsonl, requires_shared
from harness.data.example import Example
from harness.metrics.base import Metric, ScoringInput
from harness.metrics.config import MetricsConfig
from harness.metrics.reference_free import ReferenceFreeMetric
from harness.metrics.rouge import RougeMetric
from harness.runfolder.folder import RunFolder
from harness.scoring import score_stream

WORDS = "the cat sat on a mat while dogs barked loudly at night in the old town square".split()


class LengthSum(Metric):
    """A serial metric with a corpus score from the default fold (all inputs at the end)."""

    name = "length_sum"

    def signature(self) -> str:
        return "length-sum"

    def score(self, batch: Sequence[ScoringInput]) -> list[dict[str, Any]]:
        return [{"chars": float(len(item.output)), "note": item.output[:3]} for item in batch]

    def corpus(self, batch: Sequence[ScoringInput]) -> dict[str, float]:
        return {"total_chars": float(sum(len(item.output) for item in batch))}


def items(n: int) -> list[ScoringInput]:
    def text(i: int, k: int) -> str:
        return " ".join(WORDS[(i * j + k) % len(WORDS)] for j in range(8 + i % 5)) + "."

    return [
        ScoringInput(Example(str(i), text(i, 1) + " " + text(i, 2), (text(i, 3),) if i % 7 else ()), text(i, 4))
        for i in range(n)
    ]


def score(tmp_path: Path, name: str, workers: int, chunk_size: int) -> tuple[dict, list[dict]]:
    cfg = OmegaConf.merge(OmegaConf.structured(MetricsConfig), {"workers": workers, "chunk_size": chunk_size})
    folder = RunFolder(tmp_path / name)
    folder.path.mkdir()
    metrics = [RougeMetric(), LengthSum(), ReferenceFreeMetric()]
    data = items(400)
    result = score_stream(metrics, iter(data), len(data), folder, cfg)
    folder.close()
    return dict(result), read_jsonl(folder.path / "scores.jsonl")


@pytest.mark.slow
def test_parallel_equals_serial(tmp_path: Path) -> None:
    serial, serial_scores = score(tmp_path, "serial", workers=1, chunk_size=1000)
    parallel, parallel_scores = score(tmp_path, "parallel", workers=2, chunk_size=32)
    assert parallel == serial
    assert parallel_scores == serial_scores
    assert [r["id"] for r in serial_scores] == [str(i) for i in range(400)]
    assert serial["metrics"]["total_chars"]["corpus"] is True and serial["n_scored"] == 400
    assert serial["metrics"]["rouge1"]["n"] == len([i for i in range(400) if i % 7])


@pytest.mark.slow
def test_parallel_run_matches_serial_run(run_eval, tmp_path: Path) -> None:
    data = tmp_path / "d.jsonl"
    rows = [f'{{"source": "{x.example.source}", "reference": "{x.output}"}}\n' for x in items(120)]
    data.write_text("".join(rows), encoding="utf-8")
    common = ("model=lead", "dataset=files", f"dataset.path={data}", "debug=fast")
    one = run_eval(*common, "metrics.workers=1")
    two = run_eval(*common, "metrics.workers=2", "metrics.chunk_size=16")
    assert read_json(one / "metrics.json") == read_json(two / "metrics.json")
    assert read_jsonl(one / "scores.jsonl") == read_jsonl(two / "scores.jsonl")


@requires_shared
@pytest.mark.slow
def test_fact_checks_in_parallel_equal_serial(run_eval) -> None:
    frank = (
        "model=predictions",
        "model.column=summary",
        "dataset=frank",
        f"dataset.path={FRANK}",
        "+dataset.where.system=bart",
        "metrics.names=[auto_facts]",
    )
    seed = ("model=lead", "metrics.names=[facts]")
    for config in (frank, seed):
        one = run_eval(*config, "metrics.workers=1")
        two = run_eval(*config, "metrics.workers=2", "metrics.chunk_size=8")
        assert read_json(one / "metrics.json") == read_json(two / "metrics.json")
        assert read_jsonl(one / "scores.jsonl") == read_jsonl(two / "scores.jsonl")
