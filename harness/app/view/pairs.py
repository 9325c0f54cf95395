"""Two runs side by side: ``compare``'s paired bootstrap of one metric, and every example's change in it,
largest first. Only comparable runs are paired: the same data fingerprint and the same examples (the
check ``compare`` makes); otherwise the reason is all there is."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from harness.results.compare import (
    IncomparableRuns,
    MetricComparison,
    MovedExample,
    check_same_examples,
    compare_metrics,
    moved_examples,
    unique_labels,
)
from harness.results.metric_meta import is_per_fact
from harness.runfolder.load import Run


@dataclass(frozen=True)
class Pair:
    comparison: MetricComparison | None  # None: the metric was not compared (see skipped)
    skipped: str | None  # why the metric was not compared
    deltas: list[MovedExample]  # largest absolute change first; unchanged examples left out


def comparable(baseline: Run, system: Run) -> str | None:
    """Why the two runs cannot be paired, or None."""
    if baseline.dataset_fingerprint != system.dataset_fingerprint:
        return (
            f"different data: {baseline.label} has fingerprint {baseline.dataset_fingerprint} "
            f"({baseline.dataset}), {system.label} has {system.dataset_fingerprint} ({system.dataset})"
        )
    try:
        check_same_examples([baseline, system])
    except IncomparableRuns as error:
        return str(error)
    return None


class Pairs:
    """Pairs of the viewer's runs, computed once per (baseline, system, metric)."""

    def __init__(self, runs: Sequence[Run]) -> None:
        self.runs = list(runs)
        self.pair = lru_cache(maxsize=32)(self._pair)

    def comparable(self, baseline: int, system: int) -> str | None:
        return comparable(self.runs[baseline], self.runs[system])

    def shared_metrics(self, baseline: int, system: int) -> list[str]:
        """The metrics both runs report, in the baseline's order."""
        theirs = self.runs[system].metrics["metrics"]
        return [name for name in self.runs[baseline].metrics["metrics"] if name in theirs and not is_per_fact(name)]

    def _pair(self, baseline: int, system: int, metric: str) -> Pair:
        runs = [self.runs[baseline], self.runs[system]]
        if metric not in self.shared_metrics(baseline, system):
            return Pair(None, f"{metric!r} is not reported by both runs", [])
        records = [run.scores_by_id() for run in runs]
        ids = [str(example["id"]) for example in runs[0].examples]
        compared, skipped = compare_metrics(
            unique_labels(runs), [{metric: run.metrics["metrics"][metric]} for run in runs], records, ids
        )
        if not compared:
            return Pair(None, next(iter(skipped.values()), "not compared"), [])
        return Pair(compared[0], None, moved_examples(runs[0], runs[1], metric, top=len(ids)))
