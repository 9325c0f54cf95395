"""BLEU, chrF, chrF++ and TER through sacrebleu: corpus scores with sacrebleu's own signatures.

Corpus scores are computed exactly as ``sacrebleu`` does (they match its command line to the last
digit). Per example, ``score`` gives sentence-level BLEU and chrF and, as a detail, the sufficient
statistics of every corpus metric (``sacrebleu_stats``): summed over any subset of examples they give
that subset's corpus score, which paired bootstrap / approximate randomisation tests rely on. As the
chunks stream, the corpus fold adds each chunk's statistics to running sums and keeps nothing else.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from harness.metrics.base import Metric, ScoringInput
from harness.metrics.config import MetricsConfig
from harness.metrics.metadata import HIGHER, KeyMeta
from harness.metrics.support.sacrebleu_adapter import (
    CORPUS_METRICS,
    STATS_KEY,
    Row,
    add_statistics,
    bleu_tokenizer,
    build_sacrebleu,
    metric_settings,
    score_statistics,
    segment_statistics,
    signature,
)

_CORPUS = KeyMeta(corpus=True, corpus_hook="sacrebleu")


@dataclass
class _Totals:
    """The corpus fold: summed statistics per corpus metric and the reference counts seen."""

    sums: dict[str, Row] = field(default_factory=dict)
    n_refs: set[int] = field(default_factory=set)
    count: int = 0  # examples with references: those the corpus scores are computed on


class SacreBleuMetrics(Metric):
    """All four sacrebleu metrics: corpus ``bleu``, ``chrf``, ``chrf++``, ``ter``; per example ``sentence_*``."""

    name: ClassVar[str] = "sacrebleu"
    score_keys: ClassVar[Mapping[str, KeyMeta]] = {
        "bleu": _CORPUS,
        "chrf": _CORPUS,
        "chrf++": _CORPUS,
        "ter": KeyMeta(higher_is_better=False, corpus=True, corpus_hook="sacrebleu"),  # an error rate
        "sentence_bleu": HIGHER,
        "sentence_chrf": HIGHER,
    }

    def __init__(self, target_lang: str = "en", tokenize: str | None = None, lowercase: bool = False) -> None:
        self._settings = metric_settings(target_lang, tokenize, lowercase)
        self._metrics = {name: build_sacrebleu(name, self._settings[name]) for name in CORPUS_METRICS}
        self._settings["bleu"]["tokenize"] = bleu_tokenizer(self._metrics["bleu"])
        # Sentence BLEU uses the effective n-gram order, as sacrebleu's sentence_bleu does.
        self._sentence_bleu = build_sacrebleu("bleu", {**self._settings["bleu"], "effective_order": True})
        self._n_refs: int | str = "?"  # for signatures: references per example, -1 when they vary

    def signature(self) -> str:
        return " ; ".join(f"{name}:{{{signature}}}" for name, signature in self.signatures().items())

    def signatures(self) -> dict[str, str]:
        """sacrebleu's signature of each corpus metric and sentence score (``nrefs`` as of the last batch)."""
        signatures = {name: signature(metric, self._n_refs) for name, metric in self._metrics.items()}
        signatures["sentence_bleu"] = signature(self._sentence_bleu, self._n_refs)
        signatures["sentence_chrf"] = signatures["chrf"]
        return signatures

    def settings(self) -> dict[str, dict]:
        """Keyword arguments that rebuild each corpus metric's sacrebleu object."""
        return {name: dict(settings) for name, settings in self._settings.items()}

    def score(self, batch: Sequence[ScoringInput]) -> list[dict[str, Any]]:
        scored = [item for item in batch if item.example.references]
        self._n_refs = _n_refs(scored) if scored else self._n_refs
        scores: list[dict[str, Any]] = []
        for item in batch:
            if not item.example.references:
                scores.append({})
                continue
            stats = {
                name: segment_statistics(metric, item.output, item.example.references)
                for name, metric in self._metrics.items()
            }
            scores.append(
                {
                    # What sentence_score computes, from the statistics at hand.
                    "sentence_bleu": score_statistics(self._sentence_bleu, stats["bleu"]),
                    "sentence_chrf": score_statistics(self._metrics["chrf"], stats["chrf"]),
                    STATS_KEY: stats,
                }
            )
        return scores

    def corpus(self, batch: Sequence[ScoringInput]) -> dict[str, float]:
        """Corpus scores over the examples that have references (their number may vary)."""
        state: list[Any] = []
        self.corpus_update(state, batch, self.score(batch))
        return self.corpus_finish(state)

    def corpus_update(self, state: list[Any], batch: Sequence[ScoringInput], results: Sequence[dict[str, Any]]) -> None:
        """Add the statistics ``score`` gave for the chunk to the running sums."""
        if not state:
            state.append(_Totals())
        totals: _Totals = state[0]
        for item, values in zip(batch, results, strict=True):
            if STATS_KEY in values:
                totals.count += 1
                totals.n_refs.add(len(item.example.references))
                for name, row in values[STATS_KEY].items():
                    totals.sums[name] = add_statistics(totals.sums.get(name), row)

    def corpus_count(self, state: list[Any]) -> int:
        return state[0].count if state else 0

    def corpus_finish(self, state: list[Any]) -> dict[str, float]:
        totals: _Totals | None = state[0] if state else None
        if totals is None or not totals.n_refs:
            return {}
        self._n_refs = totals.n_refs.pop() if len(totals.n_refs) == 1 else -1
        return {name: score_statistics(metric, totals.sums[name]) for name, metric in self._metrics.items()}


def _n_refs(items: Sequence[ScoringInput]) -> int:
    """References per example as sacrebleu's signature reports them: the number, or -1 ("var")."""
    counts = {len(item.example.references) for item in items}
    return counts.pop() if len(counts) == 1 else -1


def build_sacrebleu_metrics(cfg: MetricsConfig, task: Any) -> Metric:
    return SacreBleuMetrics(task.target_lang, cfg.sacrebleu.tokenize, cfg.sacrebleu.lowercase)
