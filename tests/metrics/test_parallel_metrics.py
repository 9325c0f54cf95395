"""Scoring in chunks and across processes gives exactly the one-process, one-chunk results."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
import torch
from omegaconf import OmegaConf

from harness.data.example import Example
from harness.metrics.base import Metric, ScoringInput
from harness.metrics.config import MetricsConfig
from harness.metrics.reference_free import ReferenceFreeMetric
from harness.metrics.rouge import RougeMetric
from harness.pipeline.scoring import score_stream
from harness.runfolder.folder import RunFolder
from testkit import FRANK, assert_equal_up_to_floats, read_json, read_jsonl, requires_shared

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


class WhereScored(Metric):
    """Which process scored each input, with how many torch threads, and an optional failure: a
    ValueError on one example, or in any worker, or a worker that dies. Given a ``started`` file, the
    parent waits for a worker to start and then scores slowly, so that both score chunks."""

    name = "where"
    parallel = True

    def __init__(self, started: Path | None, fail: str = "") -> None:
        self.parent, self.started, self.fail = os.getpid(), started, fail

    def __setstate__(self, state: dict[str, Any]) -> None:  # unpickled in a worker as it starts
        self.__dict__.update(state)
        if self.started:
            self.started.touch()

    def signature(self) -> str:
        return "where"

    def score(self, batch: Sequence[ScoringInput]) -> list[dict[str, Any]]:
        import torch  # noqa: F401  (a worker without it yet imports it now, under the thread limit)

        in_worker = os.getpid() != self.parent
        if in_worker and self.fail == "worker dies":
            os._exit(3)
        if in_worker and self.fail == "worker raises":
            raise ValueError(f"cannot score example {batch[0].example.id} in a worker")
        if self.fail.isdigit() and any(item.example.id == self.fail for item in batch):
            raise ValueError(f"cannot score example {self.fail}")
        if self.started and not in_worker:
            deadline = time.monotonic() + 60
            while not self.started.exists() and time.monotonic() < deadline:
                time.sleep(0.01)
            time.sleep(0.02)
        where = "worker" if in_worker else "parent"
        return [{"where": where, "threads": str(sys.modules["torch"].get_num_threads())} for _ in batch]


def items(n: int) -> list[ScoringInput]:
    def text(i: int, k: int) -> str:
        return " ".join(WORDS[(i * j + k) % len(WORDS)] for j in range(8 + i % 5)) + "."

    return [
        ScoringInput(Example(str(i), text(i, 1) + " " + text(i, 2), (text(i, 3),) if i % 7 else ()), text(i, 4))
        for i in range(n)
    ]


def score(
    tmp_path: Path, name: str, workers: int, chunk_size: int, metrics: list[Metric] | None = None, n: int = 400
) -> tuple[dict, list[dict]]:
    cfg = OmegaConf.merge(OmegaConf.structured(MetricsConfig), {"workers": workers, "chunk_size": chunk_size})
    folder = RunFolder(tmp_path / name)
    folder.path.mkdir()
    data = items(n)
    try:
        result = score_stream(
            metrics or [RougeMetric(), LengthSum(), ReferenceFreeMetric()], iter(data), n, folder, cfg
        )
    finally:
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
def test_the_parent_and_a_worker_share_the_chunks_with_a_share_of_the_threads(tmp_path: Path) -> None:
    threads = torch.get_num_threads()
    metrics: list[Metric] = [WhereScored(tmp_path / "started"), RougeMetric()]
    _, records = score(tmp_path, "shared", workers=2, chunk_size=2, metrics=metrics, n=80)
    assert [r["id"] for r in records] == [str(i) for i in range(80)]
    assert {r["details"]["where"] for r in records} == {"parent", "worker"}
    assert {r["details"]["threads"] for r in records} == {str(max(1, threads // 2))}
    assert torch.get_num_threads() == threads  # the parent's own threads are given back
    _, serial = score(tmp_path, "serial", workers=1, chunk_size=80, metrics=[RougeMetric()], n=80)
    assert [r["scores"] for r in records] == [r["scores"] for r in serial]


@pytest.mark.slow
@pytest.mark.parametrize("workers", [1, 2])
def test_an_error_keeps_the_chunks_before_it_as_in_one_process(tmp_path: Path, workers: int) -> None:
    with pytest.raises(ValueError, match="cannot score example 25"):
        score(
            tmp_path,
            "failed",
            workers,
            chunk_size=5,
            metrics=[WhereScored(tmp_path / "started" if workers > 1 else None, "25")],
            n=60,
        )
    written = read_jsonl(tmp_path / "failed" / "scores.jsonl")
    assert [r["id"] for r in written] == [str(i) for i in range(25)]


@pytest.mark.slow
def test_errors_in_workers_are_reported(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"cannot score example \d+ in a worker"):
        score(tmp_path, "raises", 2, chunk_size=2, metrics=[WhereScored(tmp_path / "started", "worker raises")], n=80)
    with pytest.raises(RuntimeError, match="metrics.workers=2: a scoring worker process died"):
        score(tmp_path, "dies", 2, chunk_size=2, metrics=[WhereScored(tmp_path / "started2", "worker dies")], n=80)


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
        # MiniLM sentence embeddings are computed a batch of texts at a time, and which texts share a batch
        # depends on the chunks: float32 sums move in the last bits (within 1e-6), verdicts and flags do not.
        for name, read in (("metrics.json", read_json), ("scores.jsonl", read_jsonl)):
            assert_equal_up_to_floats(read(one / name), read(two / name), 1e-6, name)


FORKED_RUN = """
import json, sys, tempfile
from pathlib import Path
from omegaconf import OmegaConf
from harness.data.example import Example
from harness.metrics.base import ScoringInput
from harness.metrics.config import MetricsConfig
from harness.metrics.rouge import RougeMetric
from harness.runfolder.folder import RunFolder
from harness.pipeline.scoring import score_stream
from harness.pipeline.scoring_pool import _start_context

words = "the cat sat on a mat while dogs barked loudly at night in the old town square".split()
text = lambda i, k: " ".join(words[(i * j + k) % len(words)] for j in range(8 + i % 5))
items = [ScoringInput(Example(str(i), "", (text(i, 1),)), text(i, 2)) for i in range(300)]
print(_start_context([]).get_start_method(), "torch" in sys.modules)
for workers in (1, 2):
    folder = RunFolder(Path(tempfile.mkdtemp()))
    cfg = OmegaConf.merge(OmegaConf.structured(MetricsConfig), {"workers": workers, "chunk_size": 8})
    print(json.dumps(score_stream([RougeMetric()], iter(items), 300, folder, cfg)["metrics"], sort_keys=True))
    folder.close()
"""


@pytest.mark.slow
@pytest.mark.skipif(sys.platform != "linux", reason="workers are forks of the parent on Linux only")
def test_a_process_without_torch_forks_its_workers_with_the_same_results() -> None:
    root = Path(__file__).parents[2]  # the test modules import torch: the run is a script of its own
    env = {**os.environ, "PYTHONPATH": str(root), "HARNESS_PROGRESS": "0"}
    done = subprocess.run([sys.executable, "-c", FORKED_RUN], env=env, capture_output=True, text=True, check=True)
    method, serial, parallel = done.stdout.splitlines()
    assert method == "fork False"
    assert parallel == serial
