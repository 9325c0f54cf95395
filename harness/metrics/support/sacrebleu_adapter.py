"""sacrebleu's BLEU, chrF, chrF++ and TER as sufficient statistics: the one module that calls sacrebleu.

A sacrebleu corpus score is a function of per-segment statistics summed over the corpus (sacrebleu's
own ``corpus_score`` and paired tests work this way), so a score over any subset of examples, or
over chunks streamed one after another, is recomputed exactly from the statistics. sacrebleu exposes
this split only through its metric objects' statistics methods (``_extract_corpus_statistics`` and
``_compute_score_from_stats``, which its ``significance`` module uses too); they are called here and
nowhere else, pinned by tests against sacrebleu's command line.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, cast

import numpy as np
from sacrebleu.metrics import BLEU, CHRF, TER
from sacrebleu.metrics.base import Metric as SacreMetric

from harness.core.errors import ConfigError
from harness.metrics.metadata import CorpusHook

CORPUS_METRICS = ("bleu", "chrf", "chrf++", "ter")
STATS_KEY = "sacrebleu_stats"  # details key of scores.jsonl: {metric: statistics row}
_ASIAN = {"zh", "ja", "ko"}  # TER's asian_support splits their characters

Row = list[int | float]  # one segment's statistics, or a sum of them


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


def build_sacrebleu(name: str, settings: Mapping[str, Any]) -> SacreMetric:
    """The sacrebleu object for one of :data:`CORPUS_METRICS`."""
    if name == "bleu":
        try:
            return BLEU(**settings)
        except RuntimeError as error:  # e.g. ja-mecab without its extra dependencies
            raise ConfigError(
                f"BLEU tokenizer for target language {settings.get('trg_lang')!r} is unavailable: {error}. "
                "Install sacrebleu's extra (pip install 'sacrebleu[ja]' / 'sacrebleu[ko]') "
                "or set metrics.sacrebleu.tokenize (e.g. char or 13a)."
            ) from error
    if name in ("chrf", "chrf++"):
        return CHRF(**settings)
    if name == "ter":
        return TER(**settings)
    raise ValueError(f"unknown sacrebleu metric {name!r}; expected one of {CORPUS_METRICS}")


def bleu_tokenizer(metric: SacreMetric) -> str:
    """The tokenizer a BLEU object resolved (``13a``, ``zh``, ``ja-mecab``, ...)."""
    return cast(BLEU, metric).tokenizer_signature


def segment_statistics(metric: SacreMetric, hypothesis: str, references: Sequence[str]) -> Row:
    """One segment's statistics as JSON-safe numbers."""
    (row,) = metric._extract_corpus_statistics([hypothesis], [[reference] for reference in references])
    return [float(v) if isinstance(v, float | np.floating) else int(v) for v in row]


def score_statistics(metric: SacreMetric, totals: Sequence[int | float] | np.ndarray) -> float:
    """The score of summed statistics (of one segment: its sentence-level score)."""
    return float(metric._compute_score_from_stats(cast(list[Any], totals)).score)


def add_statistics(totals: Row | None, row: Row) -> Row:
    """``totals + row`` summed left to right from zero of the row's type, as sacrebleu sums a corpus."""
    start = totals if totals is not None else [type(row[0])(0)] * len(row)
    return [total + value for total, value in zip(start, row, strict=True)]


def signature(metric: SacreMetric, n_refs: int | str) -> str:
    """``metric.get_signature()``, which needs the number of references that ``corpus_score`` would set."""
    return metric._SIGNATURE_TYPE({**metric.__dict__, "num_refs": n_refs}).format()


class SacreBleuHook(CorpusHook):
    """The corpus hook of BLEU, chrF, chrF++ and TER; settings are :func:`metric_settings`' entries.

    Resampled sums are float32 because sacrebleu's bootstrap scores float32 sums; the same dtype
    reproduces its numbers to the last digit.
    """

    stats_key = STATS_KEY
    resample_dtype = np.float32

    def scorer(self, key: str, settings: Mapping[str, Any]) -> Callable[[np.ndarray], np.ndarray]:
        metric = build_sacrebleu(key, settings)

        def score_sums(sums: np.ndarray) -> np.ndarray:
            return np.array([score_statistics(metric, row) for row in sums])

        return score_sums
