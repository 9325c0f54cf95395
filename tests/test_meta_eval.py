"""``harness meta-eval``: FRANK partial correlations and balanced accuracy for any metric."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from conftest import FRANK, requires_shared
from harness.meta_eval import balanced_accuracy, best_threshold, load_frank, meta_evaluate
from harness.metrics.partial_correlation import partial_correlation


def test_balanced_accuracy_averages_the_recall_of_each_class() -> None:
    scores = np.array([0.9, 0.8, 0.3, 0.2, 0.1])
    factual = np.array([True, False, True, False, False])
    # >= 0.5 calls rows 0 and 1 factual: factual recall 1/2, non-factual recall 2/3.
    assert balanced_accuracy(scores, factual, 0.5) == pytest.approx((1 / 2 + 2 / 3) / 2)
    assert balanced_accuracy(scores, factual, 0.85) == pytest.approx((1 / 2 + 1) / 2)
    assert balanced_accuracy(scores, np.ones(5, dtype=bool), 0.25) == pytest.approx(3 / 5)  # one class: its recall


def test_the_threshold_is_the_best_midpoint() -> None:
    scores = np.array([0.1, 0.2, 0.6, 0.7, 0.4])
    factual = np.array([False, False, True, True, False])
    threshold = best_threshold(scores, factual)
    assert threshold == pytest.approx(0.5)  # midway between 0.4 and 0.6 separates the classes
    assert balanced_accuracy(scores, factual, threshold) == 1.0
    # Lower scores for factual rows: the best a ">= threshold is factual" rule can do is 0.5.
    assert balanced_accuracy(-scores, factual, best_threshold(-scores, factual)) == 0.5


def _rows(n: int) -> list[dict]:
    rng = np.random.default_rng(1)
    return [
        {
            "id": str(i),
            "doc_id": str(i // 3),
            "dataset": "cnndm" if i % 2 else "bbc",
            "system": f"s{i % 4}",
            "article": "a",
            "summary": "s",
            "human_factuality": float(rng.random() < 0.5),
        }
        for i in range(n)
    ]


def test_per_subset_figures_match_the_partial_correlation_and_skip_missing_values() -> None:
    rows = _rows(60)
    values = [float(r["human_factuality"]) + 0.1 * (i % 7) for i, r in enumerate(rows)]
    values[5] = None  # type: ignore[call-overload]
    results = {r.subset: r for r in meta_evaluate(values, rows)}
    assert set(results) == {"all", "cnndm", "bbc"}
    keep = [i for i in range(60) if rows[i]["dataset"] == "cnndm" and values[i] is not None]
    expected = partial_correlation(
        [values[i] for i in keep], [rows[i]["human_factuality"] for i in keep], [rows[i]["system"] for i in keep]
    )
    assert results["cnndm"].n == len(keep) == 29
    assert results["cnndm"].pearson == pytest.approx(expected.pearson)
    assert results["cnndm"].spearman == pytest.approx(expected.spearman)
    # The scores separate the classes (factual >= 1.0 > non-factual + 0.6): perfect in and out of sample.
    assert results["all"].balanced_accuracy == 1.0 and results["all"].balanced_accuracy_cv == 1.0


def test_a_row_without_the_human_score_is_named(tmp_path: Path) -> None:
    path = tmp_path / "frank.jsonl"
    row = {k: v for k, v in _rows(1)[0].items() if k != "human_factuality"}
    path.write_text(json.dumps(row) + "\n", encoding="utf-8")
    with pytest.raises(Exception, match=r"frank.jsonl:1: FRANK row lacks human_factuality"):
        load_frank(path)


@requires_shared
def test_meta_eval_command_on_a_frank_subset(cli) -> None:  # type: ignore[no-untyped-def]
    status, err, out = cli("meta-eval", "--metric", "rouge", "--key", "rougeL", "--limit", "60", "--data", str(FRANK))
    assert status == 0, err
    from harness.hydra_app import compose_config
    from harness.meta_eval import score_rows
    from harness.metrics.registry import build_metrics
    from harness.task import task_spec

    rows = load_frank(FRANK, 60)
    cfg = compose_config(["metrics.names=[rouge]"])
    metric = build_metrics(cfg.metrics, task_spec(cfg), ["rouge"])[0]
    values = [r["rougeL"] for r in score_rows(metric, rows)]
    expected = partial_correlation(values, [r["human_factuality"] for r in rows], [r["system"] for r in rows])
    line = next(line for line in out.splitlines() if line.startswith("| all |"))
    cells = [c.strip() for c in line.strip("|").split("|")]
    assert cells[1] == "60"
    assert float(cells[2]) == pytest.approx(expected.pearson, abs=5e-4)
    assert float(cells[3]) == pytest.approx(expected.spearman, abs=5e-4)
    assert 0.5 <= float(cells[5]) <= 1.0


def test_an_unknown_key_names_the_keys_there_are(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "frank.jsonl"
    rows = [dict(r, reference="a reference", article="An article.", summary="A summary.") for r in _rows(6)]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    status, err, _ = cli("meta-eval", "--metric", "rouge", "--key", "rouge9", "--data", str(path))
    assert status == 2
    assert "--key rouge9" in err and "rougeL" in err
