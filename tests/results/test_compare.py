from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from harness.results.compare import Comparison, IncomparableRuns, compare_runs, render_markdown
from harness.runfolder.load import load_run
from runfolders import wmt17_systems, write_run, write_translation_run, write_wmt17_runs
from testkit import WMT17, harness_cli, requires_wmt17

AR_TRIALS = 1000  # sacrebleu's default is 10000; both sides use this smaller count


def _sacrebleu_table(args: list[str]) -> dict[str, list[dict[str, str]]]:
    """Parse sacrebleu's multi-system text table: system -> per metric column {score, mean, ci, p}."""
    output = subprocess.run(
        [sys.executable, "-m", "sacrebleu", *args, "-q", "--no-color", "-f", "text", "-w", "4"],
        capture_output=True,
        text=True,
        check=True,
        env={k: v for k, v in os.environ.items() if k != "SACREBLEU_SEED"},  # its default seed
    ).stdout
    rows: dict[str, list[dict[str, str]]] = {}
    current = ""
    for line in output.splitlines():
        if not line.startswith("│"):
            continue
        name, *cells = (part.strip() for part in line.strip("│").split("│"))
        if name == "System":
            continue
        if name:
            current = name.removeprefix("Baseline: ")
            rows[current] = []
            for cell in cells:
                match = re.fullmatch(r"([\d.]+)(?: \(([\d.]+) ± ([\d.]+)\))?", cell)
                assert match, cell
                rows[current].append({"score": match[1], "mean": match[2], "ci": match[3]})
        else:
            for column, cell in zip(rows[current], cells, strict=True):
                column["p"] = re.fullmatch(r"\(p = ([\d.]+)\)\*?", cell)[1]  # type: ignore[index]
    return rows


def _assert_matches_sacrebleu(comparison: Comparison, files: list[Path], metrics: list[str], ar_trials: int) -> None:
    """Scores, bootstrap means and CIs and both p-values equal sacrebleu's to its 4 printed decimals,
    with ``files[0]`` the baseline and ``comparison.runs`` in the order of ``files[1:]``."""
    ref = str(WMT17 / "newstest2017.ref.de")
    inputs = [ref, "-i", *map(str, files), "-m", *metrics]
    bs = _sacrebleu_table([*inputs, "--paired-bs", "--paired-bs-n", str(comparison.bootstrap_samples)])
    ar = _sacrebleu_table([*inputs, "--paired-ar", "--paired-ar-n", str(ar_trials)])
    by_name = {m.name: m for m in comparison.metrics}
    for column, name in enumerate(metrics):
        ours, baseline = by_name[name], bs[str(files[0])][column]
        assert ours.n == 3004 and len(ours.systems) == len(files) - 1
        assert f"{ours.baseline:.4f}" == baseline["score"], name
        assert f"{ours.baseline_mean:.4f}" == baseline["mean"], name
        assert f"{ours.baseline_ci:.4f}" == baseline["ci"], name
        for system, file in zip(ours.systems, files[1:], strict=True):
            theirs = bs[str(file)][column]
            where = f"{name} {file.name}"
            assert f"{system.score:.4f}" == theirs["score"], where
            assert f"{system.mean:.4f}" == theirs["mean"], where
            assert f"{system.ci:.4f}" == theirs["ci"], where
            assert f"{system.p_bootstrap:.4f}" == theirs["p"], where
            assert f"{system.p_ar:.4f}" == ar[str(file)][column]["p"], where


