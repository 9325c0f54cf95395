"""Per-stage and per-metric timings: in run.json, in summary.md and in `harness table --timings`."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from harness.pipeline.timing import Timings
from testkit import harness_cli, read_json

CHEAP = ("model=lead", "dataset=seed", "debug=fast", "metrics.bootstrap_samples=200")


@pytest.mark.slow
@pytest.mark.parametrize("workers", [1, 2])
def test_run_json_says_where_the_time_went(run_eval: Callable[..., Path], workers: int) -> None:
    folder = run_eval(*CHEAP, f"metrics.workers={workers}", "metrics.chunk_size=1")
    info = read_json(folder / "run.json")
    stages, metrics = info["timings"]["stages"], info["timings"]["metrics"]
    assert list(stages) == ["load", "generate", "score", "bootstrap", "write"]
    assert list(metrics) == ["rouge", "reference_free"]
    assert all(seconds > 0 for seconds in [*stages.values(), *metrics.values()])
    assert sum(stages.values()) <= info["wall_seconds"]
    if workers == 1:  # in one process the metrics' time is part of the scoring stage
        assert sum(metrics.values()) <= stages["score"]
    summary = (folder / "summary.md").read_text(encoding="utf-8")
    assert "## Where the time went" in summary
    assert (
        f"| metric rouge | {metrics['rouge']:.2f} |" in summary
        and f"| bootstrap | {stages['bootstrap']:.2f} |" in summary
    )


@pytest.mark.slow
def test_table_shows_timings(run_eval: Callable[..., Path]) -> None:
    folder = run_eval(*CHEAP)
    info = read_json(folder / "run.json")
    markdown = harness_cli("table", str(folder.parent.parent), "--timings").stdout
    header, _, row = markdown.splitlines()[:3]
    assert header.split(" | ")[:5] == ["| run", "model", "n", "wall_s", "examples_per_s"]
    assert "generate_s" in header and "rouge_s" in header
    assert row.startswith(f"| {folder.name} | lead | {info['dataset']['n_examples']} | {info['wall_seconds']:.2f} |")
    rows = json.loads(harness_cli("table", str(folder), "--timings", "--format", "json").stdout)
    assert rows[0]["rouge_s"] == info["timings"]["metrics"]["rouge"]
    refused = harness_cli("table", str(folder), "--timings", "--format", "html", check=False)
    assert refused.returncode == 2 and "--timings" in refused.stderr


def test_timings_add_up_per_stage_and_metric() -> None:
    timings = Timings()
    with timings.stage("score"):
        pass
    timings.add_stage("score", 1.0)
    timings.add_metric("rouge", 0.5)
    timings.add_metric("rouge", 0.25)
    assert timings.as_dict()["metrics"] == {"rouge": 0.75}
    assert 1.0 <= timings.as_dict()["stages"]["score"] < 1.1
