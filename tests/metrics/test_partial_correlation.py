import math

import numpy as np
import pytest
from scipy.stats import pearsonr, spearmanr

from harness.app.meta_eval.partial_correlation import partial_correlation, residualise


def test_residualise_subtracts_group_means() -> None:
    np.testing.assert_allclose(residualise([1, 3, 10, 14], ["a", "a", "b", "b"]), [-1, 1, -2, 2])


def test_hand_computed_example() -> None:
    # Within system a: metric residuals (-1, 1), human residuals (-1, 1);
    # within system b: metric residuals (-1, 0, 1), human residuals (2, -1, -1).
    metric = [1.0, 3.0, 5.0, 6.0, 7.0]
    human = [4.0, 6.0, 9.0, 6.0, 6.0]
    systems = ["a", "a", "b", "b", "b"]
    result = partial_correlation(metric, human, systems)
    m_res = np.array([-1, 1, -1, 0, 1])
    h_res = np.array([-1, 1, 2, -1, -1])
    expected = (m_res * h_res).sum() / math.sqrt((m_res**2).sum() * (h_res**2).sum())
    assert result.pearson == pytest.approx(expected)
    assert result.pearson == pytest.approx(-1 / math.sqrt(4 * 8))
    assert result.spearman == pytest.approx(spearmanr(m_res, h_res)[0])
    assert result.n == 5


def test_system_effect_is_removed() -> None:
    # The metric only tracks the system (constant within system): no partial correlation left,
    # although the raw correlation is perfect.
    metric = [0.0, 0.0, 1.0, 1.0]
    human = [0.1, 0.3, 0.8, 0.9]
    systems = ["x", "x", "y", "y"]
    assert pearsonr(metric, human)[0] > 0.9
    assert math.isnan(partial_correlation(metric, human, systems).pearson)


def test_rank_first_variant_is_monotone_invariant() -> None:
    rng = np.random.default_rng(0)
    metric = rng.normal(size=60)
    human = metric + rng.normal(size=60)
    systems = [i % 3 for i in range(60)]
    plain = partial_correlation(metric, human, systems)
    warped = partial_correlation(np.exp(3 * metric), human, systems)
    assert warped.spearman_rank_first == pytest.approx(plain.spearman_rank_first)
    assert 0.3 < plain.pearson < 1.0


def test_length_mismatch_raises() -> None:
    with pytest.raises(ValueError):
        partial_correlation([1.0, 2.0], [1.0], ["a", "a"])
