"""Where a run's time goes, stored in ``run.json`` as :class:`~harness.runfolder.schema.RunTimings`:
wall seconds per stage (``load``: model, data and metrics; ``generate``; ``score``: the metrics;
``bootstrap``: the confidence intervals; ``write``: ``scores.jsonl`` and ``metrics.json``) and the
seconds each metric took."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

from harness.runfolder.schema import RunTimings

STAGES = ("load", "generate", "score", "bootstrap", "write")  # the order they are shown in


class Timings:
    def __init__(self) -> None:
        self.stages: dict[str, float] = {}
        self.metrics: dict[str, float] = {}

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        """Add the wall time of the ``with`` block to stage ``name``."""
        start = time.perf_counter()
        try:
            yield
        finally:
            self.add_stage(name, time.perf_counter() - start)

    def add_stage(self, name: str, seconds: float) -> None:
        self.stages[name] = self.stages.get(name, 0.0) + seconds

    def add_metric(self, name: str, seconds: float) -> None:
        self.metrics[name] = self.metrics.get(name, 0.0) + seconds

    def as_dict(self) -> RunTimings:
        order = sorted(self.stages, key=lambda name: STAGES.index(name) if name in STAGES else len(STAGES))
        return RunTimings(stages={name: self.stages[name] for name in order}, metrics=dict(self.metrics))
