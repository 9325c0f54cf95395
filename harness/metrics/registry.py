"""Metrics by name: ``metrics.names`` (or the task's ``default_metrics``) lists them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from harness.metrics.base import Metric
from harness.models.base import TaskSpec
from harness.plugins import Registry

MetricBuilder = Callable[[Any, TaskSpec], Metric]
METRICS: Registry[MetricBuilder] = Registry("metric (metrics.names or task.default_metrics)", "harness.metrics")
register_metric = METRICS.register


def build_metrics(cfg: Any, task: TaskSpec, default_names: list[str]) -> list[Metric]:
    """The metrics of a run: named ones, then any ``evaluate`` modules from ``metrics.evaluate_modules``."""
    from harness.metrics.evaluate_modules import EvaluateModuleMetric

    names = list(cfg.names) if cfg.names is not None else list(default_names)
    builders = dict.fromkeys(METRICS.get(name) for name in names)  # bleu, chrf and ter share one builder
    metrics = [build(cfg, task) for build in builders]
    metrics += [EvaluateModuleMetric(path) for path in cfg.evaluate_modules]
    return metrics
