"""Training of ``word_support``'s logistic regression on synthetic perturbations of news articles.

For a few sentences of each article (the FRANK validation dev articles, without their labels: never
the holdout articles of ``harness/data/frank_holdout.json``; and the seed articles), claims are built
and scored against the whole article:

- faithful: the sentence copied (half of the time tokenised as FRANK's outputs are) or cut to a
  shorter stretch of it;
- extrinsic: a stretch of one to three words (starting at a content word) replaced by a stretch of the
  same shape (a number for a number, a capitalised word for a capitalised word) from another article;
- intrinsic: the same with a stretch from another sentence of the same article;
- number: a number changed.

A content word of a claim is labelled unsupported when a perturbation brought it in (and the original
sentence did not have it). Everything is seeded: the same inputs give the same claims (their hash is
stored with the weights) and the same weights.

    python -m training.word_support --frank ../shared/data/frank-valid.jsonl --seeds seeds
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from spacy.lang.en.stop_words import STOP_WORDS

from harness.data.frank_holdout import holdout_doc_ids
from harness.metrics.faithfulness import FaithfulnessScorer, normalise, split_sentences
from harness.metrics.support.word_support import FEATURES, WEIGHTS_FILE, WordSupportModel

SEED = 13
SENTENCES_PER_ARTICLE = 4
MIN_WORDS, MAX_WORDS = 8, 40
DECIMALS = 4
NEAREST = 5  # extrinsic spans come from one of the articles closest in vocabulary: related but unsupported
_PIECE_WORD = re.compile(r"[^\W_]+")  # what MiniLM's tokenizer keeps together before word pieces
_PUNCTUATION = re.compile(r"([.,!?;:()\"]|'s\b)")


@dataclass(frozen=True)
class Claim:
    """A claim about ``source`` and the words (lowercased) a perturbation brought into it."""

    source: str
    text: str
    inserted: frozenset[str]
    kind: str


def load_articles(frank: Path, seeds: Path) -> list[tuple[str, str]]:
    """(dataset, article) for each distinct FRANK dev article (by ``doc_id``; holdout articles left out)
    and each seed article."""
    holdout = holdout_doc_ids()
    by_doc: dict[str, tuple[str, str]] = {}
    with frank.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                row = json.loads(line)
                if row["doc_id"] not in holdout:
                    by_doc[row["doc_id"]] = (row["dataset"], row["article"])
    seed_articles = [("seed", path.read_text(encoding="utf-8")) for path in sorted(seeds.glob("*.txt"))]
    return [by_doc[doc] for doc in sorted(by_doc)] + seed_articles


def _shape(token: str) -> str:
    if any(c.isdigit() for c in token):
        return "number"
    return "name" if token[:1].isupper() else "word"


def _content(token: str) -> bool:
    return any(w not in STOP_WORDS for w in _PIECE_WORD.findall(token.lower()))


def _piece_words(text: str) -> set[str]:
    return {w for w in _PIECE_WORD.findall(text.lower()) if w not in STOP_WORDS}


def _spans(tokens: Sequence[str], length: int, shape: str) -> list[int]:
    """Starts of stretches of ``length`` tokens that begin with a content token of ``shape``."""
    return [i for i in range(len(tokens) - length + 1) if _content(tokens[i]) and _shape(tokens[i]) == shape]


def _swap(rng: random.Random, tokens: list[str], donors: Sequence[list[str]]) -> tuple[list[str], list[str]] | None:
    """``tokens`` with a stretch replaced by one of the same length and shape from a donor sentence."""
    length = rng.choice((1, 1, 2, 3))
    starts = _spans(tokens, length, rng.choice(("number", "name", "word", "word")))
    if not starts:
        return None
    start = rng.choice(starts)
    shape = _shape(tokens[start])
    for donor in rng.sample(list(donors), min(5, len(donors))):
        options = _spans(donor, length, shape)
        if options:
            begin = rng.choice(options)
            new = donor[begin : begin + length]
            return tokens[:start] + new + tokens[start + length :], new
    return None


def _change_number(rng: random.Random, tokens: list[str]) -> tuple[list[str], list[str]] | None:
    positions = [i for i, t in enumerate(tokens) if re.fullmatch(r"\d+", t.strip(".,;:()"))]
    if not positions:
        return None
    i = rng.choice(positions)
    value = int(re.sub(r"\D", "", tokens[i]))
    new = str(
        value + rng.choice((1, 2, 3, 5, 10, 100)) if value < 1900 or value > 2100 else value + rng.choice((-2, -1, 1))
    )
    return tokens[:i] + [tokens[i].replace(str(value), new)] + tokens[i + 1 :], [new]


def _frank_style(rng: random.Random, text: str) -> str:
    """Half of the time lowercased with punctuation split off, as FRANK's outputs are."""
    if rng.random() < 0.5:
        return text
    return " ".join(_PUNCTUATION.sub(r" \1 ", text.lower()).split())


