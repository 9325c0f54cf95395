"""Reference-free properties of an output against its source: length, compression, extractiveness.

Extractive fragment coverage and density follow Grusky, Naaman and Artzi (2018), "Newsroom": greedy
matching of the longest shared token sequences between summary and article.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from harness.metrics.base import Metric, ScoringInput
from harness.metrics.config import MetricsConfig
from harness.metrics.metadata import DESCRIPTIVE
from harness.metrics.signature import Signature

_TOKEN = re.compile(r"\w+", re.UNICODE)


def tokens(text: str) -> list[str]:
    """Lower-cased ``\\w+`` runs. Not :func:`harness.facts.text.tokens` (words with hyphens and apostrophes
    kept whole): that moves the seed's compression (lead 7.444 -> 7.315; benchmarks/text_helpers.py)."""
    return _TOKEN.findall(text.lower())


def extractive_fragments(article: Sequence[str], summary: Sequence[str]) -> list[int]:
    """Lengths of the greedy extractive fragments F(A, S) of Grusky et al. (2018), Algorithm 1."""
    positions: dict[str, list[int]] = {}
    for j, token in enumerate(article):
        positions.setdefault(token, []).append(j)
    fragments: list[int] = []
    i = 0
    while i < len(summary):
        best = 0
        for j in positions.get(summary[i], ()):
            length = 0
            while (
                i + length < len(summary) and j + length < len(article) and summary[i + length] == article[j + length]
            ):
                length += 1
            best = max(best, length)
        if best:
            fragments.append(best)
            i += best
        else:
            i += 1
    return fragments


def novel_ngram_ratio(article: Sequence[str], summary: Sequence[str], n: int) -> float | None:
    summary_ngrams = [tuple(summary[i : i + n]) for i in range(len(summary) - n + 1)]
    if not summary_ngrams:
        return None
    article_ngrams = {tuple(article[i : i + n]) for i in range(len(article) - n + 1)}
    return sum(g not in article_ngrams for g in summary_ngrams) / len(summary_ngrams)


class ReferenceFreeMetric(Metric):
    name = "reference_free"
    parallel = True
    # Descriptive statistics of the output: no direction is better, so none is ever bolded as best.
    score_keys = {key: DESCRIPTIVE for key in ("length", "compression", "coverage", "density", "novel_*gram")}

    def signature(self) -> str:
        return Signature("reference-free", {"tok": "lower-word", "fragments": "grusky2018", "novel": "1-3"}).format()

    def score(self, batch: Sequence[ScoringInput]) -> list[dict[str, Any]]:
        return [self.score_one(item.example.source, item.output) for item in batch]

    def score_one(self, source: str, output: str) -> dict[str, Any]:
        article, summary = tokens(source), tokens(output)
        values: dict[str, Any] = {"length": float(len(summary))}
        if summary:
            fragments = extractive_fragments(article, summary)
            values["compression"] = len(article) / len(summary)
            values["coverage"] = sum(fragments) / len(summary)
            values["density"] = sum(f * f for f in fragments) / len(summary)
        for n in (1, 2, 3):
            ratio = novel_ngram_ratio(article, summary, n)
            if ratio is not None:
                values[f"novel_{n}gram"] = ratio
        return values


def build_reference_free(cfg: MetricsConfig, task: Any) -> Metric:
    return ReferenceFreeMetric()
