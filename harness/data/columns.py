"""Datasets with columns: local JSONL/CSV/parquet files and hub datasets, both through ``datasets``."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import datasets
import yaml

from harness.data.example import Example
from harness.errors import InputError
from harness.facts.spec import parse_facts

_ROW = "__harness_row__"  # a row's position in the file before where/shuffle/limit
_FORMATS = {".jsonl": "json", ".json": "json", ".csv": "csv", ".parquet": "parquet", ".tsv": "csv"}


class DatasetError(InputError, ValueError):
    """Bad dataset input: the message names the file, column or option."""


def load_local_table(path: str, fmt: str | None, split: str) -> datasets.Dataset:
    file = Path(path)
    if not file.is_file():
        raise DatasetError(f"dataset.path: {path} does not exist")
    fmt = fmt or _FORMATS.get(file.suffix.lower())
    if fmt is None:
        raise DatasetError(
            f"dataset.path: cannot tell the format of {path} from its extension; "
            f"set dataset.format to one of {sorted(set(_FORMATS.values()))}"
        )
    kwargs: dict[str, Any] = {"delimiter": "\t"} if file.suffix.lower() == ".tsv" else {}
    try:
        return datasets.load_dataset(fmt, data_files={split: str(file)}, split=split, **kwargs)
    except Exception as error:  # datasets raises many types for unreadable files
        raise DatasetError(f"dataset.path: {path} could not be read as {fmt}: {error}") from error


def load_hub_table(name: str, config: str | None, split: str, revision: str | None) -> datasets.Dataset:
    try:
        return datasets.load_dataset(name, config, split=split, revision=revision)
    except Exception as error:
        raise DatasetError(
            f"dataset.hub_name: {name!r} (config {config!r}, split {split!r}) could not be loaded: {error}"
        ) from error


def select_rows(
    table: datasets.Dataset, where: Mapping[str, Any], shuffle: bool, shuffle_seed: int, limit: int | None
) -> datasets.Dataset:
    """Apply ``dataset.where`` (column == value, or value in a list), seeded shuffle, then ``limit``."""
    for column in where:
        _require_column(table, column, "dataset.where")
    table = table.add_column(_ROW, list(range(len(table))))
    if where:
        wanted = {k: (set(v) if isinstance(v, list | tuple) else {v}) for k, v in where.items()}
        table = table.filter(lambda row: all(row[k] in values for k, values in wanted.items()))
    if shuffle:
        table = table.shuffle(seed=shuffle_seed)
    if limit is not None:
        table = table.select(range(min(limit, len(table))))
    return table


def examples_from_table(table: datasets.Dataset, cfg: Any, origin: str) -> list[Example]:
    """One :class:`Example` per row; an empty or null source is kept (the runner records the error)."""
    _require_column(table, cfg.source_column, "dataset.source_column")
    for option in ("reference_column", "id_column", "facts_column", "published_column"):
        if getattr(cfg, option) is not None:
            _require_column(table, getattr(cfg, option), f"dataset.{option}")
    side_facts = _load_facts_file(cfg.facts_file) if cfg.facts_file else {}
    examples: list[Example] = []
    seen: set[str] = set()
    for index, row in enumerate(table):
        example_id = str(row[cfg.id_column]) if cfg.id_column else str(index)
        if example_id in seen:
            raise DatasetError(f"{origin}: id {example_id!r} in column {cfg.id_column!r} is not unique")
        seen.add(example_id)
        meta: dict[str, Any] = {"row": row.get(_ROW, index), "fields": _fields(row, cfg)}
        facts = row[cfg.facts_column] if cfg.facts_column else side_facts.get(example_id)
        if facts:
            meta["facts"] = json.loads(facts) if isinstance(facts, str) else facts
            meta["facts_origin"] = cfg.facts_file or f"{origin} column {cfg.facts_column} row {index}"
            parse_facts(meta["facts"], meta["facts_origin"])  # fail at load, naming file, fact and field
        if cfg.published_column and row[cfg.published_column]:
            meta["published"] = str(row[cfg.published_column])
        source = row[cfg.source_column]
        examples.append(
            Example(
                id=example_id,
                source="" if source is None else str(source),
                references=_references(row, cfg.reference_column),
                meta=meta,
            )
        )
    return examples


def _fields(row: Mapping[str, Any], cfg: Any) -> dict[str, Any]:
    """The row's other columns (e.g. FRANK's ``summary`` for ``model=predictions model.column=summary``)."""
    skip = {cfg.source_column, cfg.reference_column, _ROW}
    return {k: v for k, v in row.items() if k not in skip}


def _references(row: Mapping[str, Any], column: str | None) -> tuple[str, ...]:
    if column is None or row[column] is None:
        return ()
    value = row[column]
    if isinstance(value, list | tuple):
        return tuple(str(v) for v in value if v is not None)
    return (str(value),)


def _require_column(table: datasets.Dataset, column: str, option: str) -> None:
    if column not in table.column_names:
        raise DatasetError(f"{option}: no column {column!r}; the columns are {table.column_names}")


def _load_facts_file(path: str) -> dict[str, Any]:
    file = Path(path)
    if not file.is_file():
        raise DatasetError(f"dataset.facts_file: {path} does not exist")
    data = yaml.safe_load(file.read_text(encoding="utf-8"))  # YAML is a superset of JSON
    if not isinstance(data, dict):
        raise DatasetError(f"dataset.facts_file: {path} must map example ids to lists of facts")
    return {str(k): v for k, v in data.items()}
