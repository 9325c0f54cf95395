"""What a metric declares about each score key it produces; stored with the key's aggregate.

Per key: which direction is better (none for a descriptive statistic such as an output's length), and
whether the value is a corpus score (one value computed over the whole corpus, not the mean of per-example
values). A corpus score that can be recomputed for any
subset of the examples names a :class:`CorpusHook`: the metric stores per-example sufficient
statistics in ``scores.jsonl`` (under the hook's ``stats_key``) and the hook scores any sum of them.
Paired tests, the regression gate and the table's intervals resample through the hook, so none of
them knows which library computed the score. A key that no pattern of a metric's ``score_keys``
matches is stored as higher-is-better, and as a corpus score exactly when ``corpus`` gave it.

Hooks are found by name (the name stored in ``metrics.json``) in a lazy registry: a hook's module is
imported only when the hook is used, so reading results does not import every scoring library.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any, ClassVar

import numpy as np

from harness.core.plugins import Registry


@dataclass(frozen=True)
class KeyMeta:
    """What one score key is."""

    higher_is_better: bool | None = True  # None: descriptive, neither direction is better (never "best")
    corpus: bool = False  # a corpus score, not a mean of per-example values
    corpus_hook: str | None = None  # name of the hook that recomputes it from per-example statistics

    def fields(self) -> dict[str, Any]:
        """The fields stored with the key's aggregate in ``metrics.json``."""
        fields: dict[str, Any] = {"corpus": self.corpus, "higher_is_better": self.higher_is_better}
        if self.corpus_hook is not None:
            fields["corpus_hook"] = self.corpus_hook
        return fields


HIGHER = KeyMeta()
LOWER = KeyMeta(higher_is_better=False)
DESCRIPTIVE = KeyMeta(higher_is_better=None)


class CorpusHook(ABC):
    """Recomputes a corpus score from summed per-example sufficient statistics."""

    stats_key: ClassVar[str]  # details key of a scores.jsonl record: {score key: statistics row}
    resample_dtype: ClassVar[type[np.floating[Any]]] = np.float64  # dtype of resampled sums

    @abstractmethod
    def scorer(self, key: str, settings: Mapping[str, Any]) -> Callable[[np.ndarray], np.ndarray]:
        """For score ``key`` computed with ``settings``: summed statistics ``(s, k)`` -> scores ``(s,)``."""


CORPUS_HOOKS: Registry[type[CorpusHook]] = Registry(
    "corpus hook (corpus_hook in metrics.json)",
    {"sacrebleu": "harness.metrics.support.sacrebleu_adapter:SacreBleuHook"},
)


@cache
def corpus_hook(name: str) -> CorpusHook:
    """The hook registered under ``name``."""
    return CORPUS_HOOKS.get(name)()
