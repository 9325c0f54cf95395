"""Aggregates: the mean with a seeded bootstrap CI and an honest n."""

from __future__ import annotations

import math

import numpy as np
import pytest

from harness.metrics.support.aggregate import aggregate_means, bootstrap_ci


def test_bootstrap_ci_is_seeded_and_brackets_the_mean() -> None:
    values = list(np.random.default_rng(0).normal(0.5, 0.1, size=200))
    first = bootstrap_ci(values, 1000, seed=7)
    assert first == bootstrap_ci(values, 1000, seed=7)
    assert first != bootstrap_ci(values, 1000, seed=8)
    assert first[0] < np.mean(values) < first[1]
    # The 95% interval of a mean is about 2 * 1.96 standard errors wide.
    assert first[1] - first[0] == pytest.approx(2 * 1.96 * np.std(values) / math.sqrt(200), rel=0.15)


def test_bootstrap_in_blocks_equals_one_block(monkeypatch) -> None:
    import harness.metrics.support.aggregate as aggregate

    values = list(range(50))
    whole = bootstrap_ci(values, 300, seed=1)
    monkeypatch.setattr(aggregate, "_MAX_CELLS", 50 * 7)
    assert bootstrap_ci(values, 300, seed=1) == whole


def test_nan_values_are_left_out_of_n() -> None:
    rows = [{"a": 1.0, "b": math.nan}, {"a": 0.0, "b": 1.0}, {"a": 1.0}]
    result = aggregate_means(rows, {"a": "sig-a", "b": "sig-b"}, samples=200, seed=0)
    assert result["a"]["n"] == 3 and result["a"]["value"] == pytest.approx(2 / 3)
    assert result["b"]["n"] == 1 and result["b"]["value"] == 1.0 and result["b"]["signature"] == "sig-b"
    assert result["b"]["ci"] == [1.0, 1.0]
