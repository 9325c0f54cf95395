"""Paired significance tests, as sacrebleu defines them (``sacrebleu/significance.py``).

Every metric is seen as per-example sufficient statistics (an ``n x k`` array) plus a function
that scores a sum of rows. A per-example mean (ROUGE, facts.recall) has one column and scores
``sum / n``; a corpus metric (BLEU, chrF, TER) has the statistics its corpus hook stored and scores
through the hook (see :mod:`harness.metrics.metadata`). Resampling sums rows, so corpus metrics are
recomputed from per-example statistics, never averaged from sentence scores.

Both tests draw their random numbers exactly as sacrebleu does for the same seed and sample
count (one generator per compared system, seeded alike), so their p-values agree with
``sacrebleu --paired-bs`` / ``--paired-ar``, but for a difference of 0 (p = 1 here) and fewer than
``MIN_PAIRED_EXAMPLES`` examples (no test: :func:`too_few_examples`, which compare, check and table
follow). They are vectorised: a resample is a row of example counts (bootstrap) or a selection mask
(AR), and all resampled sums are one matrix product instead of sacrebleu's per-sample fancy indexing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

DEFAULT_SEED = 12345  # sacrebleu's default for SACREBLEU_SEED
DEFAULT_BOOTSTRAP_SAMPLES = 1000
DEFAULT_AR_TRIALS = 10000
_AR_CHUNK = 1000  # trials per matrix product: bounds memory to chunk x n floats
# The fewest paired examples a test is run on: below it none can show a difference at p < 0.05. The
# exact randomisation test over n examples has 2**n equally likely swaps, two of which (none and all)
# give the observed difference, so its smallest p-value is 2 / 2**n: 0.0625 at n = 5, 0.031 at n = 6.
# The bootstrap does worse: its resamples of so few examples barely vary (at n = 1 not at all, so any
# difference would get the smallest p-value, 1/(samples + 1)).
MIN_PAIRED_EXAMPLES = 6


def too_few_examples(n: int) -> str | None:
    """Why no paired test is run on ``n`` examples, or None when one is."""
    return f"too few examples (n = {n} < {MIN_PAIRED_EXAMPLES})" if n < MIN_PAIRED_EXAMPLES else None


@dataclass(frozen=True)
class SufficientStats:
    """Per-example statistics and how a sum of them becomes a score.

    ``resample_dtype`` is the dtype of resampled sums: a corpus hook's (float32 for sacrebleu,
    as its bootstrap scores float32 sums).
    """

    stats: np.ndarray  # (n_examples, k)
    score_sums: Callable[[np.ndarray], np.ndarray]  # (s, k) -> (s,)
    resample_dtype: type[np.floating[Any]] = np.float64

    def score(self) -> float:
        return float(self.score_sums(self.stats.sum(axis=0, keepdims=True))[0])


def mean_stats(values: Sequence[float] | np.ndarray) -> SufficientStats:
    """Statistics of a per-example mean metric."""
    column = np.asarray(values, dtype=np.float64).reshape(-1, 1)
    n = column.shape[0]
    return SufficientStats(column, lambda sums: sums[:, 0] / n)


def corpus_stats(
    stats: Sequence[Sequence[float]] | np.ndarray,
    score_sums: Callable[[np.ndarray], np.ndarray],
    resample_dtype: type[np.floating[Any]] = np.float64,
) -> SufficientStats:
    """Statistics of a corpus metric: per-example rows and the function that scores their sums."""
    array = np.asarray(stats)
    if array.dtype.kind not in "iuf":
        raise ValueError("corpus statistics must be numeric")
    return SufficientStats(array, score_sums, resample_dtype)


def estimate_ci(samples: np.ndarray) -> tuple[float, float]:
    """sacrebleu's bootstrap estimate: the mean of the samples and the 95% CI half-width."""
    low, high = percentile_ci(samples)
    return float(np.mean(samples)), 0.5 * (high - low)


def percentile_ci(samples: np.ndarray) -> tuple[float, float]:
    """The 95% percentile interval with sacrebleu's indices (n // 40 from either end)."""
    ordered = np.sort(samples)
    lower = len(ordered) // 40
    return float(ordered[lower]), float(ordered[len(ordered) - lower - 1])


def p_value(samples: np.ndarray, observed: float) -> float:
    """sacrebleu's (c + 1) / (n + 1) with c the samples strictly above the observed statistic, except
    that no difference (0) gets p = 1: sacrebleu's strict count gives it the smallest p-value."""
    if observed == 0:
        return 1.0
    return (int(np.sum(samples > observed)) + 1) / (len(samples) + 1)


