"""Hydra launchers as the distributed engine: joblib and submitit_local sweeps run for real; the Slurm
presets are checked as far as a machine without Slurm allows (composition and the launcher's settings)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.app.hydra_app import RUN_POINTER
from harness.pipeline.merge import merge_runs
from testkit import harness_cli, read_json


def sweep_runs(root: Path) -> list[Path]:
    pointers = sorted(root.glob(f".multirun/*/*/{RUN_POINTER}"), key=lambda p: int(p.parent.name))
    return [Path(json.loads(p.read_text(encoding="utf-8"))["run_dir"]) for p in pointers]


@pytest.mark.slow
def test_joblib_runs_shards_in_parallel_and_merge_equals_the_whole(tmp_path: Path) -> None:
    data = tmp_path / "d.jsonl"
    data.write_text(
        "".join(
            json.dumps({"source": f"Item {i} here. It rained {i} days.", "reference": f"Rain {i}."}) + "\n"
            for i in range(9)
        ),
        encoding="utf-8",
    )
    common = [
        "model=lead",
        "dataset=files",
        f"dataset.path={data}",
        "debug=fast",
        f"run.cache_dir={tmp_path / 'cache'}",
    ]
    harness_cli(
        "run",
        "-m",
        "hydra/launcher=joblib",
        "hydra.launcher.n_jobs=2",
        *common,
        "dataset.num_shards=2",
        "dataset.shard_index=0,1",
        f"run.output_root={tmp_path / 'sharded'}",
    )
    shards = sweep_runs(tmp_path / "sharded")
    assert len(shards) == 2 and all(read_json(s / "run.json")["status"] == "complete" for s in shards)
    whole = Path(
        harness_cli("run", *common, f"run.output_root={tmp_path / 'whole'}").stdout.split("run folder: ")[-1].strip()
    )
    merged = merge_runs(shards)
    assert read_json(merged / "metrics.json") == read_json(whole / "metrics.json")


@pytest.mark.slow
def test_submitit_local_sweep(tmp_path: Path) -> None:
    result = harness_cli(
        "run",
        "-m",
        "hydra/launcher=submitit_local",
        "model=lead,textrank",
        "debug=fast",
        f"run.output_root={tmp_path}",
        f"run.cache_dir={tmp_path / 'cache'}",
    )
    runs = sweep_runs(tmp_path)
    assert [r.name.split("_", 2)[2] for r in runs] == ["lead_seed", "textrank_seed"]
    assert all(read_json(r / "metrics.json")["n_scored"] == 1 for r in runs)
    assert "model=textrank" in result.stdout and list(tmp_path.glob(".multirun/*/.submitit"))


@pytest.mark.parametrize(("launcher", "timeout"), [("submitit_slurm", 60), ("slurm", 720)])
def test_slurm_launchers_compose(launcher: str, timeout: int) -> None:
    result = harness_cli("run", f"hydra/launcher={launcher}", "hydra.launcher.partition=cpu", "--cfg", "hydra")
    assert "hydra_submitit_launcher.submitit_launcher.SlurmLauncher" in result.stdout
    assert f"timeout_min: {timeout}" in result.stdout and "partition: cpu" in result.stdout


@pytest.mark.slow
def test_a_failed_submitit_job_is_reported_with_its_log(tmp_path: Path) -> None:
    """Bad input inside a cluster job: one line naming the job, the culprit and the job's log; exit 2."""
    missing = tmp_path / "missing.jsonl"
    result = harness_cli(
        "run",
        "-m",
        "hydra/launcher=submitit_local",
        "dataset=files",
        f"dataset.path={missing}",
        "debug=fast",
        f"run.output_root={tmp_path}",
        check=False,
    )
    (log,) = tmp_path.glob(".multirun/*/.submitit/*/*_log.err")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines()[-1] == (
        f"harness: error: job {log.parent.name} failed: dataset.path: {missing} does not exist (log: {log})"
    )
