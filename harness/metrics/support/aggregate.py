"""Aggregates of per-example values: the mean with a seeded 95% bootstrap percentile interval."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import numpy as np

from harness.runfolder.schema import Aggregate

_MAX_CELLS = 2_000_000  # resampled values held at once (32 MB with their indices), whatever the run's size


def bootstrap_ci(values: Sequence[float], samples: int, seed: int, level: float = 0.95) -> tuple[float, float]:
    """Percentile interval of the mean over ``samples`` resamples with replacement."""
    data = np.asarray(values, dtype=np.float64)
    if data.size == 0:
        return (math.nan, math.nan)
    rng = np.random.default_rng(seed)
    means = np.empty(samples)
    block = max(1, _MAX_CELLS // data.size)
    for start in range(0, samples, block):
        stop = min(samples, start + block)
        means[start:stop] = data[rng.integers(0, data.size, size=(stop - start, data.size))].mean(axis=1)
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(means, [tail, 100 - tail])
    return (float(low), float(high))


def aggregate_means(
    per_example: Iterable[dict[str, float]], signatures: dict[str, str], samples: int, seed: int
) -> dict[str, Aggregate]:
    """One :class:`Aggregate` per key; NaN values (undefined for that example) are left out of n."""
    columns: dict[str, list[float]] = {}
    for values in per_example:
        for key, value in values.items():
            columns.setdefault(key, []).append(value)
    return aggregate_columns(
        {k: np.asarray(v, dtype=np.float64) for k, v in columns.items()}, signatures, samples, seed
    )


def aggregate_columns(
    columns: dict[str, np.ndarray], signatures: dict[str, str], samples: int, seed: int
) -> dict[str, Aggregate]:
    """:func:`aggregate_means` over one float64 array per key (NaN where an example has no value)."""
    aggregates: dict[str, Aggregate] = {}
    for key, column in columns.items():
        values = column[~np.isnan(column)]
        if values.size == 0:
            continue
        low, high = bootstrap_ci(values, samples, seed)
        aggregates[key] = Aggregate(
            value=float(np.mean(values)), ci=[low, high], n=int(values.size), signature=signatures[key], corpus=False
        )
    return aggregates
