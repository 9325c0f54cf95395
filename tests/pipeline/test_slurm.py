"""The Slurm path for real: a throwaway one-node cluster (``slurm_cluster.py``) runs sharded sweeps as
array jobs through the ``slurm`` launcher preset; the merged shards equal the unsharded run, a failing
job is reported with its log, and a cancelled job is finished with ``run.resume``."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_launchers import sweep_runs

from harness.pipeline.merge import merge_runs
from slurm_cluster import PARTITION, SlurmCluster, missing_programs, slurm_cluster
from testkit import ROOT, harness_cli, read_json, read_jsonl
from testkit import missing as requires_programs

SLURM = (
    "-m",
    "hydra/launcher=slurm",
    f"hydra.launcher.partition={PARTITION}",
    "hydra.launcher.cpus_per_task=1",
    "hydra.launcher.mem_gb=1",
    "hydra.launcher.timeout_min=10",
)
# A job may take its 10 minutes (hydra.launcher.timeout_min) on a busy machine, after the cluster starts.
pytestmark = pytest.mark.timeout(1200)


@pytest.fixture(scope="module")
def cluster() -> Iterator[SlurmCluster]:
    missing = missing_programs()
    if missing:
        requires_programs(
            f"{', '.join(missing)} (a Slurm cluster needs slurm-wlm and munge)", "apt-get install -y slurm-wlm munge"
        )
    if os.geteuid() != 0:
        pytest.skip("the throwaway Slurm cluster runs its daemons as root (SlurmUser=root) and munged as munge")
    # Not under pytest's 0700 tmp folders: munged runs as the munge user and must reach its socket's folder.
    root = Path(tempfile.mkdtemp(prefix="harness-slurm-"))
    with slurm_cluster(root) as running:
        yield running
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def on_cluster(cluster: SlurmCluster, monkeypatch: pytest.MonkeyPatch) -> SlurmCluster:
    """Commands of this test (``harness_cli``) talk to the cluster; each test starts with it idle."""
    monkeypatch.setenv("SLURM_CONF", str(cluster.conf))
    cluster.wait_until_idle()
    return cluster


def write_rows(path: Path, n: int) -> Path:
    rows = [
        {
            "source": f"Story {i} starts here. Officials met {i} times in May. Talks ended late on Friday.",
            "reference": f"Officials met {i} times.",
        }
        for i in range(n)
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def array_logs(output_root: Path) -> list[Path]:
    """The Slurm logs (stderr) of a sweep's array tasks."""
    return sorted(output_root.glob(".multirun/*/.submitit/*_*/*_log.err"))


def assert_merge_equals_whole(shards: list[Path], whole: Path, tmp_path: Path) -> None:
    merged = merge_runs(shards, tmp_path / "merged")
    assert read_json(merged / "metrics.json") == read_json(whole / "metrics.json")
    assert read_jsonl(merged / "scores.jsonl") == read_jsonl(whole / "scores.jsonl")
    assert read_jsonl(merged / "examples.jsonl") == read_jsonl(whole / "examples.jsonl")


@pytest.mark.slow
def test_summarisation_sharded_into_four_array_tasks_merges_to_the_unsharded_run(
    on_cluster: SlurmCluster, run_eval, tmp_path: Path
) -> None:
    data = write_rows(tmp_path / "d.jsonl", 14)
    common = ("model=lead", "dataset=files", f"dataset.path={data}", "debug=fast")
    harness_cli(
        "run",
        *SLURM,
        *common,
        "dataset.num_shards=4",
        "dataset.shard_index=range(4)",
        f"run.output_root={tmp_path / 'sharded'}",
    )
    shards = sweep_runs(tmp_path / "sharded")
    assert [read_json(s / "run.json")["dataset"]["n_examples"] for s in shards] == [4, 4, 3, 3]
    assert len({log.parent.name.split("_")[0] for log in array_logs(tmp_path / "sharded")}) == 1  # one array job
    assert len(array_logs(tmp_path / "sharded")) == 4
    assert_merge_equals_whole(shards, run_eval(*common), tmp_path)


