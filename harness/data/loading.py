"""Build the examples of a run from the ``dataset`` config group; ``dataset.loader`` picks the loader
(:data:`harness.data.registry.LOADERS`).

A loader reads the whole dataset: a list of examples, or a :class:`~harness.data.registry.Table` of rows
whose examples are built after the selection. Then :func:`load_examples` selects (``where``, ``shuffle``, ``limit``) and
takes this run's shard (``num_shards``, ``shard_index``), once and the same for every loader.

The result is :data:`Examples`: a sized collection that can be iterated more than once (the runner makes
one pass to check the data, one to generate and one to score), e.g. a list or a
:class:`~harness.data.columns.TableExamples` that streams its rows.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterable
from typing import Any

from harness.core.paths import project_path
from harness.core.task import TaskSpec
from harness.data.columns import (
    DatasetError,
    TableExamples,
    load_hub_table,
    load_local_table,
    select_rows,
)
from harness.data.example import Example
from harness.data.registry import LOADERS, Examples, Table
from harness.data.seed import seed_summarisation_examples, seed_translation_examples
from harness.data.sharding import shard_bounds


def load_examples(cfg: Any, task: TaskSpec) -> Examples:
    """The examples named by a ``dataset`` config: the loader reads them, then ``where``, ``shuffle`` and
    ``limit`` select and this run's shard (``num_shards``, ``shard_index``) is taken, for every loader."""
    return take_shard(load_selection(cfg, task), cfg.num_shards, cfg.shard_index)


def load_selection(cfg: Any, task: TaskSpec) -> Examples:
    """The examples of every shard: what the loader reads, selected by ``where``, ``shuffle`` and ``limit``."""
    return select(LOADERS.get(cfg.loader)(cfg, task), cfg)


def select(loaded: list[Example] | Table, cfg: Any) -> Examples:
    """``where`` (column == value, or value in a list), seeded ``shuffle``, then ``limit``. A table's rows
    are selected before its examples are built; a list's examples have no columns to filter with ``where``."""
    if isinstance(loaded, Table):
        return loaded.examples(select_rows(loaded.rows, cfg.where, cfg.shuffle, cfg.shuffle_seed, cfg.limit))
    if cfg.where:
        raise DatasetError(f"dataset.where is not supported for dataset {cfg.name!r}, which has no columns")
    if cfg.shuffle:
        loaded = loaded.copy()
        random.Random(cfg.shuffle_seed).shuffle(loaded)
    return loaded[: cfg.limit] if cfg.limit is not None else loaded


def take_shard(examples: Examples, num_shards: int, index: int) -> Examples:
    """Shard ``index`` of the selected examples; ids stay those of the whole selection, so the shards
    joined in index order are the unsharded run. A table's shard still streams its rows."""
    start, stop = shard_bounds(len(examples), num_shards, index)
    if (start, stop) == (0, len(examples)):
        return examples
    if isinstance(examples, TableExamples):
        return examples.rows(start, stop)
    return list(examples)[start:stop]


def load_seed(cfg: Any, task: TaskSpec) -> list[Example]:
    if task.name == "translate":
        return seed_translation_examples(project_path(cfg.spec), task)
    return seed_summarisation_examples(project_path(cfg.spec), list(cfg.reference_keys))


def load_files(cfg: Any, task: TaskSpec) -> Table:
    table = load_local_table(str(project_path(cfg.path)), cfg.format, cfg.split)
    return Table(table, lambda rows: TableExamples(rows, cfg, cfg.path))


def load_hub(cfg: Any, task: TaskSpec) -> Table:
    table = load_hub_table(cfg.hub_name, cfg.config, cfg.split, cfg.revision)
    return Table(table, lambda rows: TableExamples(rows, cfg, cfg.hub_name))


def fingerprint(examples: Iterable[Example]) -> str:
    """A hash of ids, sources and references: equal fingerprints mean the same evaluation data."""
    digest = hashlib.sha256()
    for example in examples:
        for part in (example.id, example.source, *example.references):
            digest.update(part.encode("utf-8"))
            digest.update(b"\0")
        digest.update(b"\1")
    return digest.hexdigest()[:16]
