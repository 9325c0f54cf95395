from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from harness.app.cli.main import main
from harness.results.table import filter_runs, group_runs, render_markdown, sort_rows
from harness.runfolder.load import RunFolderError, load_run, load_runs
from runfolders import write_run, write_translation_run

EXAMPLES = [{"id": f"e{i}", "source": f"Source {i}.", "references": [f"R {i}."], "meta": {}} for i in range(4)]


def _run(
    root: Path, model: str, rouge: float, signature: str = "rouge|stem:yes", stamp: str = "2026-01-01/12-00-00"
) -> Path:
    return write_run(
        root,
        task="summarise",
        model=model,
        dataset="seed",
        examples=EXAMPLES,
        outputs=["out"] * 4,
        scores=[{"rouge1": rouge + 0.01 * i} for i in range(4)],
        signatures={"rouge1": signature},
        stamp=stamp,
    )


@pytest.fixture
def results(tmp_path: Path) -> Path:
    _run(tmp_path, "lead", 0.30)
    _run(tmp_path, "t5", 0.40)
    _run(tmp_path, "<b>bart</b>", 0.35)
    _run(tmp_path, "lead", 0.20, signature="rouge|stem:no", stamp="2026-01-02/09-00-00")
    write_translation_run(
        tmp_path,
        model="m",
        sources=["a", "b"],
        references=["x y z", "u v"],
        outputs=["x y", "u v"],
        metrics=("bleu", "ter"),
    )
    return tmp_path


def test_groups_never_mix_datasets_or_signatures(results: Path) -> None:
    groups = group_runs(load_runs([results]))
    assert [(g.task, len(g.rows)) for g in groups] == [("summarise", 3), ("translate", 1), ("summarise", 1)]
    split = groups[2]
    assert split.signatures["rouge1"] == "rouge|stem:no"
    assert any("metric settings differ from group 1" in r and "stem:no" in r for r in split.reasons)
    text = render_markdown(groups)
    assert "never ranked together" in text and "- rouge1: rouge\\|stem:yes" in text


def test_filters_and_sorting(results: Path) -> None:
    runs = load_runs([results])
    assert {r.model for r in filter_runs(runs, model="l*")} == {"lead"}
    assert {r.task for r in filter_runs(runs, dataset="wmt*")} == {"translate"}
    groups = group_runs(filter_runs(runs, task="summarise"))
    sort_rows(groups, "rouge1")
    assert [row.model for row in groups[0].rows] == ["t5", "<b>bart</b>", "lead"]
    sort_rows(groups, "rouge1", reverse=True)
    assert [row.model for row in groups[0].rows] == ["lead", "<b>bart</b>", "t5"]


def test_formats_through_the_cli(results: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["table", str(results), "--task", "summarise", "--format", "csv", "--sort", "rouge1"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [r["model"] for r in rows][:3] == ["t5", "<b>bart</b>", "lead"]
    assert float(rows[0]["rouge1_ci_low"]) <= float(rows[0]["rouge1"]) <= float(rows[0]["rouge1_ci_high"])
    assert main(["table", str(results), "--metrics", "rou*,bl*", "--format", "json"]) == 0
    assert len(json.loads(capsys.readouterr().out)) == 3
    out = tmp_path / "table.html"
    assert main(["table", str(results), "--format", "html", "-o", str(out)]) == 0
    page = out.read_text()
    assert "&lt;b&gt;bart&lt;/b&gt;" in page and "<b>bart" not in page


def test_incomplete_folders_are_named(results: Path) -> None:
    folder = next(results.rglob("run.json")).parent
    (folder / "scores.jsonl").unlink()
    with pytest.raises(RunFolderError, match="missing scores.jsonl"):
        load_run(folder)
    with pytest.raises(RunFolderError, match="not a run folder"):
        load_run(results)


def test_corpus_metrics_without_ci_get_one_from_their_statistics(tmp_path: Path) -> None:
    refs = [f"the cat number {i} sat on the mat" for i in range(30)]
    outputs = [r.replace("mat", "hat") if i % 3 else r for i, r in enumerate(refs)]
    folder = write_translation_run(tmp_path, model="m", sources=refs, references=refs, outputs=outputs)
    metrics_file = folder / "metrics.json"
    data = json.loads(metrics_file.read_text())
    del data["metrics"]["bleu"]["ci"]
    metrics_file.write_text(json.dumps(data))
    (group,) = group_runs(load_runs([folder]))
    bleu = group.rows[0].cells["bleu"]
    low, high = bleu["ci"]
    assert low < bleu["value"] < high
    assert group.rows[0].cells["chrf"]["ci"] == data["metrics"]["chrf"]["ci"]  # stored CIs are kept


@pytest.mark.parametrize(
    ("aggregate", "cell"),
    [
        ({"value": 0.5, "ci": [0.4, 0.6]}, "0.5000 [0.4000, 0.6000]"),
        ({"value": 0.5, "ci": [0.5, 0.5]}, "0.5000"),  # one example: a single-point interval is hidden
        ({"value": 0.5, "ci": [float("nan"), float("nan")]}, "0.5000"),
        ({"value": 0.5, "ci": None}, "0.5000"),
        ({"value": None, "ci": None}, ""),
    ],
)
def test_cells_hide_single_point_and_unknown_intervals(aggregate: dict, cell: str) -> None:
    from harness.runfolder.summary import format_aggregate

    assert format_aggregate(aggregate) == cell


@pytest.mark.parametrize("command", ["table", "compare", "report"])
def test_an_existing_output_file_is_overwritten_only_with_force(
    results: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    taken = tmp_path / "taken.out"
    taken.write_text("keep me", encoding="utf-8")
    folders = [str(path.parent) for path in sorted(results.rglob("run.json"))[:2]]
    runs = folders if command == "compare" else [str(results)]
    assert main([command, *runs, "-o", str(taken)]) == 2
    assert taken.read_text(encoding="utf-8") == "keep me"
    assert f"-o {taken}: already exists; --force overwrites it" in capsys.readouterr().err
    assert main([command, *runs, "-o", str(taken), "--force"]) == 0
    assert taken.read_text(encoding="utf-8") != "keep me"
