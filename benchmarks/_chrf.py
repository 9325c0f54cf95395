"""Sentence chrF as a harness metric, in a module of its own so that scoring workers import little."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sacrebleu
from sacrebleu.metrics import CHRF

from harness.metrics.base import Metric, ScoringInput


class SentenceChrF(Metric):
    name = "sentence_chrf"
    parallel = True

    def __init__(self) -> None:
        self.chrf = CHRF()

    def signature(self) -> str:  # a parallel metric's signature cannot depend on what it has scored
        return f"sacrebleu:{sacrebleu.__version__}|chrF2|sentence|nrefs:1"

    def score(self, batch: Sequence[ScoringInput]) -> list[dict[str, Any]]:
        return [{"sentence_chrf": self.chrf.sentence_score(i.output, list(i.example.references)).score} for i in batch]
