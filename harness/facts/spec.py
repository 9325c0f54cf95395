"""Key-fact specifications: dataclasses, loading and validation.

A spec is a list of fact dicts, read from a YAML file (``facts:`` key), a side file keyed by
example id, or an example's ``facts`` column. Validation is strict: a malformed fact raises
``FactSpecError`` naming the origin (file or example), the fact id and the field.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml

from harness.core.errors import InputError
from harness.core.files import read_text
from harness.facts.dates import PartialDate
from harness.facts.numbers import canonical_unit, unit_names

FactKind = Literal["date", "quantity", "entity", "clause"]
KINDS: tuple[FactKind, ...] = ("date", "quantity", "entity", "clause")

# The fields each kind of fact may have (besides id, kind, evidence, cues and a free-text note): a
# misspelt field would otherwise be ignored silently and change the verdicts.
_COMMON_FIELDS = frozenset({"id", "kind", "evidence", "cues", "note"})
_FIELDS: dict[str, frozenset[str]] = {
    "date": frozenset({"value"}),
    "quantity": frozenset({"value", "unit", "approximate", "tolerance"}),
    "entity": frozenset({"value", "aliases"}),
    "clause": frozenset({"statement", "keywords", "negations", "similarity"}),
}

_ISO_PARTIAL = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


class FactSpecError(InputError, ValueError):
    """A malformed fact spec; the message names the file (or example), fact id and field."""

    def __init__(self, origin: str, fact_id: str, field_name: str, problem: str) -> None:
        super().__init__(f"{origin}: fact {fact_id!r}: field {field_name!r}: {problem}")
        self.origin = origin
        self.fact_id = fact_id
        self.field_name = field_name


@dataclass(frozen=True)
class BaseFact:
    id: str
    evidence: str = ""
    # Extra slot words per language (beyond the evidence) that tie a mention to this fact.
    cues: Mapping[str, tuple[str, ...]] = field(default_factory=dict, hash=False, compare=False)

    @property
    def kind(self) -> FactKind:
        raise NotImplementedError


@dataclass(frozen=True)
class DateFact(BaseFact):
    value: PartialDate = PartialDate(1970)

    @property
    def kind(self) -> FactKind:
        return "date"


@dataclass(frozen=True)
class QuantityFact(BaseFact):
    value: float = 0.0
    unit: str | None = None
    approximate: bool = False
    # Relative deviation accepted for an approximate fact when the output hedges: "around 200 tonnes"
    # supports 190 at the default 10% (the verdict's reason says so); an unhedged 200 contradicts it.
    tolerance: float = 0.1

    @property
    def kind(self) -> FactKind:
        return "quantity"


@dataclass(frozen=True)
class EntityFact(BaseFact):
    """One or more names that must all be present; each name has its own aliases."""

    names: tuple[tuple[str, ...], ...] = ()

    @property
    def kind(self) -> FactKind:
        return "entity"


@dataclass(frozen=True)
class ClauseFact(BaseFact):
    statement: str = ""
    # Per language: groups of alternatives; every group must match within one sentence.
    keywords: Mapping[str, tuple[tuple[str, ...], ...]] = field(default_factory=dict, hash=False, compare=False)
    negations: Mapping[str, tuple[str, ...]] = field(default_factory=dict, hash=False, compare=False)
    similarity: float | None = None

    @property
    def kind(self) -> FactKind:
        return "clause"


Fact = DateFact | QuantityFact | EntityFact | ClauseFact


def parse_partial_date(text: str) -> PartialDate | None:
    """``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` -> PartialDate, None when unparseable or invalid."""
    m = _ISO_PARTIAL.match(text.strip())
    if not m:
        return None
    year, month, day = (int(g) if g else None for g in m.groups())
    candidate = PartialDate(year, month, day)
    return candidate if candidate.is_valid() else None


class _FactReader:
    """Reads one raw fact dict, raising errors that name origin, fact id and field."""

    def __init__(self, raw: Mapping[str, Any], origin: str, fact_id: str) -> None:
        self.raw, self.origin, self.fact_id = raw, origin, fact_id

    def error(self, field_name: str, problem: str) -> FactSpecError:
        return FactSpecError(self.origin, self.fact_id, field_name, problem)

    def required(self, name: str) -> Any:
        if name not in self.raw or self.raw[name] is None:
            raise self.error(name, "missing required field")
        return self.raw[name]

    def string(self, name: str, *, required: bool = True) -> str:
        value = self.required(name) if required else self.raw.get(name, "")
        if not isinstance(value, str) or (required and not value.strip()):
            raise self.error(name, f"expected a non-empty string, got {value!r}")
        return value

    def strings(self, value: Any, name: str) -> tuple[str, ...]:
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not value or not all(isinstance(v, str) and v.strip() for v in value):
            raise self.error(name, f"expected a non-empty list of strings, got {value!r}")
        return tuple(value)

    def per_language(self, name: str, *, required: bool) -> dict[str, Any]:
        value = self.required(name) if required else self.raw.get(name) or {}
        if not isinstance(value, dict) or (required and not value):
            raise self.error(name, f"expected a mapping from language code to entries, got {value!r}")
        return value

    def cues(self) -> dict[str, tuple[str, ...]]:
        return {
            lang: self.strings(words, f"cues.{lang}")
            for lang, words in self.per_language("cues", required=False).items()
        }


def _require_cue_words(r: _FactReader, common: Mapping[str, Any], kind: str) -> None:
    """A mention is tied to a fact of this kind by the fact's words (its evidence's, or its ``cues``): with
    neither, the fact would be ``absent`` even from an output that states it word for word."""
    if not common["evidence"].strip() and not any(common["cues"].values()):
        raise r.error(
            "evidence",
            f"neither 'evidence' nor 'cues' given: a {kind} is matched by the words around it in the output, "
            "so without them it would always be absent; give the source sentence that states it as evidence, "
            "or cues per language",
        )


def _parse_fact(raw: Any, origin: str, index: int) -> Fact:
    if not isinstance(raw, Mapping):
        raise FactSpecError(origin, f"#{index}", "fact", f"expected a mapping, got {raw!r}")
    fact_id = raw.get("id")
    if not isinstance(fact_id, str) or not fact_id.strip():
        raise FactSpecError(origin, f"#{index}", "id", f"missing or not a string: {fact_id!r}")
    r = _FactReader(raw, origin, fact_id)
    kind = r.required("kind")
    if kind not in KINDS:
        raise r.error("kind", f"unknown kind {kind!r}; expected one of {', '.join(KINDS)}")
    allowed = _COMMON_FIELDS | _FIELDS[kind]
    unknown = sorted(str(name) for name in raw if name not in allowed)
    if unknown:
        raise r.error(unknown[0], f"unknown field for a {kind} fact; expected {', '.join(sorted(allowed))}")
    common: dict[str, Any] = {
        "id": fact_id,
        "evidence": r.string("evidence", required=False),
        "cues": r.cues(),
    }
    if kind == "date":
        value = r.required("value")
        parsed = parse_partial_date(str(value))
        if parsed is None:
            raise r.error("value", f"unparseable date {value!r}; expected YYYY, YYYY-MM or YYYY-MM-DD")
        _require_cue_words(r, common, kind)
        return DateFact(**common, value=parsed)
    if kind == "quantity":
        value = r.required("value")
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise r.error("value", f"expected a number, got {value!r}")
        unit = raw.get("unit")
        if unit is not None and not (isinstance(unit, str) and canonical_unit(unit)):
            raise r.error(
                "unit",
                f"unknown unit {unit!r}; expected one of {', '.join(unit_names())} (or their plurals and "
                "translations); for a count, leave the unit out and name the thing in cues",
            )
        approximate = raw.get("approximate", False)
        if not isinstance(approximate, bool):
            raise r.error("approximate", f"expected true or false, got {approximate!r}")
        tolerance = raw.get("tolerance", 0.1)
        if isinstance(tolerance, bool) or not isinstance(tolerance, int | float) or not 0 <= tolerance < 1:
            raise r.error("tolerance", f"expected a number in [0, 1), got {tolerance!r}")
        _require_cue_words(r, common, kind)
        return QuantityFact(
            **common,
            value=float(value),
            unit=canonical_unit(unit) if unit else None,
            approximate=approximate,
            tolerance=float(tolerance),
        )
    if kind == "entity":
        values = r.strings(r.required("value"), "value")
        aliases = raw.get("aliases") or {}
        if isinstance(aliases, list) and len(values) == 1:
            aliases = {values[0]: aliases}
        if not isinstance(aliases, dict):
            raise r.error("aliases", "expected a list (one name) or a mapping from name to aliases")
        not_named = set(aliases) - set(values)
        if not_named:
            raise r.error("aliases", f"aliases for names not in value: {sorted(not_named)}")
        names = tuple(
            (name, *(r.strings(aliases[name], f"aliases.{name}") if name in aliases else ())) for name in values
        )
        if len(names) > 1:  # the parties to an event: each name a mention tied to the event by its words
            _require_cue_words(r, common, "entity fact of several names")
        return EntityFact(**common, names=names)
    statement = r.string("statement")
    keywords: dict[str, tuple[tuple[str, ...], ...]] = {}
    for lang, groups in r.per_language("keywords", required=True).items():
        if not isinstance(groups, list) or not groups:
            raise r.error(f"keywords.{lang}", f"expected a list of keyword groups, got {groups!r}")
        keywords[lang] = tuple(r.strings(g, f"keywords.{lang}") for g in groups)
    negations = {
        lang: r.strings(cues, f"negations.{lang}") for lang, cues in r.per_language("negations", required=False).items()
    }
    similarity = raw.get("similarity")
    if similarity is not None and (
        isinstance(similarity, bool) or not isinstance(similarity, int | float) or not 0 < similarity <= 1
    ):
        raise r.error("similarity", f"expected a threshold in (0, 1], got {similarity!r}")
    return ClauseFact(
        **common,
        statement=statement,
        keywords=keywords,
        negations=negations,
        similarity=float(similarity) if similarity is not None else None,
    )


def parse_facts(raw: Sequence[Any], origin: str) -> tuple[Fact, ...]:
    """Validate and convert raw fact dicts; ``origin`` names the file or example in errors."""
    if not isinstance(raw, Sequence) or isinstance(raw, str):
        raise FactSpecError(origin, "-", "facts", f"expected a list of facts, got {type(raw).__name__}")
    facts = tuple(_parse_fact(item, origin, i) for i, item in enumerate(raw))
    seen: set[str] = set()
    for fact in facts:
        if fact.id in seen:
            raise FactSpecError(origin, fact.id, "id", "duplicate fact id")
        seen.add(fact.id)
    return facts


class _AsWrittenLoader(yaml.SafeLoader):
    """``yaml.safe_load`` except that an unquoted ``2024-06-19`` stays the string it is: facts are recorded
    as written in ``examples.jsonl``, and JSON has no dates."""


_AsWrittenLoader.yaml_implicit_resolvers = {
    first: [(tag, pattern) for tag, pattern in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def load_yaml_as_written(text: str) -> Any:
    """YAML with dates and times left as strings (see :class:`_AsWrittenLoader`)."""
    return yaml.load(text, Loader=_AsWrittenLoader)


def _read_yaml(path: Path) -> Any:
    text = read_text(path, "facts file")
    try:
        return load_yaml_as_written(text)
    except yaml.YAMLError as exc:
        raise FactSpecError(str(path), "-", "-", f"invalid YAML: {exc}") from exc


def load_fact_spec(path: str | Path) -> tuple[Fact, ...]:
    """Facts of one document: a YAML file with a ``facts:`` list (or a bare list)."""
    path = Path(path)
    data = _read_yaml(path)
    raw = data.get("facts") if isinstance(data, dict) else data
    if raw is None:
        raise FactSpecError(str(path), "-", "facts", "no facts list in file")
    return parse_facts(raw, str(path))


def read_fact_sidefile(path: str | Path) -> dict[str, Any]:
    """A dataset's facts file: a YAML/JSON mapping from example id to a list of facts.

    Every fact is checked here, so that a bad one fails at load naming the file, example and field; the
    facts are returned as written, since that is how they are recorded in ``examples.jsonl``.
    """
    path = Path(path)
    data = _read_yaml(path)
    if not isinstance(data, dict):
        raise FactSpecError(str(path), "-", "-", "expected a mapping from example id to facts")
    facts = {str(ex_id): raw for ex_id, raw in data.items()}
    for ex_id, raw in facts.items():
        parse_facts(raw, f"{path}[{ex_id}]")
    return facts
