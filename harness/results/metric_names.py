"""What a metric's name says about it: which way is better, and whether it is a per-fact indicator."""

from __future__ import annotations

import re

_PER_FACT = re.compile(r"^facts\.[^.]+\.(supported|contradicted)$")


def higher_is_better(metric: str) -> bool:
    """False for error rates and counts of errors: TER, contradictions, unsupported items."""
    return not (metric == "ter" or "contradict" in metric or "unsupported" in metric)


def is_per_fact(metric: str) -> bool:
    """``facts.<fact_id>.supported`` / ``.contradicted``: shown in the per-fact table instead."""
    return bool(_PER_FACT.match(metric))