@pytest.mark.slow
def test_translation_sharded_into_four_array_tasks_merges_to_the_unsharded_run(
    on_cluster: SlurmCluster, run_eval, tmp_path: Path
) -> None:
    def lines(name: str, texts: list[str]) -> Path:
        (tmp_path / name).write_text("".join(f"{t}\n" for t in texts), encoding="utf-8")
        return tmp_path / name

    source = lines("src.en", [f"The council met {i} times in May." for i in range(10)])
    reference = lines("ref.es", [f"El consejo se reunió {i} veces en mayo." for i in range(10)])
    outputs = lines("sys.es", [f"El consejo se reunió {i} veces." for i in range(10)])
    common = (
        "task=translate",
        "task.target_lang=es",
        "dataset=parallel_text",
        f"dataset.source={source}",
        f"dataset.references=[{reference}]",
        "model=predictions",
        f"model.path={outputs}",
        "metrics.names=[bleu,chrf,ter]",
    )
    harness_cli(
        "run",
        *SLURM,
        *common,
        "dataset.num_shards=4",
        "dataset.shard_index=range(4)",
        f"run.output_root={tmp_path / 'sharded'}",
    )
    shards = sweep_runs(tmp_path / "sharded")
    assert [read_json(s / "run.json")["dataset"]["n_examples"] for s in shards] == [3, 3, 2, 2]
    assert len(array_logs(tmp_path / "sharded")) == 4
    assert_merge_equals_whole(shards, run_eval(*common), tmp_path)


@pytest.mark.slow
def test_a_failing_job_is_reported_with_its_error_and_slurm_log(on_cluster: SlurmCluster, tmp_path: Path) -> None:
    good, bad = write_rows(tmp_path / "good.jsonl", 2), tmp_path / "missing.jsonl"
    result = harness_cli(
        "run",
        *SLURM,
        "model=lead",
        "dataset=files",
        f"dataset.path={good},{bad}",
        "metrics.names=[rouge]",
        f"run.output_root={tmp_path}",
        check=False,
    )
    assert result.returncode == 2
    assert "| summarise_lead_files dataset.path=" in result.stdout  # the good job's run is still shown
    (line,) = [line for line in result.stderr.splitlines() if line.startswith("harness: error:")]
    log = next(log for log in array_logs(tmp_path) if log.name.endswith("_1_0_log.err"))
    job = log.parent.name
    assert line == (
        f"harness: error: job {job} (dataset.path={bad}) failed: dataset.path: {bad} does not exist (log: {log})"
    )
    assert f"harness: error: dataset.path: {bad} does not exist" in log.read_text(encoding="utf-8")
    assert "Traceback" not in result.stderr


@pytest.mark.slow
def test_a_shard_cancelled_by_slurm_is_finished_with_resume(on_cluster: SlurmCluster, tmp_path: Path) -> None:
    """``scancel`` kills the task mid-run (SIGTERM, then SIGKILL after KillWait); the same command for that
    shard with ``run.resume=auto`` generates only the missing examples."""
    data = write_rows(tmp_path / "d.jsonl", 1200)  # a shard of 600: seconds of work left when scancel lands
    common = (
        "model=tiny_t5",
        "dataset=files",
        f"dataset.path={data}",
        "metrics.names=[rouge]",
        "run.chunk_size=2",
        "dataset.num_shards=2",
        "dataset.shard_index=1",
        f"run.output_root={tmp_path}",
    )
    launcher = subprocess.Popen(
        [sys.executable, "-m", "harness", "run", *SLURM, *common],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=on_cluster.env,
    )
    try:
        predictions = wait_for_predictions(tmp_path, launcher)
        on_cluster.command("scancel", f"--partition={PARTITION}")
        on_cluster.wait_until_idle()
    finally:  # without job accounting submitit cannot tell that the job is gone: stop waiting for it
        launcher.terminate()
        launcher.wait(timeout=30)
    run_dir = predictions.parent
    done_before = read_jsonl(predictions)
    assert read_json(run_dir / "run.json")["status"] == "running" and 0 < len(done_before) < 600

    harness_cli("run", *SLURM, *common, "run.resume=auto")
    info = read_json(run_dir / "run.json")
    assert info["status"] == "complete" and len(info["resumed"]) == 1
    finished = read_jsonl(run_dir / "predictions.jsonl")
    assert sorted(int(p["id"]) for p in finished) == list(range(600, 1200))
    assert finished[: len(done_before)] == done_before  # finished examples were not generated again
    assert read_json(run_dir / "metrics.json")["n_scored"] == 600
    assert [p.parent for p in tmp_path.glob("*/*/run.json")] == [run_dir]  # no second run folder


def wait_for_predictions(output_root: Path, launcher: subprocess.Popen[bytes], timeout: float = 120) -> Path:
    """The running job's predictions file, once it holds a first chunk."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert launcher.poll() is None, "the launcher exited before the job wrote predictions"
        for path in output_root.glob("*/*/predictions.jsonl"):
            if path.stat().st_size:
                return path
        time.sleep(0.1)
    raise AssertionError(f"no predictions under {output_root} after {timeout:.0f} s")
