from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from harness.app.cli.main import main
from harness.results.gate import (
    BaselineMismatch,
    GateResult,
    check_run,
    read_baseline,
    render_result,
    write_baseline,
)
from harness.runfolder.load import load_run
from runfolders import write_run, write_translation_run
from testkit import ROOT

EXAMPLES = [{"id": f"e{i}", "source": f"Source {i}.", "references": [f"R {i}."], "meta": {}} for i in range(40)]
REFS = [f"the cat number {i} sat on the mat today" for i in range(40)]


def _summary(root: Path, shift: float, stamp: str) -> Path:
    return write_run(
        root,
        task="summarise",
        model="lead",
        dataset="seed",
        examples=EXAMPLES,
        outputs=["out"] * len(EXAMPLES),
        scores=[{"rouge1": 0.3 + 0.005 * (i % 7) + shift} for i in range(len(EXAMPLES))],
        signatures={"rouge1": "rouge|stem:yes"},
        stamp=stamp,
    )


def _translation(root: Path, outputs: list[str], stamp: str) -> Path:
    sources = [f"src {i}" for i in range(len(REFS))]
    return write_translation_run(
        root, model="tiny", sources=sources, references=REFS, outputs=outputs, metrics=("bleu", "ter"), stamp=stamp
    )


def test_passes_on_the_same_run_and_fails_on_a_worsened_one(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = _translation(tmp_path, REFS, "2026-01-01/10-00-00")
    worse = _translation(tmp_path, [r.replace("mat", "hat") for r in REFS], "2026-01-01/11-00-00")
    baseline = tmp_path / "baselines" / "tiny.json"
    assert main(["check", str(good), "--baseline", str(baseline), "--write-baseline"]) == 0
    assert baseline.is_file()
    assert main(["check", str(good), "--baseline", str(baseline)]) == 0
    out = capsys.readouterr().out
    assert "PASS" in out and "Not in the baseline" not in out
    assert main(["check", str(worse), "--baseline", str(baseline)]) == 1
    out = capsys.readouterr().out
    assert "FAIL: bleu fell by" in out and "FAIL: ter fell by" in out
    assert "significantly worse" in out


def test_tolerance_and_significance_rules(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = _summary(tmp_path, 0.0, "2026-01-01/10-00-00")
    slightly_worse = _summary(tmp_path, -0.01, "2026-01-01/11-00-00")
    better = _summary(tmp_path, 0.02, "2026-01-01/12-00-00")
    baseline = tmp_path / "b.json"
    main(["check", str(base), "--baseline", str(baseline), "--write-baseline"])
    # A drop within the tolerance passes, even though it is consistent (and so significant)...
    assert main(["check", str(slightly_worse), "--baseline", str(baseline), "--tolerance", "rouge1=0.05"]) == 0
    assert "significantly worse" not in capsys.readouterr().out
    # ...and beyond it fails, with the paired test's verdict on the drop.
    assert main(["check", str(slightly_worse), "--baseline", str(baseline), "--tolerance", "rouge1=0.005"]) == 1
    out = capsys.readouterr().out
    assert "FAIL: rouge1 fell by 0.0100" in out and "significantly worse (paired bootstrap p = 0.0010" in out
    assert main(["check", str(better), "--baseline", str(baseline)]) == 0
    assert main(["check", str(better), "--baseline", str(baseline), "--any-change"]) == 1
    assert "moved by +0.0200" in capsys.readouterr().out


def test_tolerance_bounds_the_significance_test_on_one_example(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """At n = 1 every resample is the one example (sacrebleu's p-value of any drop would be its
    smallest, 1/(samples+1)): no significance test is run, and the tolerance alone decides."""

    def one(score: float, stamp: str) -> Path:
        return write_run(
            tmp_path,
            task="summarise",
            model="lead",
            dataset="seed",
            examples=EXAMPLES[:1],
            outputs=["out"],
            scores=[{"rouge1": score}],
            signatures={"rouge1": "rouge|stem:yes"},
            stamp=stamp,
        )

    base, tiny_drop = one(0.5, "2026-01-01/10-00-00"), one(0.5 - 1e-9, "2026-01-01/11-00-00")
    baseline = tmp_path / "b.json"
    main(["check", str(base), "--baseline", str(baseline), "--write-baseline"])
    assert main(["check", str(tiny_drop), "--baseline", str(baseline), "--tolerance", "1e-6"]) == 0
    assert "PASS" in capsys.readouterr().out
    assert main(["check", str(tiny_drop), "--baseline", str(baseline)]) == 1
    out = capsys.readouterr().out
    assert "FAIL: rouge1 fell by" in out and "significantly worse" not in out
    assert "| FAIL |" in out and "| too few examples (n = 1 < 6) |" in out


def test_refuses_other_examples_and_missing_baseline(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = _summary(tmp_path, 0.0, "2026-01-01/10-00-00")
    other = _translation(tmp_path, REFS, "2026-01-01/11-00-00")
    baseline = tmp_path / "b.json"
    assert main(["check", str(base), "--baseline", str(baseline)]) == 2
    assert "no baseline file" in capsys.readouterr().err
    main(["check", str(base), "--baseline", str(baseline), "--write-baseline"])
    assert main(["check", str(other), "--baseline", str(baseline)]) == 2
    assert "not run on the baseline's examples" in capsys.readouterr().err
    baseline.write_text("{not json", encoding="utf-8")
    assert main(["check", str(base), "--baseline", str(baseline)]) == 2
    assert capsys.readouterr().err.startswith(f"harness: error: {baseline}: not JSON")


@pytest.mark.parametrize("command", ["table", "compare", "report", "check"])
def test_a_folder_that_is_no_run_is_one_error_line(
    command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = _summary(tmp_path / "runs", 0.0, "2026-01-01/10-00-00")
    empty = tmp_path / "empty"
    empty.mkdir()
    args = {
        "table": [empty],
        "compare": [base, empty],
        "report": [empty, "-o", tmp_path / "r.html"],
        "check": [empty, "--baseline", tmp_path / "b.json"],
    }[command]
    assert main([command, *map(str, args)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("harness: error: ") and str(empty) in err and err.count("\n") == 1
    assert not (tmp_path / "r.html").exists()


def test_gate_on_real_runs(run_eval, tmp_path: Path) -> None:
    """The runner's own run folders: a run passes against its own baseline, and the same data with
    deliberately worsened outputs (second halves dropped) fails."""
    rows = [
        {
            "id": f"r{i}",
            "text": f"Story {i}: the council of town {i} approved a budget of {i} million on Monday.",
            "ref": f"Town {i} council approved a {i} million budget on Monday.",
        }
        for i in range(12)
    ]
    data = tmp_path / "data.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    dataset = [
        "dataset=files",
        f"dataset.path={data}",
        "dataset.source_column=text",
        "dataset.reference_column=ref",
        "dataset.id_column=id",
        "metrics.names=[rouge]",
    ]

    def predictions(name: str, outputs: list[str]) -> Path:
        path = tmp_path / f"{name}.jsonl"
        path.write_text(
            "".join(json.dumps({"id": r["id"], "output": o}) + "\n" for r, o in zip(rows, outputs, strict=True))
        )
        return run_eval("model=predictions", f"model.path={path}", *dataset)

    good = predictions("good", [r["ref"] for r in rows])
    worse = predictions("worse", [" ".join(r["ref"].split()[:4]) for r in rows])
    baseline = tmp_path / "baseline.json"
    assert main(["check", str(good), "--baseline", str(baseline), "--write-baseline"]) == 0
    assert main(["check", str(good), "--baseline", str(baseline), "--any-change"]) == 0
    assert main(["check", str(worse), "--baseline", str(baseline), "--tolerance", "0.01"]) == 1


def _scores(root: Path, values: dict[str, list[float]], stamp: str, signature: str = "s") -> Path:
    n = len(next(iter(values.values())))
    return write_run(
        root,
        task="summarise",
        model="lead",
        dataset="seed",
        examples=EXAMPLES[:n],
        outputs=["o"] * n,
        scores=[{name: column[i] for name, column in values.items()} for i in range(n)],
        signatures={name: signature for name in values},
        stamp=stamp,
    )


def _gate(run: Path, baseline: Path, **options: object) -> GateResult:
    return check_run(load_run(run), read_baseline(baseline), **options)  # type: ignore[arg-type]


def test_python_api_defaults_and_lower_is_better_metrics(tmp_path: Path) -> None:
    """Defaults: tolerance 0, alpha 0.05, no any_change. A contradiction rate falling is better."""
    base = _scores(tmp_path, {"rouge1": [0.5] * 10, "facts.contradiction_rate": [0.3] * 10}, "2026-01-01/10-00-00")
    better = _scores(tmp_path, {"rouge1": [0.6] * 10, "facts.contradiction_rate": [0.2] * 10}, "2026-01-01/11-00-00")
    worse = _scores(
        tmp_path, {"rouge1": [0.5] * 10, "facts.contradiction_rate": [0.3] * 9 + [0.31]}, "2026-01-01/12-00-00"
    )
    baseline = write_baseline(load_run(base), tmp_path / "deep" / "er" / "b.json")  # folders made as needed
    assert _gate(better, baseline).passed
    result = _gate(worse, baseline)
    assert [c.failures for c in result.checks] == [
        [],
        ["facts.contradiction_rate fell by 0.0010 (0.3000 -> 0.3010; tolerance 0)"],
    ]  # not significant
    assert 0.05 < result.checks[1].p_value < 0.5
    assert _gate(worse, baseline, alpha=result.checks[1].p_value).checks[1].failures[1:] == []  # p < alpha, strictly
    assert "significantly worse" in _gate(worse, baseline, alpha=0.5).checks[1].failures[1]
    assert not _gate(better, baseline, any_change=True).passed


def test_report_of_missing_changed_and_unchecked_metrics(tmp_path: Path) -> None:
    base = _scores(tmp_path, {"rouge1": [0.5, 0.6], "rouge2": [0.2, 0.3]}, "2026-01-01/10-00-00")
    same = _scores(tmp_path, {"rouge1": [0.5, 0.6], "rouge2": [0.2, 0.3]}, "2026-01-01/11-00-00")
    other = _scores(
        tmp_path, {"rouge1": [0.4, 0.6], "rouge2": [float("nan")] * 2, "bleu": [1.0, 2.0]}, "2026-01-01/12-00-00"
    )
    baseline = write_baseline(load_run(base), tmp_path / "b.json")
    unchanged = render_result(_gate(same, baseline))
    assert "| rouge1 | 0.5500 | 0.5500 | +0.0000 | 0 | too few examples (n = 2 < 6) | ok |" in unchanged
    assert unchanged.rstrip().endswith("PASS") and "Not in the baseline" not in unchanged
    result = _gate(other, baseline)
    assert result.checks[1].change is None or math.isnan(result.checks[1].change)
    text = render_result(result)
    assert "| rouge1 | 0.5500 | 0.5000 | -0.0500 | 0 | " in text and "| FAIL |" in text
    assert "FAIL: rouge2: missing from the run" in text
    assert "Not in the baseline, so not checked: bleu" in text
    lacking = _scores(tmp_path, {"rouge1": [0.5, 0.6]}, "2026-01-01/13-00-00")
    check = _gate(lacking, baseline).checks[1]
    assert (check.value, check.change, check.failures) == (None, None, ["rouge2: missing from the run"])
    assert "| rouge2 | 0.2500 |  |  | 0 |  | FAIL |" in render_result(_gate(lacking, baseline))


def test_other_metric_settings_or_a_malformed_file_cannot_be_checked(tmp_path: Path) -> None:
    base = _scores(tmp_path, {"rouge1": [0.5, 0.6]}, "2026-01-01/10-00-00")
    other = _scores(tmp_path, {"rouge1": [0.5, 0.6]}, "2026-01-01/11-00-00", signature="rouge|stem:no")
    baseline = write_baseline(load_run(base), tmp_path / "b.json")
    with pytest.raises(BaselineMismatch, match=r"metric settings differ: rouge1: `rouge\|stem:no` vs baseline `s`"):
        _gate(other, baseline)
    for text in ("[]", '{"format": "other"}'):
        baseline.write_text(text, encoding="utf-8")
        with pytest.raises(BaselineMismatch, match="not a harness-baseline/1 file"):
            read_baseline(baseline)


def test_committed_baselines_identify_the_seed_examples_as_runs_do(run_eval) -> None:
    """The examples' identity (16-hex hashes) must stay as the committed baselines recorded it."""
    run = load_run(run_eval("model=lead", "metrics.names=[rouge]"))
    baseline = read_baseline(ROOT / "results" / "baselines" / "lead_seed.json")
    result = check_run(run, baseline)  # raises BaselineMismatch when the identities differ
    assert {c.name: c.failures for c in result.checks}["rouge1"] == []


def test_a_descriptive_statistic_is_never_worse_but_any_change_still_sees_it_move(tmp_path: Path) -> None:
    """``length`` declares no direction: a longer or shorter output is no regression (a drop of 1.0 in
    either direction passes), while ``any_change`` fails on its move as on any other."""
    from harness.metrics.reference_free import ReferenceFreeMetric

    def declared(folder: Path) -> Path:
        metrics = json.loads((folder / "metrics.json").read_text(encoding="utf-8"))
        meta = ReferenceFreeMetric().key_meta("length")
        assert meta is not None
        metrics["metrics"]["length"].update(meta.fields())
        (folder / "metrics.json").write_text(json.dumps(metrics), encoding="utf-8")
        return folder

    base = declared(_scores(tmp_path, {"length": [10.0] * 10}, "2026-01-01/10-00-00"))
    baseline = write_baseline(load_run(base), tmp_path / "b.json")
    for stamp, length in (("11-00-00", 9.0), ("12-00-00", 11.0)):
        run = declared(_scores(tmp_path, {"length": [length] * 10}, f"2026-01-01/{stamp}"))
        assert _gate(run, baseline).passed, _gate(run, baseline).checks
        assert [f.split(" (")[0] for f in _gate(run, baseline, any_change=True).checks[0].failures] == [
            f"length moved by {length - 10:+.4f}"
        ]
