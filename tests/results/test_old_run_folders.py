"""A run folder written before issue 26 moved every module (tests/golden/lead-seed-195288d: ``model=lead
dataset=seed`` at 195288d) still loads in every command that reads run folders."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from harness.app.view.index import ExamplesIndex, Query
from harness.runfolder.load import load_runs
from testkit import ROOT, read_json

OLD_RUN = ROOT / "tests" / "golden" / "lead-seed-195288d"


@pytest.fixture
def old_run(tmp_path: Path) -> Path:
    """A copy, so that a command that wrote into the folder would show in the comparison below."""
    return Path(shutil.copytree(OLD_RUN, tmp_path / "lead-seed-195288d"))


def test_table_compare_check_report_and_export_read_it(cli, old_run: Path, tmp_path: Path) -> None:
    status, err, out = cli("table", str(old_run))
    assert (status, err) == (0, "") and "lead" in out and "rouge" in out
    status, err, out = cli("compare", str(old_run), str(old_run))
    assert status == 0, err
    baseline = tmp_path / "baseline.json"
    assert cli("check", str(old_run), "--baseline", str(baseline), "--write-baseline")[0] == 0
    assert cli("check", str(old_run), "--baseline", str(baseline), "--any-change", "--tolerance", "1e-6")[0] == 0
    assert cli("report", str(old_run), "-o", str(tmp_path / "report.html"))[0] == 0
    assert cli("export", str(old_run), "--format", "jsonl", "-o", str(tmp_path / "rows.jsonl"))[0] == 0
    assert "Russia" in (tmp_path / "rows.jsonl").read_text(encoding="utf-8")
    for name in ("run.json", "metrics.json", "scores.jsonl", "predictions.jsonl", "config.yaml"):
        assert (old_run / name).read_bytes() == (OLD_RUN / name).read_bytes(), name


def test_the_viewer_indexes_it() -> None:
    [run] = load_runs([OLD_RUN])
    page = ExamplesIndex([run], ["old"]).page(Query(sort="rouge1"))
    rouge1 = read_json(OLD_RUN / "metrics.json")["metrics"]["rouge1"]["value"]
    assert page.total == 1 and page.rows[0].scores["rouge1"] == rouge1
