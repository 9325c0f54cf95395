"""The word-support model of ``faithfulness``: its synthetic training data, deterministic rebuild and use."""

import json
from pathlib import Path

import pytest

from harness.data.frank_holdout import holdout_doc_ids
from harness.metrics.support.word_support import FEATURES, WEIGHTS_FILE, OutputWord, load_word_support
from testkit import FRANK, requires_shared
from training.word_support import (
    _piece_words,
    claims_hash,
    load_articles,
    synthetic_claims,
    train,
)

SEEDS = Path(__file__).parents[2] / "seeds"
ARTICLES = [
    ("news", "The council of Leeds approved a budget of 45 million pounds on Tuesday. " * 2),
    (
        "news",
        "Council leader Judith Blake said the money would pay for 12 new schools and libraries in the city. "
        "Opposition members voted against the plan, saying it raised council tax by 3 percent this year. "
        "The new schools are expected to open in 2027 after two years of building work in Leeds.",
    ),
    (
        "news",
        "A volcano erupted in southern Iceland on Sunday, sending ash two kilometres into the sky above Reykjavik. "
        "Flights from Keflavik airport were cancelled for 48 hours while scientists measured the plume. "
        "About 4,000 residents of the fishing town of Grindavik were evacuated by the civil protection agency.",
    ),
]


def test_perturbations_label_the_words_they_bring_in() -> None:
    claims = synthetic_claims(ARTICLES)
    kinds = {claim.kind for claim in claims}
    assert {"copy", "shortened", "extrinsic", "intrinsic", "number"} <= kinds
    for claim in claims:
        if claim.kind in ("copy", "shortened"):
            assert not claim.inserted and _piece_words(claim.text) <= _piece_words(claim.source), claim
        else:
            assert claim.inserted and claim.inserted <= _piece_words(claim.text), claim
    extrinsic = [c for c in claims if c.kind == "extrinsic"]
    assert any(not c.inserted <= _piece_words(c.source) for c in extrinsic)  # words from another article
    assert all(c.inserted <= _piece_words(c.source) for c in claims if c.kind == "intrinsic")


def test_the_synthetic_claims_are_the_same_on_every_run() -> None:
    assert claims_hash(synthetic_claims(ARTICLES)) == claims_hash(synthetic_claims(ARTICLES))
    assert claims_hash(synthetic_claims(ARTICLES, seed=1)) != claims_hash(synthetic_claims(ARTICLES))


@requires_shared
def test_training_reads_no_holdout_article() -> None:
    holdout = holdout_doc_ids()
    assert len(holdout) == 50
    articles = {article for _, article in load_articles(FRANK, SEEDS)}
    with FRANK.open(encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle if line.strip()]
    assert not articles & {row["article"] for row in rows if row["doc_id"] in holdout}
    assert len(articles & {row["article"] for row in rows}) == 99  # every dev article


@requires_shared
def test_the_shipped_weights_were_fitted_on_these_claims() -> None:
    claims = synthetic_claims(load_articles(FRANK, SEEDS))
    assert claims_hash(claims) == load_word_support().data_sha256


@requires_shared
@pytest.mark.slow
def test_rebuilding_the_weights_gives_the_shipped_ones() -> None:
    from harness.metrics.faithfulness import FaithfulnessScorer

    rebuilt = train(synthetic_claims(load_articles(FRANK, SEEDS)), FaithfulnessScorer())
    shipped = load_word_support()
    assert rebuilt.data_sha256 == shipped.data_sha256
    # same weights up to the last stored decimal (float sums may differ in the last bit across thread counts)
    assert rebuilt.intercept == pytest.approx(shipped.intercept, abs=2e-4)
    assert rebuilt.coefficients == pytest.approx(shipped.coefficients, abs=2e-4)


def test_the_model_flags_words_the_source_lacks() -> None:
    model = load_word_support()
    copied = OutputWord("leeds", (1.0, 1.0, 1.0, 0.0, 1.0))
    paraphrased = OutputWord("approved", (0.8, 0.8, 0.0, 0.0, 1.0))
    invented = OutputWord("iceland", (0.45, 0.45, 0.0, 0.0, 1.0))
    assert model.unsupported(copied) < 0.05 < model.unsupported(paraphrased) < 0.5 < model.unsupported(invented)
    assert [model.flags(word) for word in (copied, paraphrased, invented)] == [False, False, True]


def test_weights_for_other_features_are_refused(tmp_path: Path) -> None:
    stored = json.loads(WEIGHTS_FILE.read_text(encoding="utf-8"))
    other = tmp_path / "weights.json"
    other.write_text(json.dumps({**stored, "features": [*FEATURES, "extra"]}), encoding="utf-8")
    with pytest.raises(RuntimeError, match="weights.json: weights for features"):
        load_word_support.__wrapped__(other)
