"""BLEU, chrF, chrF++ and TER through sacrebleu: corpus scores with sacrebleu's own signatures.

Corpus scores are computed exactly as ``sacrebleu`` does (they match its command line to the last
digit). Per example, ``score`` gives sentence-level BLEU and chrF and, as a detail, the sufficient
statistics of every corpus metric (``sacrebleu_stats``): summed over any subset of examples they give
that subset's corpus score, which paired bootstrap / approximate randomisation tests rely on.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np
from sacrebleu.metrics import BLEU, CHRF, TER
from sacrebleu.metrics.base import Metric as SacreMetric

from harness.errors import ConfigError
from harness.metrics.base import Metric, ScoringInput

CORPUS_METRICS = ("bleu", "chrf", "chrf++", "ter")
_ASIAN = {"zh", "ja", "ko"}  # TER's asian_support splits their characters


def metric_settings(target_lang: str, tokenize: str | None = None, lowercase: bool = False) -> dict[str, dict]:
    """Keyword arguments that rebuild each sacrebleu metric object (``BLEU(**settings["bleu"])``).

    BLEU's tokenizer defaults to sacrebleu's choice for the target language (``zh``, ``ja-mecab``,
    ``ko-mecab``, else ``13a``). ``lowercase`` applies to BLEU and chrF; TER is case-insensitive, as
    sacrebleu's command line scores it.
    """
    return {
        "bleu": {"tokenize": tokenize, "lowercase": lowercase, "trg_lang": target_lang},
        "chrf": {"lowercase": lowercase},
        "chrf++": {"word_order": 2, "lowercase": lowercase},
        "ter": {"case_sensitive": False, "asian_support": target_lang in _ASIAN},  # sacrebleu's default case
    }


def build_sacrebleu(name: str, settings: dict[str, Any]) -> SacreMetric:
    """The sacrebleu object for one of :data:`CORPUS_METRICS`."""
    if name == "bleu":
        try:
            return BLEU(**settings)
        except RuntimeError as error:  # e.g. ja-mecab without its extra dependencies
            raise ConfigError(
                f"BLEU tokenizer for target language {settings.get('trg_lang')!r} is unavailable: {error}. "
                "Install sacrebleu's extra (pip install 'sacrebleu[ja]' / 'sacrebleu[ko]') "
                "or set metrics.sacrebleu_tokenize (e.g. char or 13a)."
            ) from error
    if name in ("chrf", "chrf++"):
        return CHRF(**settings)
    if name == "ter":
        return TER(**settings)
    raise ValueError(f"unknown sacrebleu metric {name!r}; expected one of {CORPUS_METRICS}")


class SacreBleuMetrics(Metric):
    """All four sacrebleu metrics: corpus ``bleu``, ``chrf``, ``chrf++``, ``ter``; per example ``sentence_*``.

    A corpus score is sacrebleu's aggregate of per-segment statistics (``corpus_score`` does exactly
    this), so ``corpus`` reuses the statistics ``score`` computed for the same output and references.
    """

    name: ClassVar[str] = "sacrebleu"

    def __init__(self, target_lang: str = "en", tokenize: str | None = None, lowercase: bool = False) -> None:
        self._settings = metric_settings(target_lang, tokenize, lowercase)
        self._metrics = {name: build_sacrebleu(name, self._settings[name]) for name in CORPUS_METRICS}
        self._settings["bleu"]["tokenize"] = self._metrics["bleu"].tokenizer_signature  # resolved: 13a, zh, ...
        # Sentence BLEU uses the effective n-gram order, as sacrebleu's sentence_bleu does.
        self._sentence_bleu = BLEU(**self._settings["bleu"], effective_order=True)
        self._n_refs: int | str = "?"  # for signatures: references per example, -1 when they vary
        self._stats: dict[tuple[str, tuple[str, ...]], dict[str, list[Any]]] = {}

    def signature(self) -> str:
        return " ; ".join(f"{name}:{{{signature}}}" for name, signature in self.signatures().items())

    def signatures(self) -> dict[str, str]:
        """sacrebleu's signature of each corpus metric and sentence score (``nrefs`` as of the last batch)."""
        signatures = {name: _signature(metric, self._n_refs) for name, metric in self._metrics.items()}
        signatures["sentence_bleu"] = _signature(self._sentence_bleu, self._n_refs)
        signatures["sentence_chrf"] = signatures["chrf"]
        return signatures

    def settings(self) -> dict[str, dict]:
        """Keyword arguments that rebuild each corpus metric's sacrebleu object."""
        return {name: dict(settings) for name, settings in self._settings.items()}

    def score(self, batch: Sequence[ScoringInput]) -> list[dict[str, Any]]:
        scored = [item for item in batch if item.example.references]
        self._n_refs = _n_refs(scored) if scored else self._n_refs
        self._stats = {_key(item): self._segment_stats(item) for item in scored}
        scores: list[dict[str, Any]] = []
        for item in batch:
            if not item.example.references:
                scores.append({})
                continue
            stats = self._stats[_key(item)]
            scores.append(
                {
                    # What sentence_score computes, from the statistics at hand.
                    "sentence_bleu": self._sentence_bleu._aggregate_and_compute([stats["bleu"]]).score,
                    "sentence_chrf": self._metrics["chrf"]._aggregate_and_compute([stats["chrf"]]).score,
                    "sacrebleu_stats": {name: [_plain(v) for v in row] for name, row in stats.items()},
                }
            )
        return scores

    def corpus(self, batch: Sequence[ScoringInput]) -> dict[str, float]:
        """Corpus scores over the examples that have references (their number may vary)."""
        scored = [item for item in batch if item.example.references]
        if not scored:
            return {}
        self._n_refs = _n_refs(scored)
        stats = [self._stats.get(_key(item)) or self._segment_stats(item) for item in scored]
        self._stats = {}
        return {
            name: metric._aggregate_and_compute([row[name] for row in stats]).score
            for name, metric in self._metrics.items()
        }

    def _segment_stats(self, item: ScoringInput) -> dict[str, list[Any]]:
        """``metric._extract_corpus_statistics([output], references)[0]`` for each corpus metric."""
        nested = [[reference] for reference in item.example.references]
        return {name: metric._extract_corpus_statistics([item.output], nested)[0] for name, metric in self._metrics.items()}


def _key(item: ScoringInput) -> tuple[str, tuple[str, ...]]:
    return item.output, item.example.references


def _n_refs(items: Sequence[ScoringInput]) -> int:
    """References per example as sacrebleu's signature reports them: the number, or -1 ("var")."""
    counts = {len(item.example.references) for item in items}
    return counts.pop() if len(counts) == 1 else -1


def _signature(metric: SacreMetric, n_refs: int | str) -> str:
    """``metric.get_signature()``, which needs the number of references that ``corpus_score`` would set."""
    return metric._SIGNATURE_TYPE({**metric.__dict__, "num_refs": n_refs}).format()


def _plain(value: Any) -> int | float:
    """A numpy or Python number as a JSON-safe int or float."""
    return float(value) if isinstance(value, float | np.floating) else int(value)


def build_sacrebleu_metrics(cfg: Any, task: Any) -> Metric:
    return SacreBleuMetrics(task.target_lang, cfg.sacrebleu_tokenize, cfg.sacrebleu_lowercase)
