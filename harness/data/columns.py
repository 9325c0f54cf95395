"""Datasets with columns: local JSONL/CSV/parquet files and hub datasets, both through ``datasets``."""

from __future__ import annotations

import copy
import datetime
import json
import logging
import sys
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, overload

import datasets
from omegaconf import DictConfig, OmegaConf

from harness.core.errors import InputError
from harness.core.files import check_file, check_utf8, json_objects
from harness.data.example import Example
from harness.facts.spec import FactSpecError, parse_facts, read_fact_sidefile

_ROW = "__harness_row__"  # a row's position in the file before where/shuffle/limit
_FORMATS = {".jsonl": "json", ".json": "json", ".csv": "csv", ".parquet": "parquet", ".tsv": "csv"}


class DatasetError(InputError, ValueError):
    """Bad dataset input: the message names the file, column or option."""


def load_local_table(path: str, fmt: str | None, split: str) -> datasets.Dataset:
    file = Path(path)
    check_file(file, "dataset.path")
    fmt = fmt or _FORMATS.get(file.suffix.lower())
    if fmt is None:
        raise DatasetError(
            f"dataset.path: cannot tell the format of {path} from its extension; "
            f"set dataset.format to one of {sorted(set(_FORMATS.values()))}"
        )
    if fmt != "parquet":
        check_utf8(file, "dataset.path")
    if file.suffix.lower() == ".jsonl":
        for _ in json_objects(file, "dataset.path"):  # a line that is no JSON object, named (datasets would not)
            pass
    kwargs: dict[str, Any] = {"delimiter": "\t"} if file.suffix.lower() == ".tsv" else {}
    try:
        with _datasets_quiet():
            return datasets.load_dataset(fmt, data_files={split: str(file)}, split=split, **kwargs)
    except Exception as error:  # datasets raises many types for unreadable files
        raise DatasetError(f"dataset.path: {path} could not be read as {fmt}: {error}") from error


@contextmanager
def _datasets_quiet() -> Iterator[None]:
    """``datasets`` logs its own failures ("Failed to load JSON ...") before raising: the error it raises
    becomes the one line the user sees, so its log would only come first."""
    verbosity = datasets.logging.get_verbosity()
    datasets.logging.set_verbosity(logging.CRITICAL)
    try:
        yield
    finally:
        datasets.logging.set_verbosity(verbosity)


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


class TableExamples(Sequence[Example]):
    """The examples of a table, built row by row as they are iterated: the rows stream from the
    memory-mapped Arrow table through an iterable dataset, so no list of examples is ever held.

    ``id_offset`` numbers rows of a shard as in the whole dataset when ids come from row positions.
    An empty or null source is kept (the runner records the error).
    """

    def __init__(self, table: datasets.Dataset, cfg: Any, origin: str, id_offset: int = 0) -> None:
        _require_column(table, cfg.source_column, "dataset.source_column")
        for option in ("reference_column", "id_column", "facts_column", "published_column"):
            if getattr(cfg, option) is not None:
                _require_column(table, getattr(cfg, option), f"dataset.{option}")
        self.table = table
        # Plain attributes: read per row.
        self.cfg: Any = OmegaConf.to_object(cfg) if isinstance(cfg, DictConfig) else cfg
        self.origin = origin
        self.id_offset = id_offset
        self.side_facts = _load_facts_file(cfg.facts_file) if cfg.facts_file else {}
        if cfg.id_column:
            _require_unique(table, cfg.id_column, origin)
        if self.side_facts:  # the whole selection, before sharding
            _require_fact_ids(self.side_facts, self._ids(), cfg.facts_file, cfg.facts_strict)

    def _ids(self) -> list[str]:
        if self.cfg.id_column:
            return [str(value) for value in self.table[self.cfg.id_column]]
        return [str(index) for index in range(self.id_offset, self.id_offset + len(self.table))]

    def __len__(self) -> int:
        return len(self.table)

    def rows(self, start: int, stop: int) -> TableExamples:
        """Rows ``[start, stop)`` as examples that still stream, numbered as in this collection."""
        part = copy.copy(self)
        part.table = self.table.select(range(start, stop))
        part.id_offset = self.id_offset + start
        return part

    @overload
    def __getitem__(self, index: int) -> Example: ...

    @overload
    def __getitem__(self, index: slice) -> list[Example]: ...

    def __getitem__(self, index: int | slice) -> Example | list[Example]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        position = range(len(self))[index]  # IndexError and negative indices as for a list
        return self._example(position + self.id_offset, self.table[position])

    def __iter__(self) -> Iterator[Example]:
        for index, row in enumerate(self.table.to_iterable_dataset(), self.id_offset):
            yield self._example(index, row)

    def _example(self, index: int, row: Mapping[str, Any]) -> Example:
        cfg = self.cfg
        example_id = str(row[cfg.id_column]) if cfg.id_column else str(index)
        meta: dict[str, Any] = {"row": row.get(_ROW, index), "fields": _fields(row, cfg)}
        if cfg.facts_column and row[cfg.facts_column]:
            facts = row[cfg.facts_column]
            meta["facts_origin"] = f"{self.origin} column {cfg.facts_column} row {index}"
            meta["facts"] = _json_facts(facts, meta["facts_origin"]) if isinstance(facts, str) else _as_written(facts)
            parse_facts(meta["facts"], meta["facts_origin"])  # fail at load, naming file, fact and field
        elif self.side_facts.get(example_id):  # checked when the facts file was read
            meta["facts"] = self.side_facts[example_id]
            meta["facts_origin"] = f"{cfg.facts_file}[{example_id}]"
        if cfg.published_column and row[cfg.published_column]:
            origin = f"{self.origin} column {cfg.published_column} row {index}"
            meta["published"] = _iso_date(row[cfg.published_column], origin)
        source = row[cfg.source_column]
        return Example(
            id=example_id,
            source="" if source is None else self._text(source, cfg.source_column, row, index),
            references=self._references(row, cfg.reference_column, index),
            meta=meta,
        )

    def _references(self, row: Mapping[str, Any], column: str | None, index: int) -> tuple[str, ...]:
        if column is None or row[column] is None:
            return ()
        value = row[column]
        items = value if isinstance(value, list | tuple) else [value]
        return tuple(self._text(item, column, row, index) for item in items if item is not None)

    def _text(self, value: Any, column: str, row: Mapping[str, Any], index: int) -> str:
        """``value``, a text cell of ``column``: one that is no string (a list in the source column would be
        scored as the text ``"['a', 'b']"``) is an error naming the file, the line and the column."""
        if isinstance(value, str):
            return value
        where = _line_of(self.origin, row.get(_ROW, index))
        raise DatasetError(
            f"{self.origin} {where}: column {column!r}: expected text (a string), found {type(value).__name__} "
            f"{json.dumps(value, default=str)[:80]}"
        )


