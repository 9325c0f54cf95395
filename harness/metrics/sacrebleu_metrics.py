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
            raise RuntimeError(
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
    """All four sacrebleu metrics: corpus ``bleu``, ``chrf``, ``chrf++``, ``ter``; per example ``sentence_*``."""

    name: ClassVar[str] = "sacrebleu"

    def __init__(self, target_lang: str = "en", tokenize: str | None = None, lowercase: bool = False) -> None:
        self._settings = metric_settings(target_lang, tokenize, lowercase)
        self._metrics = {name: build_sacrebleu(name, self._settings[name]) for name in CORPUS_METRICS}
        self._settings["bleu"]["tokenize"] = self._metrics["bleu"].tokenizer_signature  # resolved: 13a, zh, ...
        # Sentence BLEU uses the effective n-gram order, as sacrebleu's sentence_bleu does.
        self._n_refs: int | str = "?"  # shown in signatures until the first corpus score
        self._sentence_bleu = BLEU(**self._settings["bleu"], effective_order=True)

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
        scores = []
        self._n_refs = max((len(item.example.references) for item in batch), default=self._n_refs)
        for item in batch:
            references = list(item.example.references)
            if not references:
                scores.append({})
                continue
            nested = [[reference] for reference in references]
            stats = {
                name: metric._extract_corpus_statistics([item.output], nested)
                for name, metric in self._metrics.items()
            }
            scores.append(
                {
                    # What sentence_score computes, from the statistics at hand.
                    "sentence_bleu": self._sentence_bleu._aggregate_and_compute(stats["bleu"]).score,
                    "sentence_chrf": self._metrics["chrf"]._aggregate_and_compute(stats["chrf"]).score,
                    "sacrebleu_stats": {name: [_plain(v) for v in rows[0]] for name, rows in stats.items()},
                }
            )
        return scores

    def corpus(self, batch: Sequence[ScoringInput]) -> dict[str, float]:
        """Corpus scores over the examples that have references (sacrebleu skips ``None`` padding)."""
        scored = [item for item in batch if item.example.references]
        if not scored:
            return {}
        n_refs = max(len(item.example.references) for item in scored)
        padded = [list(item.example.references) + [None] * (n_refs - len(item.example.references)) for item in scored]
        hypotheses = [item.output for item in scored]
        references = [list(column) for column in zip(*padded, strict=True)]
        return {name: metric.corpus_score(hypotheses, references).score for name, metric in self._metrics.items()}


def _signature(metric: SacreMetric, n_refs: int | str) -> str:
    """``metric.get_signature()``, which before a corpus score does not know the number of references."""
    if hasattr(metric, "num_refs"):
        return metric.get_signature().format()
    return metric._SIGNATURE_TYPE({**metric.__dict__, "num_refs": n_refs}).format()


def _plain(value: Any) -> int | float:
    """A numpy or Python number as a JSON-safe int or float."""
    return float(value) if isinstance(value, float | np.floating) else int(value)
