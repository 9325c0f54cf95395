"""``harness table --format latex|markdown``: best per column in bold by the metric's direction, CIs as
±, significance markers against a named baseline run; LaTeX checked against a golden file."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from harness.app.cli.main import main
from runfolders import write_run, write_translation_run

GOLDEN = Path(__file__).parents[1] / "golden" / "paper_table.tex"
EXAMPLES = [{"id": f"e{i:02d}", "source": f"Source {i}.", "references": [f"R {i}."], "meta": {}} for i in range(20)]
SEED_RUN: dict[str, Any] = {"task": "summarise", "dataset": "seed", "examples": EXAMPLES}


def _run(root: Path, model: str, rouge: float, contradictions: float, stamp: str) -> Path:
    return write_run(
        root,
        **SEED_RUN,
        model=model,
        outputs=["o"] * 20,
        scores=[
            {"rouge1": rouge + 0.01 * (i % 5), "facts.contradiction_rate": contradictions * (i % 2)} for i in range(20)
        ],
        signatures={"rouge1": "rouge|stem:yes", "facts.contradiction_rate": "facts|v2"},
        stamp=f"2026-01-01/{stamp}",
    )


@pytest.fixture
def results(tmp_path: Path) -> dict[str, Path]:
    root = tmp_path / "results"
    runs = {
        "lead": _run(root, "lead", 0.30, 0.2, "12-00-00"),
        "same": _run(root, "lead_copy", 0.30, 0.2, "12-01-00"),  # identical to the baseline: never marked
        "better": _run(root, "t5_small & co", 0.31, 0.2, "12-02-00"),  # rouge1 +0.01 on every example
        "bart": _run(root, "bart", 0.45, 0.5, "12-03-00"),
    }
    runs["wmt"] = write_translation_run(
        root,
        model="marian",
        sources=["a", "b", "c"],
        references=["x y z", "u v", "p q r s"],
        outputs=["x y", "u v", "p q r"],
        metrics=("bleu", "ter"),
    )
    return runs


def _table(results: dict[str, Path], output_format: str, capsys: pytest.CaptureFixture[str], *extra: str) -> str:
    code = main(
        [
            "table",
            str(results["lead"].parents[1]),
            "--format",
            output_format,
            "--baseline",
            str(results["lead"]),
            *extra,
        ]
    )
    assert code == 0
    return capsys.readouterr().out


def test_latex_matches_the_golden_file(results: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    latex = _table(results, "latex", capsys)
    if os.environ.get("HARNESS_UPDATE_GOLDEN") == "1":
        GOLDEN.write_text(latex, encoding="utf-8")
    assert latex == GOLDEN.read_text(encoding="utf-8"), "HARNESS_UPDATE_GOLDEN=1 rewrites it after a deliberate change"


def test_bold_markers_and_directions(results: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    markdown = _table(results, "markdown", capsys)
    first_group = markdown.split("## Group 2")[0]
    rows = {
        line.split(" | ")[0].strip("| "): line.split(" | ")[1:]
        for line in first_group.splitlines()
        if line.startswith("| ")
    }
    assert rows["model"] == ["rouge1 ↑", "facts.contradiction_rate ↓ |"]
    assert rows["lead (baseline)"] == ["0.320 ± 0.006", "**0.100** ± 0.035 |"]  # lowest contradiction rate: bold
    assert rows["lead_copy"] == ["0.320 ± 0.006", "**0.100** ± 0.035 |"]  # identical: p = 1/1001 but no marker
    assert rows["t5_small &amp; co"] == ["0.330 ± 0.006 †", "**0.100** ± 0.035 |"]
    assert rows["bart"] == ["**0.470** ± 0.006 †", "0.250 ± 0.088 † |"]
    assert "† differs from lead: paired bootstrap p < 0.05 (1000 resamples, seed 12345)" in markdown
    assert "No significance markers: the baseline run is not in this group." in markdown  # the translation group
    latex = _table(results, "latex", capsys)
    daggers = [line.count(r"$^\dagger$") for line in latex.splitlines() if line.endswith(r"\\")]
    assert daggers == [0, 0, 0, 1, 2, 0, 0]  # header, lead, copy, t5, bart; translation header, marian
    assert r"t5\_small \& co" in latex


def test_alpha_zero_marks_nothing(results: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    markdown = _table(results, "markdown", capsys, "--alpha", "0")
    assert "†" not in markdown and "No significance markers (--alpha 0)." in markdown


def test_bad_baselines(results: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = str(results["lead"].parents[1])
    other = _run(tmp_path / "elsewhere", "x", 0.1, 0.1, "09-00-00")
    assert main(["table", str(results["bart"]), "--format", "latex", "--baseline", str(other)]) == 2
    assert "--baseline" in capsys.readouterr().err
    assert main(["table", root, "--baseline", str(results["lead"])]) == 2
    assert "needs --format latex or markdown" in capsys.readouterr().err


def test_the_direction_comes_from_the_declared_metadata(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``latency`` says nothing by its name; its aggregate declares lower is better, so the lowest is bold."""
    folders = [_run(tmp_path / "results", m, r, 0.1, s) for m, r, s in (("a", 0.2, "10-00-00"), ("b", 0.4, "11-00-00"))]
    for folder in folders:
        metrics = json.loads((folder / "metrics.json").read_text(encoding="utf-8"))
        metrics["metrics"]["latency"] = {
            **metrics["metrics"]["rouge1"],
            "signature": "latency",
            "higher_is_better": False,
        }
        (folder / "metrics.json").write_text(json.dumps(metrics), encoding="utf-8")
    assert main(["table", str(tmp_path / "results"), "--format", "markdown", "--metrics", "latency"]) == 0
    rows = [line for line in capsys.readouterr().out.splitlines() if line.startswith("| ")]
    assert rows[0] == "| model | latency ↓ |"
    assert rows[1:] == ["| a | **0.220** ± 0.006 |", "| b | 0.420 ± 0.006 |"]