@pytest.mark.slow
@requires_wmt17
def test_wmt17_compare_matches_sacrebleu_paired_tests(tmp_path: Path) -> None:
    """All 16 WMT17 en-de systems, baseline LIUM-NMT: BLEU against ``sacrebleu --paired-bs`` and
    ``--paired-ar`` on the same files with the same seed. The run folders come from the run-folder
    writer, whose statistics equal the runner's (see the next test), to keep this within a minute."""
    systems = wmt17_systems()
    assert len(systems) == 16
    order = ["LIUM-NMT"] + [name for name in systems if name != "LIUM-NMT"]
    folders = write_wmt17_runs(tmp_path)
    comparison = compare_runs([load_run(folders[name]) for name in order], bootstrap_samples=1000, ar_trials=AR_TRIALS)
    assert comparison.runs == order[1:]  # runs are labelled by model where that tells them apart
    _assert_matches_sacrebleu(comparison, [systems[name] for name in order], ["bleu"], AR_TRIALS)
    text = render_markdown(comparison)
    assert "seed 12345" in text and "1000 samples" in text and f"{AR_TRIALS} trials" in text


@pytest.mark.slow
@requires_wmt17
def test_compare_on_runner_runs(run_eval: Callable[..., Path], tmp_path: Path) -> None:
    """Three WMT17 systems through the runner (model=predictions, dataset=parallel_text): compare
    equals sacrebleu on BLEU and chrF, from the command line too, and the runner's sentence
    statistics equal those of the run-folder writer that the 16-system test uses."""
    systems = wmt17_systems()
    names = ["LIUM-NMT", "online-A", "KIT"]
    ref = WMT17 / "newstest2017.ref.de"
    folders = [
        run_eval(
            "task=translate",
            "task.target_lang=de",
            "model=predictions",
            f"model.path={systems[name]}",
            "dataset=parallel_text",
            f"dataset.references=[{ref}]",
            "metrics.names=[bleu]",
        )
        for name in names
    ]
    runs = [load_run(folder) for folder in folders]
    comparison = compare_runs(runs, bootstrap_samples=1000, ar_trials=AR_TRIALS)
    _assert_matches_sacrebleu(comparison, [systems[name] for name in names], ["bleu", "chrf"], AR_TRIALS)

    printed = harness_cli("compare", *map(str, folders), "--trials", str(AR_TRIALS)).stdout
    assert f"predictions:{systems['KIT'].name} | 26.0760 | 26.0763 ± 0.6667 |" in printed
    assert "seed 12345" in printed and "Examples that moved most on sentence_bleu" in printed

    lines = ref.read_text(encoding="utf-8").splitlines()
    written = write_translation_run(
        tmp_path / "written",
        model="LIUM-NMT",
        sources=[""] * len(lines),
        references=lines,
        outputs=systems["LIUM-NMT"].read_text(encoding="utf-8").splitlines(),
        metrics=("bleu", "chrf"),
    )
    for ours, runner in zip(load_run(written).scores, runs[0].scores, strict=True):
        stats = runner["details"]["sacrebleu_stats"]
        assert ours["details"]["sacrebleu_stats"] == {"bleu": stats["bleu"], "chrf": stats["chrf"]}


def _summary_examples() -> list[dict[str, Any]]:
    return [{"id": f"e{i}", "source": f"Source {i}.", "references": [f"Ref {i}."], "meta": {}} for i in range(6)]


def _facts(verdicts: dict[str, str]) -> dict[str, Any]:
    return {
        "facts.verdicts": [
            {"fact_id": fid, "kind": "number", "verdict": v, "span": None, "text": f"fact {fid}"}
            for fid, v in verdicts.items()
        ]
    }


def _summary_run(root: Path, model: str, rouge: list[float], verdict: str, signature: str = "rouge|stem:yes") -> Path:
    examples = _summary_examples()
    return write_run(
        root,
        task="summarise",
        model=model,
        dataset="seed",
        examples=examples,
        outputs=[f"{model} summary {i} | `x`" for i in range(len(examples))],
        scores=[{"rouge1": r} for r in rouge],
        details=[_facts({"f1": verdict, "f2": "supported"}) for _ in examples],
        signatures={"rouge1": signature},
    )


