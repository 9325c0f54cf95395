"""Crash-resume: a run killed with SIGKILL part way is finished by ``run.resume`` with no duplicate, no lost
line and the metrics of an uninterrupted run; failed examples are retried; ``run.max_error_rate``."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
import torch

from harness.core.errors import RunFailed
from harness.data.example import Example
from harness.models.base import Generation
from harness.models.lead import LeadModel
from harness.models.registry import MODELS
from harness.pipeline.resume import ResumeError
from harness.runfolder.folder import RunFolderError
from testkit import ROOT, harness_cli, read_json, read_jsonl

FAILING: set[str] = set()  # ids the flaky backend fails on


@MODELS.register("flaky_lead")
class FlakyLead(LeadModel):
    """Lead-3 that fails on the ids in :data:`FAILING`, as a remote model with timeouts would."""

    def generate(self, examples: Sequence[Example]) -> list[Generation]:
        outputs = super().generate(examples)
        return [
            Generation(None, error="TimeoutError: no answer") if e.id in FAILING else g
            for e, g in zip(examples, outputs, strict=True)
        ]


def write_dataset(path: Path, n: int) -> Path:
    rows = [
        {
            "id": f"doc{i}",
            "source": f"Report {i} opens here. The council met on day {i % 9}. It voted {i % 4} times. "
            f"Nothing else happened.",
            "reference": f"The council met on day {i % 9} and voted.",
        }
        for i in range(n)
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def only_run(root: Path) -> Path:
    [run_dir] = [p.parent for p in root.glob("*/*/run.json")]
    return run_dir


@pytest.fixture
def one_torch_thread() -> Iterator[None]:
    """Tiny-model generation is fastest (and steady on a busy machine) with one thread."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.mark.slow
