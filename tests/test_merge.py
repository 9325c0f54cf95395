"""Sharding (``dataset.num_shards``/``shard_index``) and ``harness merge``: the joined run equals the unsharded one."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import harness_cli, read_json, read_jsonl
from harness.data.sharding import shard_bounds
from harness.results.merge import MergeError, merge_runs

FAST = "metrics.names=[rouge,reference_free]"


def test_shard_bounds_tile_the_range() -> None:
    for n in (0, 1, 7, 10):
        for shards in (1, 3, 4):
            bounds = [shard_bounds(n, shards, i) for i in range(shards)]
            assert bounds[0][0] == 0 and bounds[-1][1] == n
            assert all(a[1] == b[0] for a, b in zip(bounds, bounds[1:]))
            assert max(b - a for a, b in bounds) - min(b - a for a, b in bounds) <= 1
    with pytest.raises(ValueError, match="dataset.shard_index=3"):
        shard_bounds(10, 3, 3)


@pytest.fixture
def data(tmp_path: Path) -> Path:
    rows = [{"source": f"Story {i} starts. Officials met {i} times. Talks ended late.", "reference": f"Officials met {i} times."}
            for i in range(23)]
    path = tmp_path / "d.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_merged_shards_equal_the_unsharded_run(run_eval, data: Path, tmp_path: Path) -> None:
    common = ("model=lead", "dataset=files", f"dataset.path={data}", "dataset.limit=20", FAST)
    whole = run_eval(*common)
    shards = [run_eval(*common, "dataset.num_shards=3", f"dataset.shard_index={i}") for i in (2, 0, 1)]
    assert [read_json(s / "run.json")["dataset"]["n_examples"] for s in shards] == [6, 7, 7]
    assert read_json(shards[1] / "run.json")["dataset"]["shard_index"] == 0
    merged = merge_runs(shards, tmp_path / "merged")
    assert read_json(merged / "metrics.json") == read_json(whole / "metrics.json")
    for name in ("examples.jsonl", "scores.jsonl"):
        assert read_jsonl(merged / name) == read_jsonl(whole / name)
    info, whole_info = read_json(merged / "run.json"), read_json(whole / "run.json")
    assert info["dataset"] == whole_info["dataset"] and info["status"] == "complete"
    assert info["merged_from"] == [read_json(shards[i] / "run.json")["run_id"] for i in (1, 2, 0)]
    assert read_json(merged / "run.json")["model"] == whole_info["model"]


def test_merge_refuses_missing_incomplete_or_foreign_shards(run_eval, data: Path) -> None:
    common = ("model=lead", "dataset=files", f"dataset.path={data}", FAST, "dataset.num_shards=2")
    first, second = (run_eval(*common, f"dataset.shard_index={i}") for i in (0, 1))
    other = run_eval(*common, "dataset.shard_index=1", "model.k=1")
    with pytest.raises(MergeError, match=r"shards \[1\] are not among"):
        merge_runs([first])
    with pytest.raises(MergeError, match="differs"):
        merge_runs([first, other])
    info = read_json(second / "run.json")
    (second / "run.json").write_text(json.dumps({**info, "status": "failed"}), encoding="utf-8")
    with pytest.raises(MergeError, match="the run is failed; finish it first"):
        merge_runs([first, second])


def test_merge_command_line(run_eval, data: Path, tmp_path: Path) -> None:
    common = ("model=lead", "dataset=files", f"dataset.path={data}", FAST, "dataset.num_shards=2")
    shards = [str(run_eval(*common, f"dataset.shard_index={i}")) for i in (0, 1)]
    result = harness_cli("merge", *shards, "--output-root", str(tmp_path / "joined"))
    assert "| lead_files |" in result.stdout.replace("summarise_", "") and "run folder:" in result.stdout
    failed = harness_cli("merge", shards[0], check=False)
    assert failed.returncode == 2 and "harness: error:" in failed.stderr
