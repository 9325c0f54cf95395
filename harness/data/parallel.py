"""Translation data: line-aligned text files and hub datasets with a ``translation`` dict (the seed
article's translations are in :mod:`harness.data.seed`).

Line-aligned files are the MT community's convention (sacrebleu, WMT): line i of the source and of each
reference file belong to example i. Lines are read as sacrebleu's command line reads them (trailing
whitespace stripped), so corpus scores computed here match ``sacrebleu REF -i SYS`` exactly.
"""

from __future__ import annotations

from typing import Any

import datasets

from harness.core.files import read_text
from harness.core.paths import project_path
from harness.core.task import TaskSpec
from harness.data.columns import DatasetError, load_hub_table
from harness.data.example import Example
from harness.data.registry import Table


def read_lines(path: str, option: str) -> list[str]:
    lines = read_text(project_path(path), option).split("\n")
    if lines[-1] == "":  # the file's final newline
        lines.pop()
    return [line.rstrip() for line in lines]


def load_parallel_text(cfg: Any, task: TaskSpec) -> list[Example]:
    """One example per line; without ``dataset.source`` the examples carry ``meta["no_source"]``."""
    if not cfg.references and cfg.source is None:
        raise DatasetError("dataset=parallel_text needs dataset.source, dataset.references or both")
    references = [read_lines(path, "dataset.references") for path in cfg.references]
    sources = read_lines(cfg.source, "dataset.source") if cfg.source is not None else None
    n_lines = len(sources) if sources is not None else len(references[0])
    files = ([cfg.source] if cfg.source is not None else []) + list(cfg.references)
    lengths = ([len(sources)] if sources is not None else []) + [len(lines) for lines in references]
    if any(length != n_lines for length in lengths):
        counts = ", ".join(f"{file}: {length}" for file, length in zip(files, lengths, strict=True))
        raise DatasetError(f"dataset=parallel_text: the files are not line-aligned ({counts} lines)")
    examples = []
    for index in range(n_lines):
        meta: dict[str, Any] = {"row": index, "lang": task.target_lang}
        if sources is None:
            meta["no_source"] = True
        examples.append(
            Example(
                id=str(index),
                source=sources[index] if sources is not None else "",
                references=tuple(lines[index] for lines in references),
                meta=meta,
            )
        )
    return examples


def load_hub_translation(cfg: Any, task: TaskSpec) -> Table:
    """Rows whose ``translation_column`` maps language codes to texts (``wmt16``, ``wmt19``, ...)."""
    table = load_hub_table(cfg.hub_name, cfg.config, cfg.split, cfg.revision)
    if cfg.translation_column not in table.column_names:
        raise DatasetError(
            f"dataset.translation_column: no column {cfg.translation_column!r}; the columns are {table.column_names}"
        )
    return Table(table, lambda rows: _translation_examples(rows, cfg, task))


def _translation_examples(rows: datasets.Dataset, cfg: Any, task: TaskSpec) -> list[Example]:
    """One example per selected row, numbered in the selection."""
    examples = []
    for index, row in enumerate(rows):
        pair = row[cfg.translation_column]
        for lang in (task.source_lang, task.target_lang):
            if lang not in pair:
                raise DatasetError(
                    f"{cfg.hub_name} ({cfg.config}): no {lang!r} text in column {cfg.translation_column!r} "
                    f"(languages: {sorted(pair)}); set task.source_lang and task.target_lang"
                )
        examples.append(
            Example(
                id=str(index),
                source=pair[task.source_lang],
                references=(pair[task.target_lang],),
                meta={"row": index, "lang": task.target_lang},
            )
        )
    return examples