def test_kill_9_then_resume_equals_an_uninterrupted_run(tmp_path: Path, run_eval, one_torch_thread: None) -> None:
    n = 200
    data = write_dataset(tmp_path / "d.jsonl", n)
    config = [
        "model=tiny_t5",
        "model.batch_size=1",
        "model.num_beams=1",
        "model.max_new_tokens=4",
        "model.min_new_tokens=4",
        "dataset=files",
        f"dataset.path={data}",
        "dataset.id_column=id",
        "debug=fast",
        "run.chunk_size=4",
        f"run.cache_dir={tmp_path / 'cache'}",
    ]
    root = tmp_path / "killed"
    env = {**os.environ, "HARNESS_PROGRESS": "0", "HF_HUB_OFFLINE": "1", "OMP_NUM_THREADS": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "harness", "run", *config, f"run.output_root={root}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 120
    predictions: list[Path] = []
    while time.monotonic() < deadline and process.poll() is None:
        predictions = list(root.glob("*/*/predictions.jsonl"))
        if predictions and predictions[0].read_bytes().count(b"\n") >= 40:
            break
        time.sleep(0.02)
    assert process.poll() is None, f"the run ended before it could be killed: {process.stderr.read()}"
    process.send_signal(signal.SIGKILL)
    process.wait(30)
    process.stderr.close()

    run_dir = only_run(root)
    assert read_json(run_dir / "run.json")["status"] == "running"
    before = (run_dir / "predictions.jsonl").read_text(encoding="utf-8")
    kept = before[: before.rfind("\n") + 1]  # complete lines; a torn last line is dropped on resume
    done = kept.count("\n")
    assert 40 <= done < n

    harness_cli("run", *config, f"run.output_root={root}", f"run.resume={run_dir}")
    assert only_run(root) == run_dir
    info = read_json(run_dir / "run.json")
    assert info["status"] == "complete" and len(info["resumed"]) == 1
    assert info["cache"]["hits"] + info["cache"]["misses"] == n - done  # finished examples were not redone
    final = (run_dir / "predictions.jsonl").read_text(encoding="utf-8")
    assert final.startswith(kept)
    records = read_jsonl(run_dir / "predictions.jsonl")
    assert [r["id"] for r in records] == [f"doc{i}" for i in range(n)]
    assert [r["id"] for r in read_jsonl(run_dir / "examples.jsonl")] == [f"doc{i}" for i in range(n)]

    uninterrupted = run_eval(*config, "run.cache=false")
    assert read_json(run_dir / "metrics.json") == read_json(uninterrupted / "metrics.json")

    def outputs(rows: list[dict]) -> list[tuple]:
        return [(r["id"], r["source_hash"], r["output"], r["truncated"], r["error"]) for r in rows]

    assert outputs(records) == outputs(read_jsonl(uninterrupted / "predictions.jsonl"))  # seconds differ
    assert read_jsonl(run_dir / "scores.jsonl") == read_jsonl(uninterrupted / "scores.jsonl")


def test_failures_fail_the_run_past_max_error_rate_and_are_retried_on_resume(run_eval, tmp_path: Path) -> None:
    data = write_dataset(tmp_path / "d.jsonl", 10)
    config = [
        "model=lead",
        "model.backend=flaky_lead",
        "dataset=files",
        f"dataset.path={data}",
        "dataset.id_column=id",
        "debug=fast",
        "run.cache=false",
        "run.chunk_size=3",
        "run.max_error_rate=0.1",
    ]
    FAILING.update({"doc2", "doc5"})
    try:
        with pytest.raises(
            RunFailed,
            match=r"2 of 10 examples failed \(20.0% > run.max_error_rate=10.0%\): "
            r"2 x TimeoutError: no answer",
        ):
            run_eval(*config)
    finally:
        FAILING.clear()
    run_dir = only_run(tmp_path / "results")
    info = read_json(run_dir / "run.json")
    assert info["status"] == "failed" and "run.resume=" in info["error"]
    assert sum(r["error"] is not None for r in read_jsonl(run_dir / "predictions.jsonl")) == 2

    assert run_eval(*config, f"run.resume={run_dir}") == run_dir
    records = read_jsonl(run_dir / "predictions.jsonl")
    assert sorted(r["id"] for r in records) == sorted(f"doc{i}" for i in range(10))
    assert [r["id"] for r in records][-2:] == ["doc2", "doc5"]  # retried examples come last
    assert all(r["error"] is None for r in records)
    clean = run_eval(*config[:-1])
    assert read_json(run_dir / "metrics.json") == read_json(clean / "metrics.json")
    assert "error" not in read_json(run_dir / "run.json")


def test_auto_resume_repairs_a_torn_line_and_finishes_the_newest_incomplete_run(run_eval, tmp_path: Path) -> None:
    data = write_dataset(tmp_path / "d.jsonl", 12)
    config = ["model=lead", "dataset=files", f"dataset.path={data}", "debug=fast", "run.chunk_size=5"]
    complete = run_eval(*config)
    expected = read_json(complete / "metrics.json")
    crashed = run_eval(*config)  # then made to look as if killed while writing line 8
    lines = (crashed / "predictions.jsonl").read_text(encoding="utf-8").splitlines(keepends=True)
    (crashed / "predictions.jsonl").write_text("".join(lines[:7]) + lines[7][:20], encoding="utf-8")
    for name in ("scores.jsonl", "summary.md"):
        (crashed / name).unlink()
    info = read_json(crashed / "run.json")
    (crashed / "run.json").write_text(json.dumps({**info, "status": "running"}), encoding="utf-8")

    assert run_eval(*config, "run.resume=auto") == crashed
    assert [r["id"] for r in read_jsonl(crashed / "predictions.jsonl")] == [str(i) for i in range(12)]
    assert read_json(crashed / "metrics.json") == expected
    assert run_eval(*config, "run.resume=auto") not in (crashed, complete)  # nothing left to resume: a new run


def test_resume_refuses_another_config_changed_data_or_a_complete_run(run_eval, tmp_path: Path) -> None:
    data = write_dataset(tmp_path / "d.jsonl", 4)
    config = ["model=lead", "dataset=files", f"dataset.path={data}", "debug=fast"]
    run_dir = run_eval(*config)
    with pytest.raises(ResumeError, match="already complete"):
        run_eval(*config, f"run.resume={run_dir}")
    info = read_json(run_dir / "run.json")
    (run_dir / "run.json").write_text(json.dumps({**info, "status": "failed"}), encoding="utf-8")
    with pytest.raises(ResumeError, match=r"model.k \(3 there, 2 now\)"):
        run_eval(*config, "model.k=2", f"run.resume={run_dir}")
    write_dataset(data, 5)
    with pytest.raises(ResumeError, match="the dataset has changed since the run started"):
        run_eval(*config, f"run.resume={run_dir}")


def test_auto_resume_picks_the_newest_of_several_incomplete_runs(run_eval, tmp_path: Path) -> None:
    data = write_dataset(tmp_path / "d.jsonl", 6)
    config = ["model=lead", "dataset=files", f"dataset.path={data}", "debug=fast"]
    newest = run_eval(*config)
    older = newest.parents[1] / "2000-01-01" / newest.name
    shutil.copytree(newest, older)
    for folder in (newest, older):
        info = read_json(folder / "run.json")
        (folder / "run.json").write_text(json.dumps({**info, "status": "running"}), encoding="utf-8")
    assert run_eval(*config, "run.resume=auto") == newest
    assert read_json(older / "run.json")["status"] == "running"


def test_configs_compare_resolved_and_differences_are_named(tmp_path: Path) -> None:
    from harness.app.hydra_app import compose_config
    from harness.pipeline.resume import _differences, comparable, find_resumable

    cfg = compose_config(["task=translate", "task.target_lang=pl", "model=m2m100_418m"])
    assert comparable(cfg)["model"]["tgt_lang_code"] == "pl"  # interpolations resolved, as config.yaml holds them
    assert _differences({"a": {"b": 1}, "c": 2}, {"a": None, "c": 2}) == ["a ({'b': 1} there, None now)"]
    folder = tmp_path / "half"
    folder.mkdir()
    (folder / "run.json").write_text("{}", encoding="utf-8")
    with pytest.raises(RunFolderError, match=re.escape(f"run.resume={folder}: not a run folder (no config.yaml)")):
        find_resumable(compose_config([f"run.resume={folder}"]))
