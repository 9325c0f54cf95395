"""Bad input to ``table``, ``report``, ``compare`` and ``check``: one line naming the option or folder,
exit 2, and no file of a run folder written (issue 10 items 10, 11, 14, 16)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from bad_input import assert_one_line_error, tree_digest
from runfolders import write_run
from testkit import harness_cli

Cli = Callable[..., tuple[int, str, str]]
EXAMPLES = [{"id": f"e{i}", "source": f"Source {i}.", "references": [f"R {i}."], "meta": {}} for i in range(4)]


def _run(root: Path, model: str, stamp: str, outputs: list[str] | None = None, rouge: float = 0.3) -> Path:
    return write_run(
        root,
        task="summarise",
        model=model,
        dataset="seed",
        examples=EXAMPLES,
        outputs=outputs or ["out"] * 4,
        scores=[{"rouge1": rouge + 0.01 * i} for i in range(4)],
        signatures={"rouge1": "rouge|stem:yes"},
        stamp=stamp,
    )


@pytest.fixture
def results(tmp_path: Path) -> Path:
    root = tmp_path / "results"
    _run(root, "lead", "2026-01-01/12-00-00")
    _run(root, "t5", "2026-01-01/13-00-00")
    return root


def _set_status(run_dir: Path, status: str, drop: tuple[str, ...] = ()) -> None:
    info = json.loads((run_dir / "run.json").read_text(encoding="utf-8"))
    (run_dir / "run.json").write_text(json.dumps({**info, "status": status}), encoding="utf-8")
    for name in drop:
        (run_dir / name).unlink()


@pytest.mark.parametrize("command", ["table", "report"])
@pytest.mark.parametrize("target", ["metrics.json", "new.html", "sub/new.html"])
def test_output_inside_a_run_folder_is_refused(cli: Cli, results: Path, command: str, target: str) -> None:
    run_dir = next(results.glob("*/*_lead_*"))
    before = tree_digest(results)
    status, stderr, _ = cli(command, str(results), "-o", str(run_dir / target))
    if target.startswith("sub/"):
        assert_one_line_error(status, stderr, f"-o {run_dir / target}", "does not exist")
    else:
        assert_one_line_error(status, stderr, f"-o {run_dir / target}", f"inside the run folder {run_dir}")
    assert tree_digest(results) == before


@pytest.mark.parametrize("command", ["table", "report"])
def test_output_that_is_a_folder_is_refused(cli: Cli, results: Path, tmp_path: Path, command: str) -> None:
    before = tree_digest(tmp_path)
    status, stderr, _ = cli(command, str(results), "-o", str(tmp_path))
    assert_one_line_error(status, stderr, f"-o {tmp_path}", "is a folder")
    assert tree_digest(tmp_path) == before


def test_table_skips_running_and_failed_runs_under_a_root(results: Path, tmp_path: Path) -> None:
    """As a user runs it while a run is going (a subprocess: exit status, stdout and stderr)."""
    running = _run(results, "bart", "2026-01-01/14-00-00")
    _set_status(running, "running", drop=("scores.jsonl", "metrics.json"))
    failed = _run(results, "pegasus", "2026-01-01/15-00-00")
    _set_status(failed, "failed")
    before = tree_digest(results)
    done = harness_cli("table", str(results), check=False)
    assert done.returncode == 0, done.stderr
    assert "lead" in done.stdout and "t5" in done.stdout
    assert "bart" not in done.stdout and "pegasus" not in done.stdout
    skipped = sorted(done.stderr.strip().splitlines())
    assert len(skipped) == 2 and "Traceback" not in done.stderr
    assert f"harness: skipped {running}: status 'running'" in skipped[0]
    assert f"harness: skipped {failed}: status 'failed' (use --include-failed)" in skipped[1]
    shown = harness_cli("table", str(results), "--include-failed", check=False)
    assert "pegasus" in shown.stdout and "bart" not in shown.stdout
    assert tree_digest(results) == before


def test_report_skips_an_interrupted_run(cli: Cli, results: Path, tmp_path: Path) -> None:
    crashed = _run(results, "bart", "2026-01-01/14-00-00")
    _set_status(crashed, "running", drop=("metrics.json",))
    status, stderr, _ = cli("report", str(results), "-o", str(tmp_path / "report.html"))
    assert status == 0 and stderr.strip().splitlines()[0].startswith(f"harness: skipped {crashed}")
    assert "bart" not in (tmp_path / "report.html").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("args", "culprits"),
    [
        (["compare", "{a}", "{b}", "--samples", "0"], ["harness compare: argument --samples", "at least 1"]),
        (
            ["check", "{a}", "--baseline", "{b}/metrics.json", "--alpha", "1.5"],
            ["harness check: argument --alpha", "(0, 1)"],
        ),
        (["check", "{a}", "--baseline", "{b}/metrics.json", "--alpha", "-0.1"], ["argument --alpha", "(0, 1)"]),
        (["table", "{root}", "--sort", "rogue1"], ["--sort rogue1", "no run has this metric", "rouge1"]),
        (["report", "{root}", "--max-examples", "-1"], ["argument --max-examples", "at least 0"]),
    ],
)
def test_a_bad_command_option_is_one_line(
    cli: Cli, results: Path, tmp_path: Path, args: list[str], culprits: list[str]
) -> None:
    a, b = sorted(results.glob("*/*"))
    before = tree_digest(tmp_path)
    status, stderr, _ = cli(*(arg.format(a=a, b=b, root=results) for arg in args))
    assert_one_line_error(status, stderr, *culprits)
    assert tree_digest(tmp_path) == before


def test_markdown_table_escapes_html_of_run_names(cli: Cli, results: Path) -> None:
    _run(results, "<img src=x onerror=alert(1)>", "2026-01-01/16-00-00")
    status, _, out = cli("table", str(results))
    assert status == 0 and "&lt;img src=x" in out and "<img" not in out


def test_compare_markdown_escapes_html_of_outputs(cli: Cli, tmp_path: Path) -> None:
    base = _run(tmp_path, "lead", "2026-01-01/12-00-00", outputs=["plain"] * 4)
    other = _run(tmp_path, "t5", "2026-01-01/13-00-00", outputs=["<script>alert(1)</script>"] * 4, rouge=0.5)
    status, _, out = cli("compare", str(base), str(other), "--trials", "0", "--samples", "10", "--moved-by", "rouge1")
    assert status == 0 and "&lt;script&gt;" in out and "<script>" not in out
