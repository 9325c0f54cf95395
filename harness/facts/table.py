"""Per-run aggregation of fact verdicts: one row per fact id with verdict counts."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from harness.facts.checker import FactVerdict

VERDICTS: tuple[str, ...] = ("supported", "contradicted", "absent")


def fact_table(per_example: Iterable[Sequence[Mapping[str, Any]]]) -> dict[str, dict[str, int]]:
    """fact id -> {"supported": n, "contradicted": n, "absent": n}, in first-seen order.

    Takes verdicts as stored in ``scores.jsonl`` (``FactVerdict.as_dict()``), so that the table can be
    rebuilt from any run folder."""
    table: dict[str, dict[str, int]] = {}
    for verdicts in per_example:
        for v in verdicts:
            table.setdefault(v["fact_id"], dict.fromkeys(VERDICTS, 0))[v["verdict"]] += 1
    return table


def recall(verdicts: Sequence[FactVerdict]) -> float:
    """Supported facts over all facts (NaN for an empty spec)."""
    return sum(v.verdict == "supported" for v in verdicts) / len(verdicts) if verdicts else float("nan")


def contradiction_rate(verdicts: Sequence[FactVerdict]) -> float | None:
    """Contradicted over mentioned (supported + contradicted); None when nothing is mentioned."""
    mentioned = [v for v in verdicts if v.verdict != "absent"]
    return sum(v.verdict == "contradicted" for v in mentioned) / len(mentioned) if mentioned else None
