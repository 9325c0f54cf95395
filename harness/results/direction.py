"""Which way is better for a metric: TER is an error rate, every other metric a score."""

from __future__ import annotations

LOWER_IS_BETTER = frozenset({"ter"})


def higher_is_better(metric: str) -> bool:
    return metric not in LOWER_IS_BETTER
