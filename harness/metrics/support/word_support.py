"""How likely each content word of an output states something its source does not.

A logistic regression over cheap per-word features of ``faithfulness``'s MiniLM alignment
(``FEATURES``), trained on synthetic perturbations of news articles
(``training.word_support``: spans swapped in from another article or from elsewhere in
the same one, numbers changed, against copied and shortened sentences), never on human labels. Its
weights are a few numbers in ``word_support.json`` beside this module, with the hash of the training
data they were fitted on; ``python -m training.word_support`` rebuilds them.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import torch

WEIGHTS_FILE = Path(__file__).with_name("word_support.json")
FEATURES = ("min_similarity", "mean_similarity", "in_source", "has_digit", "pieces")
MAX_PIECES = 4
FLAG_ABOVE = 0.5  # a word is flagged when P(unsupported) exceeds this: the classifier's own decision rule


@dataclass(frozen=True)
class OutputWord:
    """A content word of the output (its word pieces joined) and its features (``FEATURES``)."""

    text: str
    features: tuple[float, ...]


def word_features(
    pieces: Sequence[str],
    content: Sequence[bool],
    similarity: torch.Tensor,
    in_source: Callable[[str], bool],
) -> list[OutputWord]:
    """The content words of an output with their features: ``similarity`` is each piece's best cosine
    similarity to any source token, ``in_source`` whether the source has the word (or its stem)."""
    words: list[OutputWord] = []
    start = 0
    while start < len(pieces):
        end = start + 1
        while end < len(pieces) and pieces[end].startswith("##"):
            end += 1
        if content[start]:
            text = pieces[start] + "".join(p[2:] for p in pieces[start + 1 : end])
            span = similarity[start:end]
            words.append(
                OutputWord(
                    text,
                    (
                        float(span.min()),
                        float(span.mean()),
                        float(in_source(text)),
                        float(any(c.isdigit() for c in text)),
                        float(min(end - start, MAX_PIECES)),
                    ),
                )
            )
        start = end
    return words


@dataclass(frozen=True)
class WordSupportModel:
    """Logistic regression: P(the word is unsupported) = sigmoid(intercept + coefficients . features)."""

    coefficients: tuple[float, ...]
    intercept: float
    data_sha256: str

    def unsupported(self, word: OutputWord) -> float:
        z = self.intercept + sum(c * f for c, f in zip(self.coefficients, word.features, strict=True))
        return 1.0 / (1.0 + math.exp(-z))

    def flags(self, word: OutputWord) -> bool:
        """The model's decision: the word is more likely unsupported than supported. (A count of
        decisions, unlike a sum of probabilities, does not grow with the length of copied text.)"""
        return self.unsupported(word) > FLAG_ABOVE

    @property
    def digest(self) -> str:
        """A short hash of the weights, for the metric's signature."""
        weights = json.dumps([list(FEATURES), list(self.coefficients), self.intercept])
        return hashlib.sha256(weights.encode()).hexdigest()[:12]

    def to_json(self) -> dict[str, object]:
        return {
            "features": list(FEATURES),
            "coefficients": list(self.coefficients),
            "intercept": self.intercept,
            "training_data_sha256": self.data_sha256,
        }


@lru_cache(maxsize=1)
def load_word_support(path: Path = WEIGHTS_FILE) -> WordSupportModel:
    """The shipped weights; a file made for other features is refused, naming it."""
    stored = json.loads(path.read_text(encoding="utf-8"))
    if tuple(stored["features"]) != FEATURES:
        raise RuntimeError(f"{path}: weights for features {stored['features']}, expected {list(FEATURES)}")
    return WordSupportModel(tuple(stored["coefficients"]), stored["intercept"], stored["training_data_sha256"])
