"""Model backends by name: ``model.backend`` in the config selects the class."""

from __future__ import annotations

from typing import Any

from harness.core.task import TaskSpec
from harness.models.base import Model
from harness.models.config import BACKENDS, ModelConfig

register_backend = BACKENDS.register


def build_model(cfg: ModelConfig, task: TaskSpec) -> Model[Any]:
    """The backend ``cfg.backend`` with its typed config (the composed ``DictConfig`` of its schema)."""
    return BACKENDS.get(cfg.backend)(cfg, task)
