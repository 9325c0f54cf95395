"""BERTScore equals bert-score's own ``score`` on the same pairs, model and layer (max over references)."""

from __future__ import annotations

import bert_score
import pytest

from harness.data.example import Example
from harness.metrics.base import ScoringInput
from harness.metrics.bertscore import BertScoreMetric
from harness.metrics.support.embedder import minilm_path

PAIRS = [
    (
        "Russia and North Korea signed a defence pact in Pyongyang.",
        ["The two countries signed a mutual defence treaty in Pyongyang on Wednesday."],
    ),
    (
        "The council approved a budget of 45 million pounds.",
        ["A volcano erupted in Iceland.", "The city council passed a 45 million pound budget.", "Budget approved."],
    ),
    ("Critics voted against the plan.", ["Opposition members voted against it, citing taxes.", "Critics objected."]),
]


@pytest.mark.slow
def test_equals_bert_score_with_max_over_references() -> None:
    metric = BertScoreMetric()
    ours = metric.score([ScoringInput(Example(str(i), "src", tuple(refs)), out) for i, (out, refs) in enumerate(PAIRS)])
    precision, recall, f1 = bert_score.score(
        [out for out, _ in PAIRS], [refs for _, refs in PAIRS], model_type=minilm_path(), num_layers=6
    )
    for scores, p, r, f in zip(ours, precision.tolist(), recall.tolist(), f1.tolist(), strict=True):
        assert scores == pytest.approx({"bertscore_precision": p, "bertscore_recall": r, "bertscore_f1": f}, abs=1e-6)
    # The second output is scored against its best reference (by F1), not the first or a mean.
    (alone,) = metric.score([ScoringInput(Example("b", "src", (PAIRS[1][1][1],)), PAIRS[1][0])])
    assert alone["bertscore_f1"] == pytest.approx(ours[1]["bertscore_f1"], abs=1e-6)
    (first,) = metric.score([ScoringInput(Example("a", "src", (PAIRS[1][1][0],)), PAIRS[1][0])])
    assert first["bertscore_f1"] < alone["bertscore_f1"] - 0.1


def test_an_example_without_references_gets_no_bertscore() -> None:
    results = BertScoreMetric().score(
        [ScoringInput(Example("x", "src", ()), "text"), ScoringInput(Example("y", "src", ("text",)), "text")]
    )
    assert results[0] == {} and results[1]["bertscore_f1"] == pytest.approx(1.0, abs=1e-6)
