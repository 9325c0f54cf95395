"""Translation data: line-aligned text files, hub datasets with a ``translation`` dict, and the seed article.

Line-aligned files are the MT community's convention (sacrebleu, WMT): line i of the source and of each
reference file belong to example i. Lines are read as sacrebleu's command line reads them (trailing
whitespace stripped), so corpus scores computed here match ``sacrebleu REF -i SYS`` exactly.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from harness.data.columns import DatasetError, load_hub_table, select_rows
from harness.data.example import Example
from harness.data.loading import select_examples
from harness.data.seed import load_spec
from harness.files import read_text
from harness.task import TaskSpec
from harness.paths import project_path
from harness.text import split_sentences


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
    return select_examples(examples, cfg)


def load_hub_translation(cfg: Any, task: TaskSpec) -> list[Example]:
    """Rows whose ``translation_column`` maps language codes to texts (``wmt16``, ``wmt19``, ...)."""
    table = load_hub_table(cfg.hub_name, cfg.config, cfg.split, cfg.revision)
    if cfg.translation_column not in table.column_names:
        raise DatasetError(
            f"dataset.translation_column: no column {cfg.translation_column!r}; the columns are {table.column_names}"
        )
    table = select_rows(table, cfg.where, cfg.shuffle, cfg.shuffle_seed, cfg.limit)
    examples = []
    for index, row in enumerate(table):
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


def seed_translation_examples(spec_path: Path, task: TaskSpec) -> list[Example]:
    """The seed article's body sentences with their human reference translations.

    Sentence mode: one example per sentence, with the key facts whose evidence lies in that sentence
    (matched on the English text; evidence spanning sentences goes to the one holding most of it);
    document mode: one example with all sentences and all facts.
    ``meta["lang"]`` is the target language, so the key-fact checker reads the translation in it.
    """
    spec = load_spec(spec_path)
    sentences: dict[str, list[str]] = spec.get("translation", {})
    for role, lang in (("source_lang", task.source_lang), ("target_lang", task.target_lang)):
        if lang not in sentences:
            raise DatasetError(f"task.{role}={lang!r}: {spec_path} has translations in {sorted(sentences)} only")
    english = sentences["en"]
    facts: list[dict[str, Any]] = spec.get("facts", [])
    meta = {"published": str(spec["published"]), "lang": task.target_lang, "facts_origin": str(spec_path)}
    source, target = sentences[task.source_lang], sentences[task.target_lang]
    if task.mode == "document":
        return [
            Example(
                id=f"{spec['id']}-doc",
                source=" ".join(source),
                references=(" ".join(target),),
                meta={**meta, "facts": facts},
            )
        ]
    if task.mode != "sentence":
        raise DatasetError(f"task.mode={task.mode!r}; expected sentence or document")
    homes = [_evidence_sentence(fact, english) for fact in facts]
    return [
        Example(
            id=f"{spec['id']}-s{index + 1:02d}",
            source=source[index],
            references=(target[index],),
            meta={**meta, "facts": [fact for fact, home in zip(facts, homes, strict=True) if home == index]},
        )
        for index in range(len(english))
    ]


def _evidence_sentence(fact: dict[str, Any], sentences: list[str]) -> int | None:
    """The index of the sentence holding most of the fact's evidence; None if none holds any."""
    parts = [part.rstrip(".") for part in split_sentences(str(fact.get("evidence", "")))]
    overlaps = [sum(len(part) for part in parts if part in sentence) for sentence in sentences]
    best = max(range(len(sentences)), key=overlaps.__getitem__)
    return best if overlaps[best] else None


def seed_loader(cfg: Any, task: TaskSpec) -> list[Example]:
    """``dataset=seed`` under ``task=translate``."""
    return select_examples(seed_translation_examples(project_path(cfg.spec), task), cfg)
