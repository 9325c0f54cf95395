"""The figures of a meta-evaluation, each computed the same way for the metric and its baselines.

Thresholds (for balanced accuracy, and for the baselines' flags beside a detector's) are chosen on
the fitting rows (FRANK dev, labelled val) of the same subset and applied to the reported rows.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.stats import mannwhitneyu, spearmanr

from harness.app.meta_eval.partial_correlation import partial_correlation


def balanced_accuracy(scores: np.ndarray, positive: np.ndarray, threshold: float) -> float:
    """Mean of the recall of positive (score >= threshold) and negative (score < threshold) rows."""
    predicted = scores >= threshold
    recalls = []
    if positive.any():
        recalls.append(np.mean(predicted[positive]))
    if (~positive).any():
        recalls.append(np.mean(~predicted[~positive]))
    return float(np.mean(recalls))


def best_threshold(scores: np.ndarray, positive: np.ndarray) -> float:
    """The threshold with the highest balanced accuracy (the lowest such one on ties), taken from
    midpoints between consecutive distinct scores and the ends."""
    values = np.unique(scores)
    candidates = np.concatenate([[values[0]], (values[:-1] + values[1:]) / 2, [values[-1] + 1.0]])
    accuracies = [balanced_accuracy(scores, positive, t) for t in candidates]
    return float(candidates[int(np.argmax(accuracies))])


def fitted_threshold(scores: np.ndarray, positive: np.ndarray, fit: np.ndarray) -> float:
    """:func:`best_threshold` on the fitting rows (``fit``, a boolean mask) only."""
    if not fit.any():
        return float("nan")
    return best_threshold(scores[fit], positive[fit])


def partial_pearson_spearman(scores: np.ndarray, human: np.ndarray, systems: Sequence[str]) -> tuple[float, float]:
    correlation = partial_correlation(scores.tolist(), human.tolist(), list(systems))
    return correlation.pearson, correlation.spearman


def spearman(scores: np.ndarray, human: np.ndarray) -> float:
    if len(scores) < 3 or np.ptp(scores) == 0 or np.ptp(human) == 0:
        return float("nan")
    return float(spearmanr(scores, human).statistic)


def auc(error_scores: np.ndarray, erroneous: np.ndarray) -> float:
    """ROC AUC of a score that is higher for erroneous rows (ties count half; nan with one class only):
    the Mann-Whitney U of the erroneous rows' scores over the others', normalised."""
    if erroneous.all() or not erroneous.any():
        return float("nan")
    u = mannwhitneyu(error_scores[erroneous], error_scores[~erroneous]).statistic
    return float(u / (erroneous.sum() * (~erroneous).sum()))


def precision_recall(flagged: np.ndarray, erroneous: np.ndarray) -> tuple[float, float]:
    hits = float((flagged & erroneous).sum())
    precision = hits / flagged.sum() if flagged.any() else float("nan")
    recall = hits / erroneous.sum() if erroneous.any() else float("nan")
    return precision, recall


def overlaps(span: tuple[int, int], spans: Sequence[tuple[int, int]]) -> bool:
    return any(span[0] < end and start < span[1] for start, end in spans)


def annotated_spans(summary: str, error_spans: Sequence[str], erroneous: bool) -> list[tuple[int, int]]:
    """Every place in ``summary`` (case-insensitively) where an annotated error span occurs; the
    whole summary when it is erroneous and no annotated span occurs in it (annotators' comments such
    as "very bad", 42 of cliff-goyal21's 456 spans, say the summary as a whole is wrong)."""
    lowered = summary.lower()
    found: list[tuple[int, int]] = []
    for text in error_spans:
        needle = text.strip().lower()
        start = lowered.find(needle) if needle else -1
        while start >= 0:
            found.append((start, start + len(needle)))
            start = lowered.find(needle, start + 1)
    return found or ([(0, len(summary))] if erroneous else [])
