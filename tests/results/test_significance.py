from __future__ import annotations

import numpy as np
import pytest
from sacrebleu.metrics import BLEU, CHRF, TER
from sacrebleu.significance import PairedTest

from harness.core.errors import ConfigError
from harness.metrics.metadata import corpus_hook
from harness.metrics.support.sacrebleu_adapter import build_sacrebleu, segment_statistics
from harness.results.significance import (
    MIN_PAIRED_EXAMPLES,
    ApproximateRandomization,
    PairedBootstrap,
    SufficientStats,
    corpus_stats,
    mean_stats,
    percentile_ci,
    too_few_examples,
)

WORDS = "der die das ein eine Haus Hund Katze lief schnell langsam nach heute gestern .".split()


def _corpus(seed: int, n: int = 120) -> list[str]:
    rng = np.random.default_rng(seed)
    return [" ".join(rng.choice(WORDS, size=rng.integers(3, 12))) for _ in range(n)]


METRICS = {"bleu": BLEU, "chrf": CHRF, "chrf++": lambda: CHRF(word_order=2), "ter": TER}
SETTINGS = {"bleu": {}, "chrf": {}, "chrf++": {"word_order": 2}, "ter": {}}


def sacrebleu_stats(name: str, hyps: list[str], refs: list[str]) -> SufficientStats:
    """A system's statistics as compare builds them: the adapter's rows, the hook's scorer."""
    hook = corpus_hook("sacrebleu")
    metric = build_sacrebleu(name, SETTINGS[name])
    rows = [segment_statistics(metric, hyp, [ref]) for hyp, ref in zip(hyps, refs, strict=True)]
    return corpus_stats(rows, hook.scorer(name, SETTINGS[name]), hook.resample_dtype)


@pytest.mark.parametrize("name", METRICS)
@pytest.mark.parametrize("test_type", ["bs", "ar"])
def test_matches_sacrebleu_paired_test(name: str, test_type: str) -> None:
    """Against sacrebleu's own paired tests; system "same" is the baseline again, so every resampled
    difference ties with the observed one (0): sacrebleu's p-value is then 1/(n+1), ours 1."""
    refs = _corpus(0)
    base = _corpus(1)
    systems = [("base", base), ("a", _corpus(2)), ("b", refs[:60] + _corpus(3)[60:]), ("same", list(base))]
    _, expected = PairedTest(systems, {"m": METRICS[name]()}, [refs], test_type, 500)()
    (column,) = [key for key in expected if key != "System"]
    stats = [sacrebleu_stats(name, hyps, refs) for _, hyps in systems]
    if test_type == "bs":
        test = PairedBootstrap(len(refs), 500)
        mean, ci = test.estimate(stats[0])
        assert mean == pytest.approx(expected[column][0].mean, abs=1e-4)
        assert ci == pytest.approx(expected[column][0].ci, abs=1e-4)
        results = test.compare(stats[0], stats[1:])
        for ours, theirs in zip(results, expected[column][1:], strict=True):
            assert ours.score == theirs.score
            assert ours.p_value == (1.0 if ours is results[-1] else theirs.p_value)
            assert ours.mean == pytest.approx(theirs.mean, abs=1e-4)
            assert ours.ci == pytest.approx(theirs.ci, abs=1e-4)
    else:
        p_values = ApproximateRandomization(len(refs), 500).compare(stats[0], stats[1:])
        assert p_values == [result.p_value for result in expected[column][1:-1]] + [1.0]
    assert expected[column][-1].p_value == pytest.approx(1 / 501)


@pytest.mark.parametrize("test_type", ["bs", "ar"])
@pytest.mark.parametrize("reordered", [False, True])
def test_no_difference_is_never_significant(test_type: str, reordered: bool) -> None:
    """A system scoring what the baseline scores (the same examples, or other ones with the same mean)
    gets p = 1, where sacrebleu's strict count gives the smallest p-value, 1/(samples + 1)."""
    values = np.arange(50) / 64  # sums exact in any order
    scores, other = mean_stats(values), mean_stats(values[::-1] if reordered else values)
    if test_type == "bs":
        (result,) = PairedBootstrap(50, 999).compare(scores, [other])
        p = result.p_value
    else:
        (p,) = ApproximateRandomization(50, 999).compare(scores, [other])
    assert p == 1.0


