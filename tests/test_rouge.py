"""ROUGE equals rouge-score called directly with the same settings, on real FRANK summaries."""

from __future__ import annotations

import json

import pytest
from rouge_score import rouge_scorer

from conftest import FRANK, requires_shared
from harness.data.example import Example
from harness.metrics.base import ScoringInput
from harness.metrics.rouge import ROUGE_TYPES, RougeMetric
from harness.text import split_sentences


@requires_shared
@pytest.mark.slow
def test_rouge_equals_rouge_score_on_frank_validation() -> None:
    rows = [json.loads(line) for line in FRANK.read_text(encoding="utf-8").splitlines()]
    batch = [ScoringInput(Example(r["id"], r["article"], (r["reference"],)), r["summary"]) for r in rows]
    ours = RougeMetric().score(batch)
    direct = rouge_scorer.RougeScorer(list(ROUGE_TYPES), use_stemmer=True)
    assert len(ours) == 671
    for row, scores in zip(rows, ours, strict=True):
        expected = direct.score(
            "\n".join(split_sentences(row["reference"])), "\n".join(split_sentences(row["summary"]))
        )
        for name in ROUGE_TYPES:
            assert scores[name] == expected[name].fmeasure, (row["id"], name)


# Multi-sentence pairs on which splitting neither side, only the reference or only the output each
# give another ROUGE-Lsum than splitting both (what rouge-score expects): runs without ../shared too.
PAIRS = [
    ("The treaty was signed in Pyongyang on Wednesday. Both leaders praised it. A defence clause was included.",
     "Both leaders signed the treaty. It was praised in Pyongyang. The clause on defence was included on Wednesday."),
    ("Leaders met. The pact includes mutual defence. Critics warned of risks in Asia.",
     "Critics in Asia warned. Leaders met and the pact includes defence risks."),
]


def test_equals_rouge_score_on_sentence_split_lines() -> None:
    direct = rouge_scorer.RougeScorer(list(ROUGE_TYPES), use_stemmer=True)
    ours = RougeMetric().score([ScoringInput(Example(str(i), "src", (ref,)), out) for i, (ref, out) in enumerate(PAIRS)])
    for (reference, output), scores in zip(PAIRS, ours, strict=True):
        expected = direct.score("\n".join(split_sentences(reference)), "\n".join(split_sentences(output)))
        assert scores == {name: expected[name].fmeasure for name in ROUGE_TYPES}
    assert [s["rougeLsum"] for s in ours] == pytest.approx([26 / 35, 0.8])


def test_lsum_splits_sentences_so_it_differs_from_rouge_l() -> None:
    reference = "The treaty was signed in Pyongyang. It includes a mutual defence clause."
    output = "It includes a mutual defence clause. The treaty was signed in Pyongyang."
    scores = RougeMetric().score_one(output, [reference])
    assert scores["rougeLsum"] == pytest.approx(1.0)
    assert scores["rougeL"] < 0.7


def test_max_over_references() -> None:
    metric = RougeMetric()
    single = metric.score_one("the cat sat on the mat", ["a dog barked"])
    multi = metric.score_one("the cat sat on the mat", ["a dog barked", "the cat sat on a mat"])
    assert single["rouge1"] == 0.0 and multi["rouge1"] > 0.8


def test_no_reference_gives_no_rouge() -> None:
    assert RougeMetric().score_one("anything", []) == {}


def test_stemming_is_on_by_default() -> None:
    assert RougeMetric().score_one("signing treaties", ["signed treaty"])["rouge1"] == pytest.approx(1.0)
    assert RougeMetric(use_stemmer=False).score_one("signing treaties", ["signed treaty"])["rouge1"] == 0.0
    assert "stem:yes" in RougeMetric().signature()
