"""Datasets: each ``configs/dataset/`` option's schema; ``dataset.loader`` names the loader in
:data:`harness.data.registry.LOADERS` that reads it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from omegaconf import MISSING

from harness.core.schema import bounded, random_seed, register_schema


@dataclass
class DatasetConfig:
    name: str = MISSING  # preset name, used in run folder names
    loader: str = MISSING  # which loader in harness.data.registry builds the examples
    limit: int | None = bounded(None, low=1)  # keep at most this many examples (after where and shuffle); null: all
    shuffle: bool = False  # shuffle the rows before limit
    shuffle_seed: int = random_seed()  # seed of that shuffle
    where: dict[str, Any] = field(default_factory=dict)  # keep rows whose columns have these values
    num_shards: int = bounded(1, low=1)  # split the selected examples into contiguous shards, one per job
    shard_index: int = bounded(0, low=0)  # which shard this run evaluates (0-based); join with `harness merge`


@register_schema("dataset", "seed")
@dataclass
class SeedDatasetConfig(DatasetConfig):
    name: str = "seed"
    loader: str = "seed"
    spec: str = "seeds/russia-dprk-pact.yaml"  # the seed article's YAML (raw text, references, key facts)
    # which of the spec's references to use
    reference_keys: list[str] = field(default_factory=lambda: ["short", "headline"])


@dataclass
class ColumnsConfig(DatasetConfig):
    source_column: str = "source"  # the column holding the source text
    reference_column: str | None = "reference"  # a string or a list of strings per row
    id_column: str | None = None  # default: the row index
    facts_column: str | None = None  # a column of key-fact specs per row (a list, or JSON text)
    facts_file: str | None = None  # YAML/JSON mapping example id -> list of fact specs
    facts_strict: bool = False  # refuse a facts file with ids that match no selected example (else: a warning)
    published_column: str | None = None  # dateline that anchors relative dates


@register_schema("dataset", "files")
@dataclass
class FilesDatasetConfig(ColumnsConfig):
    name: str = "files"
    loader: str = "files"
    path: str = MISSING  # a JSON Lines, JSON, CSV or Parquet file
    format: str | None = bounded(None, choices=("json", "csv", "parquet"))  # default: from the file extension
    split: str = "train"  # the split name the file is read as (datasets.load_dataset)


@dataclass
class HubLocation:
    """Where a dataset is on the Hugging Face hub (``datasets.load_dataset`` arguments)."""

    hub_name: str = MISSING  # the dataset's name on the Hugging Face hub
    config: str | None = None  # its configuration (e.g. 3.0.0 for cnn_dailymail)
    split: str = "test"  # which split to evaluate
    revision: str | None = None  # a hub revision (commit or tag) to pin


@register_schema("dataset", "hf")
@dataclass
class HubDatasetConfig(ColumnsConfig, HubLocation):
    name: str = "hf"
    loader: str = "hub"


@register_schema("dataset", "parallel_text")
@dataclass
class ParallelTextConfig(DatasetConfig):
    """Line-aligned plain text files: line i of each file belongs to example i."""

    name: str = "parallel_text"
    loader: str = "parallel_text"
    source: str | None = None  # null: score existing outputs against references only (meta no_source)
    references: list[str] = field(default_factory=list)  # reference files, one per reference, aligned with source


@register_schema("dataset", "hub_translation")
@dataclass
class HubTranslationConfig(DatasetConfig, HubLocation):
    """A hub dataset whose rows hold a ``{lang: text}`` dict (WMT style); languages come from the task."""

    name: str = "hub_translation"
    loader: str = "hub_translation"
    translation_column: str = "translation"  # the column holding {lang: text}
