"""``harness meta-eval``: the fixed held-out split, thresholds from dev / val only, the metric beside
its baselines."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from harness.app.meta_eval.data import FRANK as FRANK_FORMAT
from harness.app.meta_eval.data import LABELLED, fitting_rows, load_rows, split_rows
from harness.app.meta_eval.figures import annotated_spans, auc, balanced_accuracy, best_threshold, fitted_threshold
from harness.app.meta_eval.partial_correlation import partial_correlation
from harness.app.meta_eval.report import Column, Rows, detector_tables, losses, score_tables
from harness.data.frank_holdout import holdout_doc_ids
from testkit import FRANK, SHARED, requires_shared

CLIFF = SHARED / "data" / "cliff-goyal21.jsonl"
# sha256 of the sorted holdout doc ids joined by newlines: the split never moves.
HOLDOUT_SHA256 = "06f7bffc1bac35a029f27fde5a9b7c3e929e37c2337d5afaac8dbbc4a5a41f42"


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


def test_auc_counts_ties_half() -> None:
    assert auc(np.array([0.1, 0.4, 0.35, 0.8]), np.array([False, False, True, True])) == pytest.approx(0.75)
    assert auc(np.array([1.0, 1.0]), np.array([True, False])) == pytest.approx(0.5)
    assert np.isnan(auc(np.array([1.0, 2.0]), np.array([True, True])))


def test_annotated_spans_are_found_or_the_summary_is() -> None:
    summary = "Rory McIlroy is three shots behind after the second round."
    assert annotated_spans(summary, ["three", "Second"], True) == [(16, 21), (45, 51)]
    assert annotated_spans(summary, ["very bad"], True) == [(0, len(summary))]  # a comment: the whole summary
    assert annotated_spans(summary, [], False) == []


@requires_shared
def test_the_frank_holdout_is_fixed() -> None:
    ids = holdout_doc_ids()
    assert len(ids) == 50
    assert hashlib.sha256("\n".join(sorted(ids)).encode()).hexdigest() == HOLDOUT_SHA256
    data_format, rows = load_rows(FRANK)
    assert data_format is FRANK_FORMAT
    holdout = split_rows(data_format, rows, "holdout")
    dev = fitting_rows(data_format, rows)
    assert len(holdout) == 225 and len(dev) == 446 and not set(holdout) & set(dev)
    assert dev == split_rows(data_format, rows, "dev")
    articles = {rows[i]["doc_id"]: rows[i]["dataset"] for i in holdout}
    assert set(articles) == ids and Counter(articles.values()) == {"cnndm": 25, "bbc": 25}
    assert not {rows[i]["doc_id"] for i in dev} & ids


@requires_shared
def test_the_labelled_split_is_the_rows_own() -> None:
    data_format, rows = load_rows(CLIFF)
    assert data_format is LABELLED and len(rows) == 750
    val = fitting_rows(data_format, rows)
    assert val == [i for i, r in enumerate(rows) if r["split"] == "val"]
    assert len(val) + len(split_rows(data_format, rows, "test")) == 750


def _rows(n: int, seed: int = 1) -> list[dict[str, Any]]:
    """FRANK-format rows: article i // 3; the articles of the real holdout's first 4 ids are holdout."""
    rng = np.random.default_rng(seed)
    held = sorted(holdout_doc_ids())[:4]
    return [
        {
            "id": str(i),
            "doc_id": held[i // 3] if i < 12 else f"dev{i // 3}",
            "dataset": "cnndm" if i % 2 else "bbc",
            "system": f"s{i % 4}",
            "article": "a",
            "summary": "s",
            "human_factuality": float(rng.random() < 0.5),
            "human_errors": {"EntE": float(rng.random() < 0.7), "CircE": float(rng.random() < 0.8)},
        }
        for i in range(n)
    ]


def _subsets(rows: list[dict[str, Any]], split: str) -> dict[str, Rows]:
    report = np.zeros(len(rows), dtype=bool)
    report[split_rows(FRANK_FORMAT, rows, split)] = True
    fit = np.zeros(len(rows), dtype=bool)
    fit[fitting_rows(FRANK_FORMAT, rows)] = True
    return {"all": Rows(rows, report, fit)}


def test_thresholds_read_only_the_dev_rows() -> None:
    rows = _rows(60)
    scores = np.random.default_rng(2).random(60)
    subsets = _subsets(rows, "holdout")
    holdout = subsets["all"].report
    assert holdout.sum() == 12 and not (holdout & subsets["all"].fit).any()
    factual = np.array([r["human_factuality"] >= 1 for r in rows])
    threshold = fitted_threshold(scores, factual, subsets["all"].fit)
    # Holdout scores and labels turned upside down: the threshold does not move.
    flipped_scores, flipped = scores.copy(), factual.copy()
    flipped_scores[holdout], flipped[holdout] = 10 * scores[holdout] - 5, ~factual[holdout]
    assert fitted_threshold(flipped_scores, flipped, subsets["all"].fit) == threshold
    # The dev figures do not move either when the holdout rows' labels do.
    perturbed = [
        dict(r, human_factuality=1 - r["human_factuality"]) if h else r for r, h in zip(rows, holdout, strict=True)
    ]
    column = [Column("m", scores)]
    before = score_tables(FRANK_FORMAT, column, _subsets(rows, "dev"), "dev")
    after = score_tables(FRANK_FORMAT, column, _subsets(perturbed, "dev"), "dev")
    assert [t.values for t in before] == [t.values for t in after]
    # While the holdout figures are computed at the dev threshold.
    (accuracy,) = [t for t in score_tables(FRANK_FORMAT, column, subsets, "dev") if "balanced" in t.title]
    assert accuracy.values["m"][0] == pytest.approx(balanced_accuracy(scores[holdout], factual[holdout], threshold))


def test_score_tables_match_the_partial_correlation_and_name_losses() -> None:
    rows = _rows(60)
    human = np.array([r["human_factuality"] for r in rows])
    metric = human + 0.1 * (np.arange(60) % 7)
    columns = [Column("metric", metric), Column("noise", np.random.default_rng(3).random(60))]
    subsets = _subsets(rows, "dev")
    tables = score_tables(FRANK_FORMAT, columns, subsets, "dev")
    dev = subsets["all"].report
    expected = partial_correlation(
        metric[dev].tolist(), human[dev].tolist(), [r["system"] for r, d in zip(rows, dev, strict=True) if d]
    )
    assert tables[0].subsets == [("all", 48)]
    assert tables[0].values["metric"][0] == pytest.approx(expected.pearson)
    assert tables[1].values["metric"][0] == pytest.approx(expected.spearman)
    assert tables[2].values["metric"][0] == 1.0  # factual >= 1.0 > non-factual + 0.6
    assert all(not losses(t, "metric", ["noise"]) for t in tables)
    worse = score_tables(FRANK_FORMAT, [Column("noise", columns[1].score), columns[0]], subsets, "dev")
    assert len(losses(worse[0], "noise", ["metric"])) == 1
    assert losses(worse[0], "noise", ["metric"])[0].startswith("DOES NOT BEAT metric: partial Pearson")


def test_detector_tables_on_labelled_rows() -> None:
    summary = "Rory McIlroy is three shots behind."
    rows = [
        {"dataset": "bbc", "split": s, "label": label, "summary": summary, "error_spans": spans}
        for s, label, spans in [
            ("val", 0, ["three"]),
            ("val", 1, []),
            ("test", 0, ["three"]),
            ("test", 0, ["McIlroy"]),
            ("test", 1, []),
            ("test", 1, []),
        ]
    ]
    flag = np.array([True, False, True, False, True, False])
    three, rory = (16, 21), (0, 4)
    detector = Column("detector", -flag.astype(float), flag=flag, spans=[[three], [], [three, rory], [], [rory], []])
    baseline = Column("baseline", np.array([0.1, 0.9, 0.2, 0.3, 0.8, 0.95]))
    report = np.array([r["split"] == "test" for r in rows])
    subsets = {"all": Rows(rows, report, ~report)}
    tables = {
        t.title.split(" ")[0] + t.title.split(" ")[1]: t
        for t in detector_tables(LABELLED, [detector, baseline], subsets, "val")
    }
    assert tables["precisionof"].values["detector"] == [0.5]  # rows 2 (erroneous) and 4 (not) flagged
    assert tables["recallof"].values["detector"] == [0.5]
    # The baseline's threshold from the val rows (0.1 and 0.9): midway, 0.5; on test it flags 0.2 and 0.3.
    assert tables["precisionof"].values["baseline"] == [1.0] and tables["recallof"].values["baseline"] == [1.0]
    assert tables["spanprecision:"].values == {"detector": [1 / 3]}  # "three" in row 2; "Rory" twice, no error
    assert losses(tables["balancedaccuracy"], "detector", ["baseline"])


def test_a_row_without_the_human_score_is_named(tmp_path: Path) -> None:
    path = tmp_path / "frank.jsonl"
    row = {k: v for k, v in _rows(1)[0].items() if k != "human_factuality"}
    path.write_text(json.dumps(row) + "\n", encoding="utf-8")
    with pytest.raises(Exception, match=r"frank.jsonl:1: FRANK row lacks human_factuality"):
        load_rows(path)


def _frank_file(tmp_path: Path) -> Path:
    path = tmp_path / "frank.jsonl"
    rows = [dict(r, reference="a reference", article="An article.", summary="A summary.") for r in _rows(15)]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_an_unknown_key_names_the_keys_there_are(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    status, err, _ = cli("meta-eval", "--metric", "rouge", "--key", "rouge9", "--data", str(_frank_file(tmp_path)))
    assert status == 2
    assert "--key rouge9" in err and "rougeL" in err


def test_a_split_of_the_other_format_is_one_line(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    status, err, out = cli("meta-eval", "--split", "test", "--data", str(_frank_file(tmp_path)))
    assert status == 2 and not out
    assert err.strip() == (
        f"harness: error: --split test: {tmp_path / 'frank.jsonl'} is FRANK data, whose splits are dev and holdout"
    )


@requires_shared
@pytest.mark.slow
def test_meta_eval_command_prints_the_metric_beside_its_baselines(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    status, err, out = cli(
        "meta-eval",
        "--metric",
        "rouge",
        "--key",
        "rougeL",
        "--limit",
        "60",
        "--split",
        "holdout",
        "--data",
        str(FRANK),
        f"run.cache_dir={tmp_path}",
    )
    assert status == 0, err
    from harness.app.hydra_app import compose_config
    from harness.app.meta_eval.scoring import score_rows
    from harness.core.task import task_spec
    from harness.metrics.registry import build_metrics

    _, rows = load_rows(FRANK, 60)
    held = split_rows(FRANK_FORMAT, rows, "holdout")
    cfg = compose_config(["metrics.names=[rouge]"])
    metric = build_metrics(cfg.metrics, task_spec(cfg), ["rouge"])[0]
    values = [r["rougeL"] for r in score_rows(metric, [rows[i] for i in held], None)]
    expected = partial_correlation(
        values, [rows[i]["human_factuality"] for i in held], [rows[i]["system"] for i in held]
    )
    lines = out.splitlines()
    table = lines.index("partial Pearson with human_factuality (system controlled):")
    assert lines[table + 2].startswith(f"| score | all (n={len(held)}) |")
    cells = [c.strip() for c in lines[table + 4].strip("|").split("|")]
    assert cells[0] == "rouge (this version)" and float(cells[1]) == pytest.approx(expected.pearson, abs=5e-4)
    names = [line.split("|")[1].strip() for line in lines[table + 5 : table + 8]]
    assert names == ["ROUGE-1 P (source)", "ROUGE-2 P (source)", "BERTScore P (source, MiniLM)"]
    assert "previous version: none" in out


@requires_shared
@pytest.mark.parametrize("metric", ["faithfulness", "auto_facts"])
def test_the_previous_version_is_frozen_for_every_row(metric: str) -> None:
    from harness.app.meta_eval.scoring import load_previous, row_key

    frozen = load_previous(metric)
    assert frozen is not None and len(frozen["commit"]) == 40 and frozen["signature"].startswith(metric)
    for path in (FRANK, CLIFF):
        _, rows = load_rows(path)
        assert all(row_key(row) in frozen["rows"] for row in rows)
