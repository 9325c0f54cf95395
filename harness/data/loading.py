"""Build the examples of a run from the ``dataset`` config group; ``dataset.loader`` picks the loader.

A loader returns :data:`Examples`: a sized collection that can be iterated more than once (the runner
makes one pass to check the data, one to generate and one to score), e.g. a list or a
:class:`~harness.data.columns.TableExamples` that streams its rows. A loader selects (``where``,
``shuffle``, ``limit``); sharding is applied after it, in :func:`load_examples`, the same for every loader.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable, Collection, Iterable
from typing import Any

from harness.data.columns import (
    DatasetError,
    TableExamples,
    load_hub_table,
    load_local_table,
    select_rows,
)
from harness.data.example import Example
from harness.data.seed import seed_summarisation_examples
from harness.data.sharding import shard_bounds
from harness.task import TaskSpec
from harness.paths import project_path
from harness.plugins import Registry

Examples = Collection[Example]
Loader = Callable[[Any, TaskSpec], Examples]
LOADERS: Registry[Loader] = Registry(
    "dataset.loader",
    {
        "seed": "harness.data.loading:load_seed",
        "files": "harness.data.loading:load_files",
        "hub": "harness.data.loading:load_hub",
        "parallel_text": "harness.data.parallel:load_parallel_text",
        "hub_translation": "harness.data.parallel:load_hub_translation",
    },
)


def load_examples(cfg: Any, task: TaskSpec) -> Examples:
    """The examples named by a ``dataset`` config: the loader reads them and applies ``where``, ``shuffle``
    and ``limit``; then this run's shard (``num_shards``, ``shard_index``) is taken here, for every loader."""
    return take_shard(LOADERS.get(cfg.loader)(cfg, task), cfg.num_shards, cfg.shard_index)


def take_shard(examples: Examples, num_shards: int, index: int) -> Examples:
    """Shard ``index`` of the selected examples; ids stay those of the whole selection, so the shards
    joined in index order are the unsharded run. A table's shard still streams its rows."""
    start, stop = shard_bounds(len(examples), num_shards, index)
    if (start, stop) == (0, len(examples)):
        return examples
    if isinstance(examples, TableExamples):
        return examples.rows(start, stop)
    return list(examples)[start:stop]


def load_seed(cfg: Any, task: TaskSpec) -> Examples:
    if task.name == "translate":
        from harness.data.parallel import seed_loader  # it imports this module

        return seed_loader(cfg, task)
    return select_examples(seed_summarisation_examples(project_path(cfg.spec), list(cfg.reference_keys)), cfg)


def load_files(cfg: Any, task: TaskSpec) -> Examples:
    table = load_local_table(str(project_path(cfg.path)), cfg.format, cfg.split)
    return TableExamples(select_rows(table, cfg.where, cfg.shuffle, cfg.shuffle_seed, cfg.limit), cfg, cfg.path)


def load_hub(cfg: Any, task: TaskSpec) -> Examples:
    table = load_hub_table(cfg.hub_name, cfg.config, cfg.split, cfg.revision)
    return TableExamples(select_rows(table, cfg.where, cfg.shuffle, cfg.shuffle_seed, cfg.limit), cfg, cfg.hub_name)


def select_examples(examples: list[Example], cfg: Any) -> list[Example]:
    """``shuffle`` and ``limit`` for loaders whose data has no columns to filter with ``where``."""
    if cfg.where:
        raise DatasetError(f"dataset.where is not supported for dataset {cfg.name!r}, which has no columns")
    if cfg.shuffle:
        examples = examples.copy()
        random.Random(cfg.shuffle_seed).shuffle(examples)
    return examples[: cfg.limit] if cfg.limit is not None else examples


def fingerprint(examples: Iterable[Example]) -> str:
    """A hash of ids, sources and references: equal fingerprints mean the same evaluation data."""
    digest = hashlib.sha256()
    for example in examples:
        for part in (example.id, example.source, *example.references):
            digest.update(part.encode("utf-8"))
            digest.update(b"\0")
        digest.update(b"\1")
    return digest.hexdigest()[:16]
