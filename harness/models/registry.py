"""Model backends by name: ``model.backend`` in the config selects the class."""

from __future__ import annotations

from typing import Any

from harness.models.base import Model
from harness.task import TaskSpec
from harness.plugins import Registry

BACKENDS: Registry[type[Model]] = Registry("model.backend", "harness.models")
register_backend = BACKENDS.register


def build_model(cfg: Any, task: TaskSpec) -> Model:
    return BACKENDS.get(cfg.backend)(cfg, task)