def _nearest(vocabularies: Sequence[set[str]], index: int, count: int) -> list[int]:
    """The ``count`` other articles that share the largest fraction of their content words with one
    (``vocabularies``: each article's content words)."""
    own = vocabularies[index]
    overlap = [len(own & v) / len(own | v) if i != index else -1.0 for i, v in enumerate(vocabularies)]
    return sorted(range(len(vocabularies)), key=lambda i: (-overlap[i], i))[:count]


def synthetic_claims(articles: Sequence[tuple[str, str]], seed: int = SEED) -> list[Claim]:
    rng = random.Random(seed)
    sentences = [[s.split() for s in split_sentences(normalise(article))] for _, article in articles]
    vocabularies = [_piece_words(article) for _, article in articles]
    claims: list[Claim] = []
    for index, (_, article) in enumerate(articles):
        own = sentences[index]
        usable = [s for s in own if MIN_WORDS <= len(s) <= MAX_WORDS]
        others = _nearest(vocabularies, index, NEAREST)
        for tokens in rng.sample(usable, min(SENTENCES_PER_ARTICLE, len(usable))):
            original = " ".join(tokens)
            cut = rng.randint(int(0.6 * len(tokens)), len(tokens) - 1)
            begin = rng.randint(0, len(tokens) - cut)
            variants: list[tuple[str, tuple[list[str], list[str]] | None]] = [
                ("copy", (tokens, [])),
                ("shortened", (tokens[begin : begin + cut], [])),
                ("extrinsic", _swap(rng, tokens, sentences[rng.choice(others)])),
                ("intrinsic", _swap(rng, tokens, [s for s in own if s is not tokens])),
                ("number", _change_number(rng, tokens)),
            ]
            for kind, variant in variants:
                if variant is None:
                    continue
                new_tokens, brought = variant
                inserted = frozenset(_piece_words(" ".join(brought)) - _piece_words(original))
                if kind in ("copy", "shortened") or inserted:
                    claims.append(Claim(article, _frank_style(rng, " ".join(new_tokens)), inserted, kind))
    return claims


def claims_hash(claims: Sequence[Claim]) -> str:
    digest = hashlib.sha256()
    for claim in claims:
        digest.update(json.dumps([claim.source, claim.text, sorted(claim.inserted), claim.kind]).encode())
    return digest.hexdigest()


def word_table(scorer: FaithfulnessScorer, claims: Sequence[Claim], batch: int = 64) -> tuple[np.ndarray, np.ndarray]:
    """Features and labels (1 = brought in by a perturbation) of every content word of the claims."""
    features, labels = [], []
    for start in range(0, len(claims), batch):
        part = claims[start : start + batch]
        for claim, found in zip(part, scorer.output_words([(c.source, c.text) for c in part]), strict=True):
            for word in found:
                features.append(word.features)
                labels.append(int(word.text in claim.inserted))
    return np.array(features, dtype=np.float64), np.array(labels)


def train(claims: Sequence[Claim], scorer: FaithfulnessScorer) -> WordSupportModel:
    features, labels = word_table(scorer, claims)
    fitted = LogisticRegression(C=1.0, max_iter=1000).fit(features, labels)
    return WordSupportModel(
        tuple(round(float(c), DECIMALS) for c in fitted.coef_[0]),
        round(float(fitted.intercept_[0]), DECIMALS),
        claims_hash(claims),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--frank", type=Path, required=True, help="FRANK-format JSONL (its articles only are used)")
    parser.add_argument("--seeds", type=Path, required=True, help="folder of seed articles (*.txt)")
    parser.add_argument("--out", type=Path, default=WEIGHTS_FILE)
    args = parser.parse_args()
    claims = synthetic_claims(load_articles(args.frank, args.seeds))
    model = train(claims, FaithfulnessScorer())
    args.out.write_text(json.dumps(model.to_json(), indent=2) + "\n", encoding="utf-8")
    print(f"{len(claims)} claims; weights for {', '.join(FEATURES)} written to {args.out}")


if __name__ == "__main__":
    main()
