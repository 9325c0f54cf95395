"""What a run asks of its model, data loaders and metrics: summarise, or translate between two languages."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class TaskSpec:
    """What the model is asked to do: ``summarise`` or ``translate`` (with languages)."""

    name: str = "summarise"
    source_lang: str = "en"
    target_lang: str = "en"
    mode: str = "sentence"  # translate: sentence | document


def task_spec(cfg: Any) -> TaskSpec:
    """The task of a composed run config (its ``task`` group)."""
    return TaskSpec(
        name=cfg.task.name, source_lang=cfg.task.source_lang, target_lang=cfg.task.target_lang, mode=cfg.task.mode
    )