def test_compare_mean_metrics_movers_and_flips(tmp_path: Path) -> None:
    a = _summary_run(tmp_path, "lead", [0.3, 0.4, 0.5, 0.2, 0.3, 0.4], "supported")
    b = _summary_run(tmp_path, "t5", [0.3, 0.1, 0.5, 0.2, 0.35, 0.4], "contradicted")
    comparison = compare_runs([load_run(a), load_run(b)], bootstrap_samples=200, ar_trials=200, seed=1)
    (rouge,) = comparison.metrics
    (delta,) = rouge.systems
    assert delta.delta == pytest.approx((-0.3 + 0.05) / 6)
    assert delta.delta_ci[0] <= delta.delta <= delta.delta_ci[1]
    moved = comparison.moved["t5"]
    assert [m.id for m in moved] == ["e1", "e4"]
    assert moved[0].delta == pytest.approx(-0.3)
    flips = comparison.flips["t5"]
    assert {(f.id, f.fact_id, f.before, f.after) for f in flips} == {
        (f"e{i}", "f1", "supported", "contradicted") for i in range(6)
    }
    text = render_markdown(comparison)
    assert "seed 1" in text and "200 samples" in text and "200 trials" in text
    assert "\\|" in text  # untrusted output cannot break the table
    assert json.loads(comparison.to_json())["flips"]["t5"][0]["after"] == "contradicted"


def test_different_signatures_are_not_compared(tmp_path: Path) -> None:
    a = _summary_run(tmp_path, "lead", [0.3] * 6, "supported")
    b = _summary_run(tmp_path, "t5", [0.4] * 6, "supported", signature="rouge|stem:no")
    comparison = compare_runs([load_run(a), load_run(b)], bootstrap_samples=100, ar_trials=0)
    assert comparison.metrics == []
    assert "different signatures" in comparison.skipped["rouge1"]


def test_refuses_runs_over_different_examples(tmp_path: Path) -> None:
    a = write_translation_run(tmp_path, model="a", sources=["s1", "s2"], references=["r1", "r2"], outputs=["r1", "x"])
    b = write_translation_run(tmp_path, model="b", sources=["s1", "s3"], references=["r1", "r2"], outputs=["r1", "x"])
    c = write_translation_run(tmp_path, model="c", sources=["s1"], references=["r1"], outputs=["r1"])
    with pytest.raises(IncomparableRuns, match="source differs"):
        compare_runs([load_run(a), load_run(b)])
    with pytest.raises(IncomparableRuns, match="different examples"):
        compare_runs([load_run(a), load_run(c)])


def test_identical_runs_are_never_different_and_too_few_examples_get_no_p_value(tmp_path: Path) -> None:
    rouge = [0.3, 0.4, 0.5, 0.2, 0.3, 0.4]
    same = [load_run(_summary_run(tmp_path / name, name, rouge, "supported")) for name in ("lead", "copy")]
    (metric,) = compare_runs(same, bootstrap_samples=200, ar_trials=200).metrics
    assert (metric.systems[0].delta, metric.systems[0].p_bootstrap, metric.systems[0].p_ar) == (0.0, 1.0, 1.0)
    assert metric.too_few is None
    # The seed's one example: a difference, but no p-value below MIN_PAIRED_EXAMPLES.
    one = [
        load_run(
            write_run(
                tmp_path / name,
                task="summarise",
                model=name,
                dataset="seed",
                examples=_summary_examples()[:1],
                outputs=["o"],
                scores=[{"rouge1": value}],
                signatures={"rouge1": "rouge|stem:yes"},
            )
        )
        for name, value in (("a", 0.3), ("b", 0.4))
    ]
    comparison = compare_runs(one, bootstrap_samples=200, ar_trials=200)
    (metric,) = comparison.metrics
    assert (metric.systems[0].p_bootstrap, metric.systems[0].p_ar) == (None, None)
    assert metric.too_few == "too few examples (n = 1 < 6)"
    row = next(line for line in render_markdown(comparison).splitlines() if line.startswith("| | | b |"))
    assert row.endswith("| too few examples (n = 1 < 6) | too few examples (n = 1 < 6) |")
