"""The metric interface.

A metric scores a batch of (example, output) pairs. ``score`` returns one dict per pair: numeric
values are aggregated over examples (mean with a bootstrap CI); other values (lists, dicts, strings)
are kept as per-example details in ``scores.jsonl``. Corpus-level metrics (BLEU, chrF, TER) also
implement ``corpus``, which returns scores computed over the whole corpus. Every metric has a
``signature`` that records the settings its numbers depend on, so that runs scored differently are
never ranked in one column.

Scoring streams: ``score`` is called once per chunk of examples, and corpus scores are a fold over the
chunks (``corpus_update``, then ``corpus_finish``). The default fold keeps every input and hands them
all to ``corpus`` at the end, which holds the whole run's examples and outputs in memory; a metric
whose corpus score has sufficient statistics (BLEU, chrF, TER) overrides the fold to keep only those.
``tables`` likewise receives every per-example result, so only metrics that need run-level tables
should define it. ``parallel = True`` declares ``score`` a pure, picklable function of its inputs,
run in ``metrics.workers`` processes.

Each metric declares what its score keys are in ``score_keys`` (see :mod:`harness.metrics.metadata`):
which direction is better, whether a key is a corpus score, and the hook that recomputes a corpus
score from per-example statistics. The declarations are stored with the aggregates in
``metrics.json``, which is all that compare, gate, table and significance read.

An example that a metric (or a part of it) could not score gets no numeric value from that part and the
reason as a string under ``<part>.error`` (``llm_judge.consistency.error``): scoring counts these, warns
of them and fails the run for a part that scored no example (see :mod:`harness.pipeline.scoring`).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any, ClassVar

from harness.data.example import Example
from harness.metrics.metadata import KeyMeta


@dataclass(frozen=True)
class ScoringInput:
    example: Example
    output: str


class Metric(ABC):
    name: ClassVar[str]
    parallel: ClassVar[bool] = False
    cache_scores: ClassVar[bool] = False  # per-example results go to the score cache (expensive metrics)
    score_keys: ClassVar[Mapping[str, KeyMeta]] = {}  # glob pattern of numeric score keys -> what they are
    device: Any = None  # where a model-based metric runs (a name or torch.device), recorded in run.json

    def key_meta(self, key: str) -> KeyMeta | None:
        """The declaration of the first pattern in ``score_keys`` that matches ``key``; None if none does."""
        return next((meta for pattern, meta in self.score_keys.items() if fnmatchcase(key, pattern)), None)

    @abstractmethod
    def signature(self) -> str:
        """Settings the scores depend on, e.g. ``rouge-score-rs:0.2.1|f1|tok:rouge-score|stem:porter|...``,
        written by a :class:`~harness.metrics.signature.Signature`."""

    @abstractmethod
    def score(self, batch: Sequence[ScoringInput]) -> list[dict[str, Any]]:
        """One dict of values per input, in order."""

    def corpus(self, batch: Sequence[ScoringInput]) -> dict[str, float]:
        """Corpus-level scores; empty for metrics that are plain means of per-example values."""
        return {}

    def corpus_update(self, state: list[Any], batch: Sequence[ScoringInput], results: Sequence[dict[str, Any]]) -> None:
        """Fold one scored chunk into ``state`` (a list, empty before the first chunk)."""
        if type(self).corpus is not Metric.corpus:
            state.extend(batch)

    def corpus_finish(self, state: list[Any]) -> dict[str, float]:
        """Corpus-level scores from the folded ``state``."""
        return self.corpus(state) if state else {}

    def corpus_count(self, state: list[Any]) -> int | None:
        """How many examples the corpus scores of ``state`` were computed on (their ``n``); None: every
        example scored (the default fold hands them all to ``corpus``)."""
        return None

    def signatures(self) -> dict[str, str]:
        """Per score key, its own signature where one metric class yields several (BLEU, chrF, TER)."""
        return {}

    def settings(self) -> dict[str, dict[str, Any]]:
        """Per corpus score, the keyword arguments that rebuild its scorer (stored in ``metrics.json``)."""
        return {}

    def usage(self) -> dict[str, Any]:
        """What scoring spent besides time (an LLM judge's requests, tokens and cost), for ``run.json``."""
        return {}

    def tables(self, results: Sequence[dict[str, Any]]) -> dict[str, Any]:
        """Run-level tables built from this metric's per-example results (e.g. verdicts per key fact)."""
        return {}
