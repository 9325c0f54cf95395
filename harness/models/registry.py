"""Model backends by name: ``model.backend`` in the config selects the class."""

from __future__ import annotations

from typing import Any

from harness.models.base import Model
from harness.plugins import Registry
from harness.task import TaskSpec

BACKENDS: Registry[type[Model]] = Registry(
    "model.backend",
    {
        "lead": "harness.models.lead:LeadModel",
        "sumy": "harness.models.sumy_extractive:SumyModel",
        "hf_seq2seq": "harness.models.hf_seq2seq:HFSeq2SeqModel",
        "tiny": "harness.models.tiny:TinySeq2SeqModel",
        "predictions": "harness.models.predictions:PredictionsModel",
        "hf_causal": "harness.models.hf_causal:HFCausalModel",
        "tiny_causal": "harness.models.tiny_causal:TinyCausalModel",
        "apertium": "harness.models.apertium:ApertiumModel",
        "openai_compatible": "harness.models.openai_compatible:OpenAICompatibleModel",
    },
)
register_backend = BACKENDS.register


def build_model(cfg: Any, task: TaskSpec) -> Model:
    return BACKENDS.get(cfg.backend)(cfg, task)
