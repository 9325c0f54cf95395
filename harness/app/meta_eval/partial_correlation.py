"""Partial correlation with a categorical control variable (FRANK's meta-evaluation protocol).

FRANK (Pagnoni et al., 2021) correlates a metric with human factuality judgements while controlling
for the summarisation system, so that a metric is not rewarded merely for ranking systems. Both
variables are residualised on a one-hot encoding of the system (ordinary least squares with an
intercept, i.e. each value minus its system mean) and the residuals are correlated. For the
Spearman variant both variables are first rank-transformed (average ranks over the whole sample),
then residualised, then Pearson-correlated.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.stats import rankdata


@dataclass(frozen=True)
class PartialCorrelation:
    pearson: float
    spearman: float
    spearman_rank_first: float
    n: int


def residualise(values: Sequence[float] | np.ndarray, groups: Sequence[Hashable]) -> np.ndarray:
    """Residuals of ``values`` after least-squares regression on one-hot ``groups`` (plus intercept).

    With only a categorical regressor this equals subtracting each group's mean.
    """
    x = np.asarray(values, dtype=float)
    if len(x) != len(groups):
        raise ValueError(f"{len(x)} values but {len(groups)} group labels")
    residuals = np.empty_like(x)
    labels = np.asarray([str(g) for g in groups])
    for label in np.unique(labels):
        mask = labels == label
        residuals[mask] = x[mask] - x[mask].mean()
    return residuals


def _pearson(a: np.ndarray, b: np.ndarray) -> float:
    a = a - a.mean()
    b = b - b.mean()
    denominator = float(np.sqrt((a * a).sum() * (b * b).sum()))
    return float((a * b).sum() / denominator) if denominator > 0 else float("nan")


def partial_correlation(
    metric: Sequence[float], human: Sequence[float], control: Sequence[Hashable]
) -> PartialCorrelation:
    """Partial Pearson and Spearman correlation of ``metric`` and ``human`` given ``control``."""
    if len(metric) != len(human):
        raise ValueError(f"{len(metric)} metric values but {len(human)} human values")
    m = np.asarray(metric, dtype=float)
    h = np.asarray(human, dtype=float)
    m_res, h_res = residualise(m, control), residualise(h, control)
    return PartialCorrelation(
        pearson=_pearson(m_res, h_res),
        spearman=_pearson(rankdata(m_res), rankdata(h_res)),
        spearman_rank_first=_pearson(residualise(rankdata(m), control), residualise(rankdata(h), control)),
        n=len(m),
    )
