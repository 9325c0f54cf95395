"""The schema of a run: the ``task`` and ``run`` groups, and the assembly of every package's schemas
(:mod:`harness.models.config`, :mod:`harness.data.config`, :mod:`harness.metrics.config`) into the one
that ``configs/config.yaml`` starts from. See :mod:`harness.core.schema` for how a schema is declared.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field, fields, is_dataclass
from pathlib import Path

from hydra.core.config_store import ConfigStore
from hydra.errors import HydraException, MissingConfigException, OverrideParseException
from omegaconf import MISSING, DictConfig, OmegaConf

from harness.core.errors import ConfigError
from harness.core.languages import language_code
from harness.core.schema import bounded, check_bounds, random_seed, register_schema
from harness.data.config import DatasetConfig
from harness.metrics.config import RENAMED, MetricsConfig
from harness.models.config import ModelConfig


@register_schema("task", "task")
@dataclass
class TaskConfig:
    name: str = bounded("summarise", choices=("summarise", "translate"))  # summarise or translate
    source_lang: str = "en"  # language of the sources (ISO 639-1, e.g. en)
    target_lang: str = "en"  # language of the outputs and references
    mode: str = bounded("sentence", choices=("sentence", "document"))  # translate only
    default_metrics: list[str] = field(default_factory=list)  # the metrics run when metrics.names is null


@dataclass
class RunConfig:
    output_root: str = "results"  # run folders go under <output_root>/<day>/ (relative to the working directory)
    seed: int = random_seed(1234)  # recorded in run.json (generation here is deterministic: greedy or beam search)
    chunk_size: int = bounded(64, low=1)  # examples handed to the model at a time
    cache: bool = True  # the generation cache shared across runs (models may opt out)
    # generation and score caches (SQLite), shared across runs
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
        error = renamed_key_error(override.partition("=")[0].lstrip("+~"))
        if error is not None:
            raise error


def renamed_key_error(key: str, where: str = "") -> ConfigError | None:
    """The error for a flat metric key of earlier versions, naming its node; None for any other key."""
    group, _, option = key.partition(".")
    if group == "metrics" and option in RENAMED:
        return ConfigError(f"{where}{key}: this option is now metrics.{RENAMED[option]}")
    return None


def config_error_from_hydra(error: HydraException) -> ConfigError:
    """Hydra's multi-line report of a composition error as one line naming the option, or the config file
    and its key, and what was expected."""
    if isinstance(error, MissingConfigException) and error.missing_cfg_file and error.options is not None:
        group, _, name = error.missing_cfg_file.rpartition("/")
        return ConfigError(f"{group}={name}: no such config in {group}; expected one of {', '.join(error.options)}")
    text = str(error) if error.__cause__ is None else f"{error}\n{error.__cause__}"
    if isinstance(error, OverrideParseException):
        return ConfigError(f"{error.override}: not a valid override ({text.splitlines()[0]})")
    source = re.search(r"^In '([^']+)'", text)
    where = f"config {source.group(1)}: " if source and source.group(1) != "config" else ""
    full_key = re.search(r"full_key: (\S+)", text)
    unknown = re.search(r"Key '[^']+' not in '(\w+)'", text)
    if full_key and unknown:
        key = full_key.group(1)
        renamed = renamed_key_error(key, where)
        if renamed is not None:
            return renamed
        known = _schema_fields(unknown.group(1))
        expected = f"; expected one of {', '.join(known)}" if known else ""
        return ConfigError(f"{where}{key}: not an option of {key.rpartition('.')[0] or 'a run'}{expected}")
    merging = re.search(r"Error merging override (\S+)\n(.*)", text)
    if merging:
        converted = re.search(r"could not be converted to (\w+)", merging.group(2))
        problem = f"expected a value of type {converted.group(1).lower()}" if converted else merging.group(2)
        return ConfigError(f"{where}{merging.group(1)}: {problem}")
    detail = [
        line.strip()
        for line in text.splitlines()
        if line.strip() and not re.match(r"\s*(full_key|reference_type|object_type)\b|See https://", line)
    ]
    return ConfigError("; ".join(detail))


def _schema_fields(type_name: str) -> list[str]:
    """The option names of the registered schema (or a schema nested in one) whose class is ``type_name``."""
    pending: list[object] = [ConfigStore.instance().repo]
    while pending:
        item = pending.pop()
        if isinstance(item, dict):
            pending.extend(item.values())
        elif isinstance(getattr(item, "node", None), DictConfig):
            pending.append(item.node)  # type: ignore[attr-defined]
        elif isinstance(item, DictConfig):
            schema = OmegaConf.get_type(item)
            if is_dataclass(schema) and schema.__name__ == type_name:
                return [f.name for f in fields(schema)]
            pending.extend(item._get_node(key) for key in item)  # nodes, so interpolations stay unresolved
    return []


# ----------------------------------------------------------------------------- validation


def validate_config(cfg: DictConfig) -> None:
    """Check what the schema's types cannot: numeric bounds and choices (:func:`~harness.core.schema.bounded`),
    values left unset, language codes (normalised in place: ``EN`` is ``en``), shard numbers, and output
    folders that are files. Raises :class:`ConfigError` naming the option."""
    missing = sorted(OmegaConf.missing_keys(cfg))
    if missing:
        raise ConfigError(f"{missing[0]}: no value given; set it ({missing[0]}=...)")
    check_bounds(cfg)
    for option in ("source_lang", "target_lang"):
        cfg.task[option] = language_code(cfg.task[option], f"task.{option}")
    if cfg.dataset.shard_index >= cfg.dataset.num_shards:
        raise ConfigError(
            f"dataset.shard_index={cfg.dataset.shard_index}: expected a shard in [0, dataset.num_shards="
            f"{cfg.dataset.num_shards})"
        )
    for option in ("output_root", "cache_dir"):
        path = Path(cfg.run[option])
        if path.exists() and not path.is_dir():
            raise ConfigError(f"run.{option}={path}: is a file; expected a folder (or a path that does not exist)")