def test_the_fewest_examples_a_paired_test_is_run_on() -> None:
    """Exact randomisation over n examples gives at best 2 / 2**n (no swap and the swap of all tie with
    the observed difference): below MIN_PAIRED_EXAMPLES it cannot reach p < 0.05."""
    assert 2 / 2 ** (MIN_PAIRED_EXAMPLES - 1) >= 0.05 > 2 / 2**MIN_PAIRED_EXAMPLES
    assert [too_few_examples(n) for n in (1, MIN_PAIRED_EXAMPLES - 1, MIN_PAIRED_EXAMPLES)] == [
        f"too few examples (n = 1 < {MIN_PAIRED_EXAMPLES})",
        f"too few examples (n = {MIN_PAIRED_EXAMPLES - 1} < {MIN_PAIRED_EXAMPLES})",
        None,
    ]


def test_mean_metric_shift_is_significant_and_ci_covers_delta() -> None:
    rng = np.random.default_rng(7)
    base = rng.uniform(0.2, 0.6, size=300)
    better = base + 0.05 + rng.normal(0, 0.02, size=300)
    (result,) = PairedBootstrap(300, 1000, seed=1).compare(mean_stats(base), [mean_stats(better)])
    assert result.delta == pytest.approx(better.mean() - base.mean())
    assert result.delta_ci[0] < result.delta < result.delta_ci[1]
    assert result.p_value < 0.01
    (p_ar,) = ApproximateRandomization(300, 2000, seed=1).compare(mean_stats(base), [mean_stats(better)])
    assert p_ar < 0.01


def test_noise_is_not_significant() -> None:
    rng = np.random.default_rng(8)
    base = rng.uniform(0, 1, size=200)
    noisy = base + rng.normal(0, 0.05, size=200)
    noisy -= noisy.mean() - base.mean() - 0.0005
    (result,) = PairedBootstrap(200, 1000).compare(mean_stats(base), [mean_stats(noisy)])
    assert result.p_value > 0.1
    assert ApproximateRandomization(200, 1000).p_value(mean_stats(base), mean_stats(noisy)) > 0.1


def test_seed_determines_resamples() -> None:
    base, other = mean_stats(np.arange(50.0)), mean_stats(np.arange(50.0)[::-1] * 0.9)
    first = PairedBootstrap(50, 200, seed=3).compare(base, [other])
    assert first == PairedBootstrap(50, 200, seed=3).compare(base, [other])
    assert first != PairedBootstrap(50, 200, seed=4).compare(base, [other])


def test_percentile_ci_uses_sacrebleu_indices() -> None:
    assert percentile_ci(np.arange(1000.0)) == (25.0, 974.0)


def test_unpaired_inputs_are_rejected() -> None:
    with pytest.raises(ValueError, match="same examples"):
        PairedBootstrap(3).compare(mean_stats([1.0, 2.0, 3.0]), [mean_stats([1.0, 2.0])])


def test_sacrebleu_metric_from_settings() -> None:
    metric = build_sacrebleu("chrf++", {"word_order": 2})
    assert isinstance(metric, CHRF) and metric.word_order == 2
    with pytest.raises(ValueError, match="unknown sacrebleu metric"):
        build_sacrebleu("rouge1", {})
    with pytest.raises(ConfigError, match="corpus hook .*'rouge' is unknown; available: \\['sacrebleu'\\]"):
        corpus_hook("rouge")


def test_defaults_are_sacrebleus() -> None:
    assert PairedBootstrap(5).n_samples == PairedTest._DEFAULT_SAMPLES["bs"]
    assert ApproximateRandomization(5).n_trials == PairedTest._DEFAULT_SAMPLES["ar"]
    assert (PairedBootstrap(5).seed, ApproximateRandomization(5).seed) == (12345, 12345)  # SACREBLEU_SEED's default


def test_mean_stats_of_an_odd_number_of_examples() -> None:
    stats = mean_stats([0.1, 0.2, 0.6])
    assert stats.stats.shape == (3, 1) and stats.score() == pytest.approx(0.3)
