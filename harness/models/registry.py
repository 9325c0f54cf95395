"""Model backends by name: ``model.backend`` selects one. Each entry is a lazy ``"module:Class"`` target, so
a run imports only its own backend's libraries; its config schema has the same name
(``/schema/model/<name>``, :mod:`harness.models.config`). Code outside the package adds a backend with
``@MODELS.register(name)`` on its :class:`~harness.models.base.Model` class."""

from __future__ import annotations

from typing import Any

from harness.core.plugins import Registry
from harness.core.task import TaskSpec
from harness.models.base import Model
from harness.models.config import ModelConfig

MODELS: Registry[type[Model[Any]]] = Registry(
    "model.backend",
    {
        "lead": "harness.models.lead:LeadModel",
        "sumy": "harness.models.sumy_extractive:SumyModel",
        "hf_seq2seq": "harness.models.hf_seq2seq:HFSeq2SeqModel",
        "tiny": "harness.models.tiny:TinySeq2SeqModel",
        "hf_causal": "harness.models.hf_causal:HFCausalModel",
        "tiny_causal": "harness.models.tiny_causal:TinyCausalModel",
        "apertium": "harness.models.apertium:ApertiumModel",
        "openai_compatible": "harness.models.openai_compatible:OpenAICompatibleModel",
        "predictions": "harness.models.predictions:PredictionsModel",
    },
)


def build_model(cfg: ModelConfig, task: TaskSpec) -> Model[Any]:
    """The backend ``cfg.backend`` with its typed config (the composed ``DictConfig`` of its schema)."""
    return MODELS.get(cfg.backend)(cfg, task)
