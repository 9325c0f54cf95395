"""The seed article: a raw news-page scrape cleaned into the text models see, with its gold annotations,
and its body sentences with human translations."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from harness.core.sentences import split_sentences
from harness.core.task import TaskSpec
from harness.data.columns import DatasetError
from harness.data.example import Example
from harness.facts.spec import load_yaml_as_written, parse_facts

_DATELINE = re.compile(r"^\d{1,2} [A-Z][a-z]+ \d{4} \d{1,2}:\d{2}$")


@dataclass(frozen=True)
class CleanArticle:
    headline: str
    published: str
    text: str  # paragraphs separated by blank lines


def load_spec(path: Path) -> dict[str, Any]:
    """The gold annotation YAML, with a clear error naming the file."""
    if not path.is_file():
        raise DatasetError(f"dataset.spec: {path} does not exist")
    try:
        spec = load_yaml_as_written(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise DatasetError(f"{path}: not valid YAML: {error}") from error
    for key in ("id", "source_file", "published", "headline", "boilerplate_markers", "references"):
        if key not in spec:
            raise DatasetError(f"{path}: missing field {key!r}")
    return spec


def clean_scrape(raw: str, *, headline: str, boilerplate_markers: list[str]) -> list[str]:
    """Body paragraphs of a raw scrape.

    Drops: navigation lines that contain the headline, the photo caption (a paragraph repeated just
    before the photo credit), the photo credit, the byline after it, the dateline, section headings
    (short lines without sentence punctuation), and everything from the first end-of-article marker
    ("Related content", the copyright notice) on.
    """
    lines = [line.strip() for line in raw.splitlines()]
    lines = [line for line in lines if line]
    cut = next(
        (i for i, line in enumerate(lines) if any(line.startswith(m) for m in boilerplate_markers[1:])),
        len(lines),
    )
    lines = lines[:cut]
    credit = next((i for i, line in enumerate(lines) if line.startswith(boilerplate_markers[0])), None)
    drop: set[int] = set()
    if credit is not None:
        drop.add(credit)
        if credit + 1 < len(lines) and not lines[credit + 1].endswith((".", "!", "?")):
            drop.add(credit + 1)  # byline
        caption = lines[credit - 1] if credit > 0 else None
        drop.update(i for i, line in enumerate(lines[:credit]) if line == caption)
    body: list[str] = []
    for i, line in enumerate(lines):
        if i in drop or headline in line or _DATELINE.match(line):
            continue
        if not line.endswith((".", "!", "?", '"', "”")) and len(line.split()) < 8:
            continue  # section heading
        body.append(line)
    return body


def load_seed(spec_path: Path, reference_keys: list[str]) -> tuple[CleanArticle, dict[str, Any]]:
    spec = load_spec(spec_path)
    raw_path = spec_path.parent / spec["source_file"]
    if not raw_path.is_file():
        raise DatasetError(f"{spec_path}: source_file {raw_path} does not exist")
    body = clean_scrape(
        raw_path.read_text(encoding="utf-8"),
        headline=spec["headline"],
        boilerplate_markers=list(spec["boilerplate_markers"]),
    )
    unknown = [key for key in reference_keys if key not in spec["references"]]
    if unknown:
        raise DatasetError(
            f"dataset.reference_keys: {unknown} not in {spec_path} references (available: {sorted(spec['references'])})"
        )
    article = CleanArticle(headline=spec["headline"], published=str(spec["published"]), text="\n\n".join(body))
    return article, spec


def seed_summarisation_examples(spec_path: Path, reference_keys: list[str]) -> list[Example]:
    article, spec = load_seed(spec_path, reference_keys)
    meta = {
        "headline": article.headline,
        "published": article.published,
        "lang": spec.get("language", "en"),
        "facts": spec.get("facts", []),
        "facts_origin": str(spec_path),
    }
    parse_facts(meta["facts"], str(spec_path))  # a malformed spec fails here, naming file, fact and field
    references = tuple(" ".join(str(spec["references"][key]).split()) for key in reference_keys)
    return [Example(id=str(spec["id"]), source=article.text, references=references, meta=meta)]


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
