"""The schema of a run: the ``task`` and ``run`` groups, and the assembly of every package's schemas
(:mod:`harness.models.config`, :mod:`harness.data.config`, :mod:`harness.metrics.config`) into the one
that ``configs/config.yaml`` starts from. See :mod:`harness.schema` for how a schema is declared.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from hydra.core.config_store import ConfigStore
from omegaconf import MISSING, DictConfig, OmegaConf

from harness.data.config import DatasetConfig
from harness.errors import ConfigError
from harness.metrics.config import RENAMED, MetricsConfig
from harness.models.config import ModelConfig
from harness.schema import bounded, check_bounds, register_schema


@register_schema("task", "task")
@dataclass
class TaskConfig:
    name: str = bounded("summarise", choices=("summarise", "translate"))
    source_lang: str = "en"
    target_lang: str = "en"
    mode: str = bounded("sentence", choices=("sentence", "document"))  # translate only
    default_metrics: list[str] = field(default_factory=list)


@dataclass
class RunConfig:
    output_root: str = "results"
    seed: int = 1234
    chunk_size: int = bounded(64, low=1)  # examples handed to the model at a time
    cache: bool = True  # the generation cache shared across runs (models may opt out)
    cache_dir: str = "${oc.env:HARNESS_CACHE,.cache/harness}"
    resume: str | None = None  # a run folder to finish, or "auto": the newest incomplete run of this config
    max_error_rate: float = bounded(0.5, low=0, high=1)  # fail the run when more examples than this fraction fail


@dataclass
class HarnessConfig:
    task: TaskConfig = MISSING
    model: ModelConfig = MISSING
    dataset: DatasetConfig = MISSING
    metrics: MetricsConfig = MISSING
    run: RunConfig = field(default_factory=RunConfig)


def register_configs() -> None:
    """The root schema; the groups' schemas registered themselves when their modules were imported."""
    ConfigStore.instance().store(name="harness_schema", node=HarnessConfig)


def reject_renamed_keys(overrides: Iterable[str]) -> None:
    """An override of a flat metric key of earlier versions (``metrics.rouge_use_stemmer=false``) is an
    error naming the key's node (``metrics.rouge.use_stemmer``), rather than Hydra's "not in struct"."""
    for override in overrides:
        key = override.partition("=")[0].lstrip("+~")
        group, _, option = key.partition(".")
        if group == "metrics" and option in RENAMED:
            raise ConfigError(f"{key}: this option is now metrics.{RENAMED[option]}")


# ----------------------------------------------------------------------------- validation


def validate_config(cfg: DictConfig) -> None:
    """Check what the schema's types cannot: numeric bounds and choices (:func:`~harness.schema.bounded`),
    values left unset, shard numbers, and output folders that are files. Raises :class:`ConfigError` naming
    the option."""
    missing = sorted(OmegaConf.missing_keys(cfg))
    if missing:
        raise ConfigError(f"{missing[0]}: no value given; set it ({missing[0]}=...)")
    check_bounds(cfg)
    if cfg.dataset.shard_index >= cfg.dataset.num_shards:
        raise ConfigError(
            f"dataset.shard_index={cfg.dataset.shard_index}: expected a shard in [0, dataset.num_shards="
            f"{cfg.dataset.num_shards})"
        )
    for option in ("output_root", "cache_dir"):
        path = Path(cfg.run[option])
        if path.exists() and not path.is_dir():
            raise ConfigError(f"run.{option}={path}: is a file; expected a folder (or a path that does not exist)")
