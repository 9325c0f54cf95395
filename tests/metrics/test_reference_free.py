"""Length, compression, extractive coverage/density (Grusky et al., 2018) and novel n-grams."""

from __future__ import annotations

import pytest

from harness.metrics.reference_free import ReferenceFreeMetric, extractive_fragments, novel_ngram_ratio, tokens


def test_fragments_are_greedy_longest_matches() -> None:
    article = tokens("the cat sat on the mat and the dog sat on the rug")
    summary = tokens("the dog sat on the mat yesterday")
    # "the dog sat on the" (5) then "mat" (1); "yesterday" is novel.
    assert extractive_fragments(article, summary) == [5, 1]


def test_copy_has_full_coverage_and_density_equal_to_length() -> None:
    values = ReferenceFreeMetric().score_one("One two three four. Five six.", "two three four")
    assert values["coverage"] == 1.0 and values["density"] == 3.0 and values["length"] == 3.0
    assert values["compression"] == pytest.approx(6 / 3)
    assert values["novel_1gram"] == 0.0 and values["novel_3gram"] == 0.0


def test_abstractive_output_has_novel_ngrams() -> None:
    values = ReferenceFreeMetric().score_one("Putin visited Pyongyang on Wednesday.", "Putin went to North Korea.")
    assert values["coverage"] == pytest.approx(1 / 5)
    assert values["novel_1gram"] == pytest.approx(4 / 5)
    assert values["novel_2gram"] == 1.0


def test_empty_output_has_only_length() -> None:
    assert ReferenceFreeMetric().score_one("Some source.", "") == {"length": 0.0}
    assert novel_ngram_ratio(["a"], ["a"], 2) is None
