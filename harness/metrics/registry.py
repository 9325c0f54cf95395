"""Metrics by name: ``metrics.names`` (or the task's ``default_metrics``) lists them. Each entry is a lazy
``"module:function"`` target, a builder ``(metrics config, task) -> Metric``, so a run imports only its
own metrics' libraries; each metric's options are a node of :class:`~harness.metrics.config.MetricsConfig`.
Code outside the package adds a metric with ``@METRICS.register(name)`` on its builder."""

from __future__ import annotations

from collections.abc import Callable

from harness.core.plugins import Registry
from harness.core.task import TaskSpec
from harness.metrics.base import Metric
from harness.metrics.config import MetricsConfig

MetricBuilder = Callable[[MetricsConfig, TaskSpec], Metric]
_SACREBLEU = "harness.metrics.sacrebleu_metrics:build_sacrebleu_metrics"  # bleu, chrf and ter share one builder
METRICS: Registry[MetricBuilder] = Registry(
    "metric (metrics.names or task.default_metrics)",
    {
        "rouge": "harness.metrics.rouge:build_rouge",
        "bertscore": "harness.metrics.bertscore:build_bertscore",
        "reference_free": "harness.metrics.reference_free:build_reference_free",
        "faithfulness": "harness.metrics.faithfulness:build_faithfulness",
        "nli_faithfulness": "harness.metrics.nli:build_nli_faithfulness",
        "facts": "harness.metrics.facts:build_facts",
        "auto_facts": "harness.metrics.facts:build_auto_facts",
        "language": "harness.metrics.language:build_language",
        "comet": "harness.metrics.comet:build_comet",
        "llm_judge": "harness.metrics.llm_judge:build_llm_judge",
        "bleu": _SACREBLEU,
        "chrf": _SACREBLEU,
        "chrf++": _SACREBLEU,
        "ter": _SACREBLEU,
    },
)


def build_metrics(cfg: MetricsConfig, task: TaskSpec, default_names: list[str]) -> list[Metric]:
    """The metrics of a run: named ones, then any ``evaluate`` modules from ``metrics.evaluate_modules``."""
    from harness.metrics.evaluate_modules import EvaluateModuleMetric

    names = list(cfg.names) if cfg.names is not None else list(default_names)
    builders = dict.fromkeys(METRICS.get(name) for name in names)  # bleu, chrf and ter share one builder
    metrics = [build(cfg, task) for build in builders]
    metrics += [EvaluateModuleMetric(path, cfg.evaluate_direction) for path in cfg.evaluate_modules]
    return metrics
