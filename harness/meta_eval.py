"""Meta-evaluation of any metric on FRANK: how well its scores track human factuality judgements.

``python -m harness meta-eval [--metric NAME] [--key KEY] [OVERRIDES...]`` composes the metric as
``harness run`` would (any Hydra override: ``+nli_model=...``, ``metrics.device=cuda``, a judge's
config), scores every summary of a FRANK-format JSONL against its article, and prints:

- FRANK's partial correlations (Pagnoni et al., 2021) for all rows, CNN/DM and XSum (``bbc``):
  Pearson and Spearman of the metric and the human score, both residualised on the system;
- balanced accuracy of "factual" (``human_factuality == 1``) against the metric above a threshold
  chosen on the scored data (the validation split), per subset, and the same with the threshold chosen
  on half the articles and applied to the other half (20 random splits, both ways), which is what a
  held-out split would see.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from harness.data.example import Example
from harness.errors import InputError
from harness.metrics.base import Metric, ScoringInput
from harness.metrics.partial_correlation import partial_correlation

SUBSETS: dict[str, str | None] = {"all": None, "cnndm": "cnndm", "bbc": "bbc"}
FRANK_FIELDS = ("id", "doc_id", "dataset", "system", "article", "summary", "human_factuality")
CV_SPLITS = 20


def load_frank(path: Path, limit: int | None = None) -> list[dict[str, Any]]:
    """FRANK rows (one per summary), checked for the fields meta-evaluation needs."""
    if not path.is_file():
        raise InputError(f"{path}: no such FRANK file (--data)")
    rows = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            row = json.loads(line)
            missing = [f for f in FRANK_FIELDS if f not in row]
            if missing:
                raise InputError(f"{path}:{number}: FRANK row lacks {', '.join(missing)}")
            rows.append(row)
            if limit and len(rows) == limit:
                break
    return rows


def score_rows(metric: Metric, rows: Sequence[dict[str, Any]], batch_size: int = 32) -> list[dict[str, Any]]:
    """The metric's per-example results in row order; rows are scored in batches in their file order
    (FRANK groups the summaries of an article, so a source is encoded once)."""
    inputs = [
        ScoringInput(
            Example(
                id=str(row["id"]), source=row["article"], references=(row["reference"],) if row.get("reference") else ()
            ),
            row["summary"],
        )
        for row in rows
    ]
    results: list[dict[str, Any]] = []
    for start in range(0, len(inputs), batch_size):
        results.extend(metric.score(inputs[start : start + batch_size]))
    return results


def balanced_accuracy(scores: np.ndarray, factual: np.ndarray, threshold: float) -> float:
    """Mean of the recall of factual (score >= threshold) and non-factual (score < threshold) rows."""
    predicted = scores >= threshold
    recalls = []
    if factual.any():
        recalls.append(np.mean(predicted[factual]))
    if (~factual).any():
        recalls.append(np.mean(~predicted[~factual]))
    return float(np.mean(recalls))


def best_threshold(scores: np.ndarray, factual: np.ndarray) -> float:
    """The threshold with the highest balanced accuracy (the lowest such one on ties), taken from
    midpoints between consecutive distinct scores and the ends."""
    values = np.unique(scores)
    candidates = np.concatenate([[values[0]], (values[:-1] + values[1:]) / 2, [values[-1] + 1.0]])
    accuracies = [balanced_accuracy(scores, factual, t) for t in candidates]
    return float(candidates[int(np.argmax(accuracies))])


@dataclass(frozen=True)
class SubsetResult:
    subset: str
    n: int
    pearson: float
    spearman: float
    threshold: float
    balanced_accuracy: float  # at the threshold chosen on the same rows
    balanced_accuracy_cv: float  # threshold chosen on half the articles, applied to the other half


def evaluate_subset(subset: str, scores: np.ndarray, rows: Sequence[dict[str, Any]]) -> SubsetResult:
    human = np.array([float(r["human_factuality"]) for r in rows])
    factual = human >= 1.0
    correlation = partial_correlation(scores.tolist(), human.tolist(), [r["system"] for r in rows])
    threshold = best_threshold(scores, factual)
    docs = np.array([str(r["doc_id"]) for r in rows])
    unique_docs = np.array(sorted(set(docs)))
    rng = np.random.default_rng(0)
    held_out = []
    for _ in range(CV_SPLITS):
        half = np.isin(docs, rng.permutation(unique_docs)[: len(unique_docs) // 2])
        for train, test in ((half, ~half), (~half, half)):
            if train.any() and test.any():
                chosen = best_threshold(scores[train], factual[train])
                held_out.append(balanced_accuracy(scores[test], factual[test], chosen))
    return SubsetResult(
        subset,
        len(rows),
        correlation.pearson,
        correlation.spearman,
        threshold,
        balanced_accuracy(scores, factual, threshold),
        float(np.mean(held_out)) if held_out else float("nan"),
    )


def meta_evaluate(values: Sequence[float | None], rows: Sequence[dict[str, Any]]) -> list[SubsetResult]:
    """Per subset (all, cnndm, bbc), over the rows that have a value (at least 3 needed)."""
    results = []
    for subset, dataset in SUBSETS.items():
        keep = [
            i for i, row in enumerate(rows) if (dataset is None or row["dataset"] == dataset) and values[i] is not None
        ]
        if len(keep) >= 3:
            scores = np.array([float(values[i]) for i in keep])  # type: ignore[arg-type]
            results.append(evaluate_subset(subset, scores, [rows[i] for i in keep]))
    return results


def format_report(metric: str, key: str, results: Sequence[SubsetResult], missing: int, seconds: float, n: int) -> str:
    lines = [
        f"metric: {metric}",
        f"key: {key}; {n} summaries scored in {seconds:.1f} s ({n / seconds:.1f}/s)"
        + (f"; {missing} without a value (left out)" if missing else ""),
        "partial correlation with human factuality, controlling for system (P = Pearson, S = Spearman",
        "of the residuals); balanced accuracy of factual (human_factuality == 1) at the threshold chosen",
        f"on these rows, and cross-validated by article (threshold chosen on half, {CV_SPLITS} splits x 2)",
        "",
        "| subset | n | P | S | threshold | bal. acc. | bal. acc. (cv) |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    lines += [
        f"| {r.subset} | {r.n} | {r.pearson:.3f} | {r.spearman:.3f} | {r.threshold:.4g} | "
        f"{r.balanced_accuracy:.3f} | {r.balanced_accuracy_cv:.3f} |"
        for r in results
    ]
    return "\n".join(lines)


def run_meta_eval(
    data: Path, metric_name: str, key: str | None, overrides: Sequence[str], limit: int | None, batch_size: int
) -> str:
    """Compose the metric with ``overrides``, score the FRANK rows and return the report."""
    from harness.hydra_app import compose_config
    from harness.metrics.registry import build_metrics
    from harness.task import task_spec

    rows = load_frank(data, limit)
    cfg = compose_config([f"metrics.names=[{metric_name}]", *overrides])
    metrics = build_metrics(cfg.metrics, task_spec(cfg), [metric_name])
    metric = metrics[0]
    key = key or metric_name
    start = time.perf_counter()
    results = score_rows(metric, rows, batch_size)
    seconds = time.perf_counter() - start
    values = [r.get(key) for r in results]
    if all(v is None for v in values):
        found = sorted({k for r in results for k, v in r.items() if isinstance(v, float)})
        raise InputError(f"--key {key}: the metric gave no such value; its numeric keys: {', '.join(found) or 'none'}")
    missing = sum(v is None for v in values)
    return format_report(metric.signature(), key, meta_evaluate(values, rows), missing, seconds, len(rows))