@dataclass(frozen=True)
class BootstrapResult:
    score: float  # the system's actual score
    delta: float  # score - baseline score
    delta_ci: tuple[float, float]  # 95% percentile interval of the resampled deltas
    mean: float  # bootstrap estimate of the true score (sacrebleu's mu)
    ci: float  # 95% CI half-width around ``mean`` (sacrebleu's +-)
    p_value: float


class PairedBootstrap:
    """Paired bootstrap resampling (Koehn 2004), sacrebleu's ``_paired_bs_test``."""

    def __init__(self, n_examples: int, n_samples: int = DEFAULT_BOOTSTRAP_SAMPLES, seed: int = DEFAULT_SEED) -> None:
        self.n_samples = n_samples
        self.seed = seed
        rng = np.random.default_rng(seed)
        indices = rng.choice(n_examples, size=(n_samples, n_examples), replace=True)
        offsets = (np.arange(n_samples) * n_examples)[:, None]
        counts = np.bincount((indices + offsets).ravel(), minlength=n_samples * n_examples)
        self._counts = counts.reshape(n_samples, n_examples).astype(np.float64)

    def samples(self, stats: SufficientStats) -> np.ndarray:
        """The metric on every resample."""
        sums = (self._counts @ stats.stats.astype(np.float64)).astype(stats.resample_dtype)
        return stats.score_sums(sums)

    def estimate(self, stats: SufficientStats) -> tuple[float, float]:
        """Mean and 95% CI half-width of one system, as sacrebleu reports for the baseline."""
        return estimate_ci(self.samples(stats))

    def compare(self, baseline: SufficientStats, systems: Sequence[SufficientStats]) -> list[BootstrapResult]:
        """Test each system against the baseline on the same resamples."""
        base_samples = self.samples(baseline)
        base_score = baseline.score()
        results = []
        for system in systems:
            _check_paired(baseline, system)
            sys_samples = self.samples(system)
            score = system.score()
            abs_diffs = np.abs(sys_samples - base_samples)
            mean, ci = estimate_ci(sys_samples)
            results.append(
                BootstrapResult(
                    score=score,
                    delta=score - base_score,
                    delta_ci=percentile_ci(sys_samples - base_samples),
                    mean=mean,
                    ci=ci,
                    p_value=p_value(abs_diffs - abs_diffs.mean(), abs(base_score - score)),
                )
            )
        return results


class ApproximateRandomization:
    """Paired two-sided approximate randomisation (Riezler and Maxwell 2005), sacrebleu's
    ``_paired_ar_test``: each trial swaps the two systems' outputs on a random half of the
    examples."""

    def __init__(self, n_examples: int, n_trials: int = DEFAULT_AR_TRIALS, seed: int = DEFAULT_SEED) -> None:
        self.n_trials = n_trials
        self.seed = seed
        rng = np.random.default_rng(seed)
        self._swap = rng.integers(2, size=(n_trials, n_examples), dtype=bool)

    def compare(self, baseline: SufficientStats, systems: Sequence[SufficientStats]) -> list[float]:
        """The p-value of each system against the baseline."""
        return [self.p_value(baseline, system) for system in systems]

    def p_value(self, baseline: SufficientStats, system: SufficientStats) -> float:
        _check_paired(baseline, system)
        base = baseline.stats.astype(np.float64)
        other = system.stats.astype(np.float64)
        base_total, other_total = base.sum(axis=0), other.sum(axis=0)
        differences = []
        for start in range(0, self.n_trials, _AR_CHUNK):
            # Pseudo-system A takes the baseline where the mask is set and the system elsewhere;
            # pseudo-system B takes the rest, so B's sums are the two totals minus A's.
            mask = self._swap[start : start + _AR_CHUNK].astype(np.float64)
            sums_a = mask @ (base - other) + other_total
            sums_b = base_total + other_total - sums_a
            differences.append(np.abs(baseline.score_sums(sums_a) - system.score_sums(sums_b)))
        observed = abs(baseline.score() - system.score())
        return p_value(np.concatenate(differences), observed)


def _check_paired(baseline: SufficientStats, system: SufficientStats) -> None:
    if baseline.stats.shape != system.stats.shape:
        raise ValueError(f"paired tests need the same examples: shapes {baseline.stats.shape} and {system.stats.shape}")