def test_runs_of_too_few_examples_get_no_markers(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The seed's one example: every difference would get sacrebleu's smallest p-value; none is marked."""
    folders = [
        write_run(
            tmp_path / "results",
            **(SEED_RUN | {"examples": EXAMPLES[:1]}),
            model=model,
            outputs=["o"],
            scores=[{"rouge1": rouge}],
            signatures={"rouge1": "rouge|stem:yes"},
            stamp=f"2026-01-01/{stamp}",
        )
        for model, rouge, stamp in (("lead", 0.3, "10-00-00"), ("bart", 0.5, "11-00-00"))
    ]
    for output_format in ("markdown", "latex"):
        argv = ["table", str(tmp_path / "results"), "--format", output_format, "--baseline", str(folders[0])]
        assert main(argv) == 0
        out = capsys.readouterr().out
        rows = [line for line in out.splitlines() if line.startswith("| ") or line.endswith("\\\\")]
        assert len(rows) == 3 and not any("†" in row or "dagger" in row for row in rows)
        less_than = "<" if output_format == "markdown" else r"\textless{}"
        assert f"No markers for rouge1: too few examples (n = 1 {less_than} 6)." in out


def test_descriptive_keys_have_no_direction(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``length`` (and the other reference-free statistics) describes an output, it is not better
    high or low: as the metric declares it, no arrow in the header and no value bold as best."""
    from harness.metrics.reference_free import ReferenceFreeMetric

    folders = [_run(tmp_path / "results", m, r, 0.1, s) for m, r, s in (("a", 0.2, "10-00-00"), ("b", 0.4, "11-00-00"))]
    for folder in folders:
        metrics = json.loads((folder / "metrics.json").read_text(encoding="utf-8"))
        for key in ("length", "coverage", "novel_1gram"):
            declared = ReferenceFreeMetric().key_meta(key)
            assert declared is not None
            metrics["metrics"][key] = {**metrics["metrics"]["rouge1"], "signature": key, **declared.fields()}
        (folder / "metrics.json").write_text(json.dumps(metrics), encoding="utf-8")
    assert main(["table", str(tmp_path / "results"), "--format", "markdown", "--metrics", "length,cov*,novel*"]) == 0
    rows = [line for line in capsys.readouterr().out.splitlines() if line.startswith("| ")]
    assert rows[0] == "| model | length | coverage | novel_1gram |"
    assert rows[1:] == ["| a" + " | 0.220 ± 0.006" * 3 + " |", "| b" + " | 0.420 ± 0.006" * 3 + " |"]
