"""Streaming: examples are built lazily from the dataset, and a run's memory does not grow with the
number of outputs beyond the per-example numbers that must be aggregated."""

from __future__ import annotations

import json
import tracemalloc
from pathlib import Path

import pytest

from harness.core.task import TaskSpec
from harness.data.columns import TableExamples
from harness.data.loading import load_examples
from testkit import compose_config, read_jsonl


def write_dataset(path: Path, n: int, words: int = 250) -> Path:
    with path.open("w", encoding="utf-8") as stream:
        for i in range(n):
            body = " ".join(f"w{(i * 31 + j) % 997}" for j in range(words))
            row = {
                "source": f"Doc {i} begins. {body}. It ends.",
                "reference": f"Doc {i} w{i % 997}.",
                "summary": f"Doc {i} begins with w{i % 997} and ends.",
            }
            stream.write(json.dumps(row) + "\n")
    return path


def test_table_examples_stream_and_index_alike(tmp_path: Path) -> None:
    data = write_dataset(tmp_path / "d.jsonl", 10, words=5)
    cfg = compose_config(["dataset=files", f"dataset.path={data}", "dataset.num_shards=3", "dataset.shard_index=1"])
    examples = load_examples(cfg.dataset, TaskSpec())
    assert isinstance(examples, TableExamples) and len(examples) == 3
    assert [e.id for e in examples] == ["4", "5", "6"]  # ids number rows as in the whole dataset
    assert list(examples) == examples[:] and examples[-1].source.startswith("Doc 6 begins")
    assert [e.meta["row"] for e in examples] == [4, 5, 6]


@pytest.mark.slow
def test_peak_memory_does_not_grow_with_the_outputs(run_eval, tmp_path: Path) -> None:
    """3x the examples may add only the per-example bookkeeping (score columns, the id -> offset index
    of predictions.jsonl), far less than the examples and outputs themselves. Rows stream from
    ``datasets`` in batches of 1,000, so both sizes fill whole batches. Each file is converted to
    Arrow (``datasets`` reads JSON in blocks of up to 10 MB) before the measured run."""

    def peak(n: int) -> int:
        data = write_dataset(tmp_path / f"d{n}.jsonl", n)
        load_examples(compose_config(["dataset=files", f"dataset.path={data}"]).dataset, TaskSpec())
        tracemalloc.start()
        try:
            run_dir = run_eval(
                "model=predictions",
                "model.column=summary",
                "dataset=files",
                f"dataset.path={data}",
                "metrics.names=[]",
                "metrics.bootstrap_samples=2",
                "run.chunk_size=100",
            )
            measured = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()  # only cleanup here: an assert would hide the run's own error
        assert len(read_jsonl(run_dir / "scores.jsonl")) == n
        return measured

    peak(100)  # warm-up: imports, compiled regexes, datasets' caches
    small, large = peak(1000), peak(3000)
    cfg = compose_config(["dataset=files", f"dataset.path={tmp_path / 'd3000.jsonl'}", "dataset.limit=2000"])
    tracemalloc.start()
    held = list(load_examples(cfg.dataset, TaskSpec()))  # what a list of the 2,000 extra examples costs
    materialised = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    assert len(held) == 2000
    print(f"peak {small} B at 1,000 examples, {large} B at 3,000; 2,000 examples held: {materialised} B")
    assert large - small < materialised / 5


@pytest.mark.slow
def test_progress_bars_follow_harness_progress(run_eval, monkeypatch, capsys) -> None:
    monkeypatch.setenv("HARNESS_PROGRESS", "1")
    run_eval("model=lead", "metrics.names=[reference_free]")
    shown = capsys.readouterr().err
    assert "generate: 100%" in shown and "score: 100%" in shown and "ex/s" in shown
    monkeypatch.setenv("HARNESS_PROGRESS", "0")
    run_eval("model=lead", "metrics.names=[reference_free]")
    assert "generate" not in capsys.readouterr().err
