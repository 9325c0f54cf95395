"""ROUGE-1/2/L/Lsum with Google's rouge-score, max over references."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from importlib.metadata import version

from rouge_score import rouge_scorer

from harness.metrics.base import Metric, ScoringInput
from harness.metrics.registry import register_metric
from harness.text import split_sentences

ROUGE_TYPES = ("rouge1", "rouge2", "rougeL", "rougeLsum")


def lsum_text(text: str, lang: str = "en") -> str:
    """ROUGE-Lsum compares summary-level LCS over sentences, which rouge-score reads as newline-separated
    lines: without this split, Lsum silently equals ROUGE-L (the classic pitfall)."""
    return "\n".join(split_sentences(text, lang))


class RougeMetric(Metric):
    name = "rouge"
    parallel = True

    def __init__(self, use_stemmer: bool = True, lang: str = "en") -> None:
        self.use_stemmer = use_stemmer
        self.lang = lang
        self.scorer = rouge_scorer.RougeScorer(list(ROUGE_TYPES), use_stemmer=use_stemmer)

    def signature(self) -> str:
        stem = "yes" if self.use_stemmer else "no"
        return f"rouge-score:{version('rouge-score')}|f1|stem:{stem}|lsum:sent-split|multi-ref:max"

    def score(self, batch: Sequence[ScoringInput]) -> list[dict[str, Any]]:
        return [self.score_one(item.output, item.example.references) for item in batch]

    def score_one(self, output: str, references: Sequence[str]) -> dict[str, Any]:
        if not references:
            return {}
        scores = self.scorer.score_multi([lsum_text(r, self.lang) for r in references], lsum_text(output, self.lang))
        return {name: scores[name].fmeasure for name in ROUGE_TYPES}


@register_metric("rouge")
def _rouge(cfg: Any, task: Any) -> Metric:
    return RougeMetric(use_stemmer=cfg.rouge_use_stemmer, lang=task.target_lang)