def _line_of(origin: str, row: int) -> str:
    """Where row ``row`` of a file is: its line in a JSON Lines file (blank lines are skipped), else its row."""
    path = Path(origin)
    if path.suffix.lower() == ".jsonl" and path.is_file():
        for position, (number, _) in enumerate(json_objects(path, "dataset.path")):
            if position == row:
                return f"line {number}"
    return f"row {row}"


def _json_facts(text: str, origin: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise FactSpecError(origin, "-", "-", f"expected a JSON list of facts ({error})") from error


def _as_written(value: Any) -> Any:
    """Facts read from a structured column as they were written: Arrow gives every fact every field seen
    in the column (as null) and reads ``"2024-06-19"`` as a timestamp."""
    if isinstance(value, Mapping):
        return {k: _as_written(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_as_written(v) for v in value]
    if isinstance(value, datetime.date):
        return value.isoformat()[:10]
    return value


def _require_fact_ids(side_facts: Mapping[str, Any], ids: list[str], path: str, strict: bool) -> None:
    """A facts file none of whose keys is an example id would check nothing, silently; the facts of a key
    that is no example id are never checked: a warning with their count (an error with ``strict``)."""
    if not set(side_facts) & set(ids):
        raise DatasetError(
            f"dataset.facts_file: {path}: none of its example ids ({', '.join(list(side_facts)[:3])}, ...) "
            f"is an id of the selected examples ({', '.join(ids[:3])}, ...); set dataset.id_column"
        )
    unmatched = sorted(set(side_facts) - set(ids))
    if not unmatched:
        return
    problem = (
        f"dataset.facts_file: {path}: {len(unmatched)} example ids of its {len(side_facts)} match no selected "
        f"example ({', '.join(unmatched[:5])}{', ...' if len(unmatched) > 5 else ''}): their facts are never checked"
    )
    if strict:
        raise DatasetError(problem)
    print(f"harness: warning: {problem} (dataset.facts_strict=true refuses such a file)", file=sys.stderr)


def _require_unique(table: datasets.Dataset, column: str, origin: str) -> None:
    """Reads only the id column, so that a duplicate fails at load rather than part way through a run."""
    seen: set[str] = set()
    for value in table[column]:
        if str(value) in seen:
            raise DatasetError(f"{origin}: id {str(value)!r} in column {column!r} is not unique")
        seen.add(str(value))


def _iso_date(value: Any, origin: str) -> str:
    """``value`` (an ISO date or timestamp, or a date the loader parsed) as ISO text; the dateline
    anchors relative dates ("on Wednesday"), so anything else stops the run at load."""
    if isinstance(value, datetime.date):  # a datetime too
        return value.isoformat()
    try:
        datetime.datetime.fromisoformat(str(value))
        return str(value)
    except ValueError:
        raise InputError(f"{origin}: {str(value)!r} is not an ISO date (YYYY-MM-DD, optionally with a time)") from None


def _fields(row: Mapping[str, Any], cfg: Any) -> dict[str, Any]:
    """The row's other columns (e.g. FRANK's ``summary`` for ``model=predictions model.column=summary``)."""
    skip = {cfg.source_column, cfg.reference_column, _ROW}
    return {k: v for k, v in row.items() if k not in skip}


def _require_column(table: datasets.Dataset, column: str, option: str) -> None:
    if column not in table.column_names:
        columns = [name for name in table.column_names if name != _ROW]
        raise DatasetError(f"{option}: no column {column!r}; the columns are {columns}")


def _load_facts_file(path: str) -> dict[str, Any]:
    if not Path(path).is_file():
        raise DatasetError(f"dataset.facts_file: {path} does not exist")
    return read_fact_sidefile(path)
