"""A tiny decoder-only chat model built locally (see :mod:`harness.models.tiny`) and run by ``hf_causal``."""

from __future__ import annotations

from typing import cast

from omegaconf import OmegaConf

from harness.core.task import TaskSpec
from harness.models.config import TinyCausalConfig
from harness.models.hf_causal import HFCausalModel
from harness.models.tiny import build_tiny_model


class TinyCausalModel(HFCausalModel):
    def __init__(self, cfg: TinyCausalConfig, task: TaskSpec) -> None:
        folder = build_tiny_model(cfg.architecture, cfg.cache_dir, cfg.build_seed)
        resolved = OmegaConf.merge(cfg, {"name_or_path": str(folder)})  # still a node of cfg's schema
        super().__init__(cast(TinyCausalConfig, resolved), task)
