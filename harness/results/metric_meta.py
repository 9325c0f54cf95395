"""What a stored aggregate says about its metric: which way is better, the hook that recomputes a corpus
score, and whether the key is a per-fact indicator.

Metrics declare this (see :mod:`harness.metrics.metadata`) and scoring stores it with each aggregate
in ``metrics.json``. Run folders and baselines written before the declarations existed lack it; they
are read as the harness read them then: corpus scores with stored settings were sacrebleu's (the only
corpus metric that stored any), and error rates were told apart by name (TER and any key naming
contradictions or unsupported items).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from harness.metrics.metadata import CorpusHook, corpus_hook

_PER_FACT = re.compile(r"^facts\.[^.]+\.(supported|contradicted)$")
_LEGACY_HOOK = "sacrebleu"  # the corpus hook of a pre-metadata aggregate that stored settings


def higher_is_better(metric: str, *aggregates: Mapping[str, Any]) -> bool | None:
    """As declared by the first of ``aggregates`` that declares it, else by the pre-metadata rule; None
    for a descriptive statistic (an output's length), which no direction makes better."""
    for aggregate in aggregates:
        if "higher_is_better" in aggregate:
            declared = aggregate["higher_is_better"]
            return None if declared is None else bool(declared)
    return not (metric == "ter" or "contradict" in metric or "unsupported" in metric)


def corpus_hook_of(aggregate: Mapping[str, Any]) -> CorpusHook | None:
    """The hook that recomputes a corpus aggregate from per-example statistics; None for a mean or a
    corpus score that cannot be recomputed."""
    if not aggregate.get("corpus"):
        return None
    name = aggregate.get("corpus_hook", _LEGACY_HOOK if "settings" in aggregate else None)
    return None if name is None else corpus_hook(name)


def is_per_fact(metric: str) -> bool:
    """``facts.<fact_id>.supported`` / ``.contradicted``: shown in the per-fact table instead."""
    return bool(_PER_FACT.match(metric))
