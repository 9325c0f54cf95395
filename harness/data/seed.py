"""The seed article: a raw news-page scrape cleaned into the text models see, with its gold annotations."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

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
            f"dataset.reference_keys: {unknown} not in {spec_path} references "
            f"(available: {sorted(spec['references'])})"
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
