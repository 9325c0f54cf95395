"""Where a run writes, gone wrong: a damaged cache file, an output folder that cannot be made, a full disk, a
damaged line in a run folder. One line naming the file (and the option), no orphan run folder, and
``error`` recorded in a run.json that exists (issue 25 item 4)."""

from __future__ import annotations

import errno
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from bad_input import assert_one_line_error, tree_digest
from testkit import read_json, run_harness

Cli = Callable[..., tuple[int, str, str]]
QUICK = ("model=lead", "dataset=seed", "metrics.bootstrap_samples=10")


DAMAGED_CACHES = [
    ("scores.sqlite", ["metrics.names=[rouge]"], "run.cache_dir"),
    ("scores.sqlite", ["metrics.names=[reference_free]"], "run.cache_dir"),  # a run that uses no cached metric
    ("generations.sqlite", ["model=tiny_t5", "metrics.names=[reference_free]"], "run.cache_dir"),
    (
        "judge.sqlite",
        ["+judge=geval", "metrics.names=[llm_judge]", "metrics.llm_judge.backend.model_name=m"],
        "metrics.llm_judge.cache_dir",
    ),
]


@pytest.mark.parametrize(
    ("name", "overrides", "option"), DAMAGED_CACHES, ids=[f"{c[0]}-{c[1][-1]}" for c in DAMAGED_CACHES]
)
def test_a_damaged_cache_is_one_line_naming_it(
    cli: Cli, tmp_path: Path, name: str, overrides: list[str], option: str
) -> None:
    """Truncated to 100 bytes: one line naming the file and its option, whether or not the run's metrics
    use the cache, and no run folder left with only its config.yaml."""
    cache = tmp_path / "cache"
    run_harness(tmp_path / "first", *QUICK, "model=tiny_t5", "metrics.names=[rouge]", f"run.cache_dir={cache}")
    damaged = cache / name
    if not damaged.exists():  # the judge's is made by a judge run: any SQLite file of the cache stands in
        damaged.write_bytes((cache / "scores.sqlite").read_bytes())
    damaged.write_bytes(damaged.read_bytes()[:100])
    for other in cache.glob(f"{name}-*"):  # its WAL and shared-memory files
        other.unlink()
    before = _without_locks(tree_digest(tmp_path))
    results = tmp_path / "results"
    status, stderr, _ = cli("run", *QUICK, f"run.output_root={results}", f"run.cache_dir={cache}", *overrides)
    assert_one_line_error(status, stderr, str(damaged), option, "not a SQLite database")
    assert _without_locks(tree_digest(tmp_path)) == before and not results.exists()


def _without_locks(digest: dict[str, str]) -> dict[str, str]:
    """The caches' empty lock files come and go with any run that opens them."""
    return {name: sha for name, sha in digest.items() if not name.endswith(".lock")}


@pytest.mark.parametrize("where", ["sys", "file"])
def test_an_output_root_that_cannot_be_made_is_one_line(cli: Cli, tmp_path: Path, where: str) -> None:
    (tmp_path / "taken").write_text("a file\n", encoding="utf-8")
    root = Path("/sys/harness-results") if where == "sys" else tmp_path / "taken" / "results"
    before = tree_digest(tmp_path)
    status, stderr, _ = cli("run", *QUICK, "metrics.names=[rouge]", f"run.output_root={root}")
    assert_one_line_error(status, stderr, "run.output_root", str(root))
    assert tree_digest(tmp_path) == before


@pytest.mark.parametrize("where", ["sys", "file"])
def test_a_cache_dir_that_cannot_be_made_leaves_no_run_folder(cli: Cli, tmp_path: Path, where: str) -> None:
    (tmp_path / "taken").write_text("a file\n", encoding="utf-8")
    cache = Path("/sys/harness-cache") if where == "sys" else tmp_path / "taken" / "cache"
    results = tmp_path / "results"
    status, stderr, _ = cli(
        "run", *QUICK, "metrics.names=[rouge]", f"run.output_root={results}", f"run.cache_dir={cache}"
    )
    assert_one_line_error(status, stderr, "run.cache_dir", str(cache))
    assert not results.exists()


def test_a_full_disk_is_one_line_and_recorded_in_run_json(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from harness.runfolder.folder import RunFolder

    def full(self: RunFolder, name: str, records: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device", str(self.path / name))

    monkeypatch.setattr(RunFolder, "append_jsonl", full)
    results = tmp_path / "results"
    status, stderr, _ = cli("run", *QUICK, "metrics.names=[rouge]", f"run.output_root={results}", "run.cache=false")
    line = assert_one_line_error(status, stderr, "No space left on device", str(results), code=1)
    (run_dir,) = results.glob("*/*")
    info = read_json(run_dir / "run.json")
    assert info["status"] == "failed" and info["error"] == line.removeprefix("harness: error: ")


def test_a_failure_of_any_kind_is_recorded_in_run_json(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``status: failed`` came with ``error: null`` for anything but a failed run as a whole."""
    import harness.pipeline.runner

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the scorer broke")

    monkeypatch.setattr(harness.pipeline.runner, "score_run", broken)
    with pytest.raises(RuntimeError):
        run_harness(tmp_path / "results", *QUICK, "metrics.names=[rouge]", "run.cache=false")
    (run_dir,) = (tmp_path / "results").glob("*/*")
    info = read_json(run_dir / "run.json")
    assert info["status"] == "failed" and info["error"] == "RuntimeError: the scorer broke"


def test_a_damaged_middle_line_of_predictions_names_file_and_line(cli: Cli, tmp_path: Path) -> None:
    data = tmp_path / "data.jsonl"
    data.write_text(
        "".join(
            json.dumps({"source": f"Story {i} starts. It ends.", "reference": f"Story {i}."}) + "\n" for i in range(3)
        ),
        encoding="utf-8",
    )
    results = tmp_path / "results"
    common = ("model=lead", "dataset=files", f"dataset.path={data}", "metrics.names=[rouge]", "run.cache=false")
    run_dir = run_harness(results, *common)
    info = read_json(run_dir / "run.json")
    (run_dir / "run.json").write_text(json.dumps({**info, "status": "running"}), encoding="utf-8")
    predictions = run_dir / "predictions.jsonl"
    lines = predictions.read_text(encoding="utf-8").splitlines(keepends=True)
    assert len(lines) >= 3
    lines[1] = lines[1][: len(lines[1]) // 2] + "\n"
    predictions.write_text("".join(lines), encoding="utf-8")
    before = tree_digest(tmp_path)
    status, stderr, _ = cli("run", *common, f"run.output_root={results}", "run.resume=auto")
    assert_one_line_error(status, stderr, f"{predictions} line 2", "not JSON")
    assert tree_digest(tmp_path) == before  # nothing lost: not metrics.json, not the damaged file
