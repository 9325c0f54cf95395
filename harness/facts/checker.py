"""Verdicts of an output against key facts: supported, contradicted or absent, with the deciding span.

A mention (a date, a quantity, a place name, a clause) is assigned to the fact whose *slot* it
fills: slot cues are the content words of the fact's evidence plus the spec's per-language
``cues``, weighted by closeness to the mention and by how specific they are to one fact. A
mention that agrees with a fact supports it; one that fills the fact's slot with another value
contradicts it. Contradiction wins over support: an output that states two signing dates is wrong.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal

from harness.facts.dates import DateMention, find_dates
from harness.facts.numbers import Quantity, dimension, find_quantities, quantities_match
from harness.facts.spec import ClauseFact, DateFact, EntityFact, Fact, FactKind, QuantityFact
from harness.facts.text import (
    STOPWORDS,
    Token,
    content_words,
    find_phrase,
    fold,
    sentence_spans,
    stem_match,
    tokens,
)

Verdict = Literal["supported", "contradicted", "absent"]
Similarity = Callable[[str, str], float]
Span = tuple[int, int]

# Prepositions that introduce a place, per language ("signed in Moscow", "firmado en Moscú").
_LOCATIVE = {"en": ("in", "at", "to"), "es": ("en", "a"), "pl": ("w", "we", "do")}
# A mention contradicts a fact only when it sits close to the fact's slot words: one specific
# cue within three content words, or several shared ones nearby.
SLOT_CUE_MIN = 0.3
_NOT_PLACES = {"according", "due", "compared"}  # "according to X" is no place
# What a quantity counts: "tonnes of grain", "toneladas de grano", "ton zboża".
_HEAD_AFTER_UNIT = {
    "en": re.compile(r"\s+of\s+(?:the\s+|an?\s+)?(\w+)"),
    "es": re.compile(r"\s+de\s+(?:la\s+|el\s+|los\s+|las\s+)?(\w+)"),
    "pl": re.compile(r"\s+(\w+)"),
}


@dataclass(frozen=True)
class FactVerdict:
    fact_id: str
    kind: FactKind
    verdict: Verdict
    span: Span | None
    text: str | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "fact_id": self.fact_id,
            "kind": self.kind,
            "verdict": self.verdict,
            "span": list(self.span) if self.span else None,
            "text": self.text,
        }


def _cue_words(fact: Fact, lang: str) -> list[str]:
    """Evidence words and spec cues; an entity's own names and the evidence's dates ("signed on
    Wednesday") are no cue for a slot."""
    evidence = fact.evidence
    for d in reversed(find_dates(evidence)):
        evidence = evidence[: d.start] + evidence[d.end :]
    words = content_words(evidence) + [w for c in fact.cues.get(lang, ()) for w in content_words(c)]
    if isinstance(fact, EntityFact):
        own = {w for names in fact.names for form in names for w in content_words(form)}
        words = [w for w in words if w not in own]
    return words


class _Slots:
    """Scores how strongly the words around a mention point to each fact's slot."""

    def __init__(self, output: str, facts: Sequence[Fact], lang: str) -> None:
        self.output = output
        self.facts = facts
        self.tokens = tokens(output)
        self.sentences = sentence_spans(output)
        self.cues: dict[str, list[str]] = {f.id: _cue_words(f, lang) for f in facts}
        # A cue shared by many facts (a country name) says little about which slot is meant.
        self.weight: dict[str, float] = {}
        for words in self.cues.values():
            for w in set(words):
                owners = sum(any(stem_match(w, o) for o in other) for other in self.cues.values())
                self.weight[w] = 1.0 / max(1, owners)

    def sentence_of(self, start: int) -> Span:
        return next(((s, e) for s, e in self.sentences if s <= start < e), (0, len(self.output)))

    def score(self, fact: Fact, start: int, end: int) -> float:
        return self.score_id(fact.id, start, end)

    def score_id(self, fact_id: str, start: int, end: int) -> float:
        """Sum of cue weights in the mention's sentence, divided by their distance to the mention
        in content words (stopwords and digits do not count)."""
        s_start, s_end = self.sentence_of(start)
        inside = [
            t for t in self.tokens
            if s_start <= t.start < s_end and (t.norm not in STOPWORDS and not t.norm.isdigit() or start <= t.start < end)
        ]
        first = next((i for i, t in enumerate(inside) if t.end > start), len(inside))
        last = max((i for i, t in enumerate(inside) if t.start < end), default=first)
        total = 0.0
        for i, tok in enumerate(inside):
            if first <= i <= last:
                continue
            cue = next((c for c in self.cues[fact_id] if stem_match(tok.norm, c)), None)
            if cue is not None:
                total += self.weight[cue] / (first - i if i < first else i - last)
        return total

    def clear_leader(self, start: int, end: int, kind: FactKind) -> str | None:
        """The one fact of ``kind`` whose slot words dominate around a span, if any.

        Facts of other kinds compete too (the evidence of an entity fact claims its context:
        "estimated at the end of February" is the estimate's), except that quantities and other
        mentions never compete for each other. A tie only with other kinds is no doubt: the
        signing date and the signing place share their slot words.
        """
        rivals = [f for f in self.facts if (f.kind == "quantity") == (kind == "quantity")]
        scores = {f.id: round(self.score_id(f.id, start, end), 9) for f in rivals}
        best = max(scores.values(), default=0.0)
        leaders = [f.id for f in rivals if scores[f.id] == best and f.kind == kind]
        return leaders[0] if best >= SLOT_CUE_MIN and len(leaders) == 1 else None

    def has_cue_word(self, fact: Fact, word: str) -> bool:
        return any(stem_match(fold(word), c) for c in self.cues[fact.id])


@dataclass
class _Evidence:
    """Mentions found for one fact. ``weak`` contradictions come from dates resolved against the
    dateline ("today", "Friday"): reported speech shifts them ("the agreement signed today", said
    on the eve of the dateline), so an explicit supporting mention outweighs them."""

    supports: list[Span] = field(default_factory=list)
    contradictions: list[Span] = field(default_factory=list)
    weak: list[Span] = field(default_factory=list)

    def verdict(self, fact: Fact, output: str) -> FactVerdict:
        for verdict, spans in (
            ("contradicted", self.contradictions),
            ("supported", self.supports),
            ("contradicted", self.weak),
        ):
            if spans:
                span = min(spans)
                return FactVerdict(fact.id, fact.kind, verdict, span, output[span[0] : span[1]])  # type: ignore[arg-type]
        return FactVerdict(fact.id, fact.kind, "absent", None, None)


def _assign(
    candidates: Sequence[Fact],
    consistent: Callable[[Fact], bool],
    conflicting: Callable[[Fact], bool],
    span: Span,
    slots: _Slots,
    evidence: dict[str, _Evidence],
    kind: FactKind,
    weak: bool = False,
) -> None:
    """Record one mention as support of the facts it agrees with (unless another fact's slot is
    clearly meant) and as contradiction of the fact whose slot it clearly fills: that fact's slot
    words must dominate those of every other fact, of any kind ("estimated at the end of
    February" belongs to the estimate, not to the signing)."""
    if not candidates:
        return
    scores = {f.id: slots.score(f, *span) for f in candidates}
    best = max(scores.values())
    for fact in candidates:
        if consistent(fact) and (scores[fact.id] > 0 or scores[fact.id] == best):
            evidence[fact.id].supports.append(span)
    leader = next((f for f in candidates if f.id == slots.clear_leader(*span, kind)), None)
    if leader is not None and conflicting(leader) and not consistent(leader):
        target = evidence[leader.id]
        (target.weak if weak else target.contradictions).append(span)


def _check_dates(
    mentions: list[DateMention], facts: list[DateFact], slots: _Slots, ev: dict[str, _Evidence]
) -> None:
    for m in mentions:
        _assign(
            facts,
            lambda f: m.value.covers(f.value),  # type: ignore[attr-defined]
            lambda f: m.value.conflicts_with(f.value),  # type: ignore[attr-defined]
            (m.start, m.end),
            slots,
            ev,
            "date",
            weak=m.anchored_day,
        )


def _quantity_agrees(q: Quantity, fact: QuantityFact) -> bool:
    factor = dimension(fact.unit)[1] if fact.unit else 1.0
    expected, stated = fact.value * factor, q.in_base_unit()
    if quantities_match(stated, expected):
        return True
    return fact.approximate and q.hedged and abs(stated - expected) <= fact.tolerance * abs(expected)


def _counts_something_else(q: Quantity, fact: QuantityFact, slots: _Slots, lang: str) -> bool:
    """"5,000 tonnes of grain": the noun counted is not among the fact's slot words."""
    m = _HEAD_AFTER_UNIT.get(lang, _HEAD_AFTER_UNIT["en"]).match(slots.output, q.end)
    if not m or q.unit is None:
        return False
    head = fold(m.group(1))
    if head in STOPWORDS or head.isdigit():
        return False
    return not slots.has_cue_word(fact, head)


def _check_quantities(
    quantities: list[Quantity],
    facts: list[QuantityFact],
    slots: _Slots,
    lang: str,
    ev: dict[str, _Evidence],
) -> None:
    for q in quantities:
        dim = dimension(q.unit)[0] if q.unit else None
        candidates = [
            f for f in facts
            if (dimension(f.unit)[0] if f.unit else None) == dim and not _counts_something_else(q, f, slots, lang)
        ]
        _assign(
            candidates,
            lambda f: _quantity_agrees(q, f),  # type: ignore[arg-type]
            lambda f: True,
            (q.start, q.end),
            slots,
            ev,
            "quantity",
        )


def _name_spans(output: str, forms: Sequence[str], lang: str) -> list[Span]:
    """Occurrences of any form of a name; Polish names inflect, so they match by stem."""
    if lang == "pl":
        return sorted((s for form in forms for s in find_phrase(output, form)), key=lambda s: (s[0], -s[1]))
    toks = tokens(output)
    hits: list[Span] = []
    for form in forms:
        words = [fold(w.text) for w in tokens(form)]
        for i in range(len(toks) - len(words) + 1):
            if all(toks[i + k].norm == w for k, w in enumerate(words)):
                hits.append((toks[i].start, toks[i + len(words) - 1].end))
    return sorted(hits, key=lambda s: (s[0], -s[1]))  # the longest form at the first position


def _is_place_slot(fact: EntityFact) -> bool:
    """The evidence names the value right after a locative preposition ("visit to Pyongyang")."""
    preps = "|".join(_LOCATIVE["en"])
    return any(
        re.search(rf"\b(?:{preps})\s+{re.escape(form)}\b", fact.evidence, re.IGNORECASE)
        for names in fact.names
        for form in names
    )


def _place_names(output: str, lang: str) -> list[tuple[Span, str]]:
    preps = "|".join(_LOCATIVE.get(lang, _LOCATIVE["en"]))
    name = r"[A-ZÀ-ÖØ-ÝĄĆĘŁŃÓŚŹŻ][\w'’-]*(?:\s+(?:del\s+|de\s+)?[A-ZÀ-ÖØ-ÝĄĆĘŁŃÓŚŹŻ][\w'’-]*)*"
    found: list[tuple[Span, str]] = []
    for m in re.finditer(rf"(\w+\s+)?\b(?:{preps})\s+({name})", output):
        if m.group(1) and fold(m.group(1).strip()) in _NOT_PLACES:
            continue
        found.append(((m.start(2), m.end(2)), m.group(2)))
    return found


def _check_entity(
    fact: EntityFact, slots: _Slots, lang: str, months_and_days: set[str]
) -> _Evidence:
    output = slots.output
    per_name = [_name_spans(output, names, lang) for names in fact.names]
    ev = _Evidence()
    if all(per_name):
        ev.supports.append(per_name[0][0])
    if _is_place_slot(fact):
        known = [s for spans in per_name for s in spans]
        for span, name in _place_names(output, lang):
            if fold(name) in months_and_days or any(s[0] <= span[0] < s[1] for s in known):
                continue
            if slots.clear_leader(*span, "entity") == fact.id:
                ev.contradictions.append(span)
    return ev


def _clause_matches(sentence: str, offset: int, phrases: Sequence[str]) -> list[Span]:
    return [(s + offset, e + offset) for p in phrases for s, e in find_phrase(sentence, p)]


def _check_clause(fact: ClauseFact, slots: _Slots, lang: str, similarity: Similarity | None) -> _Evidence:
    groups = fact.keywords.get(lang) or fact.keywords.get("en", ())
    negations = fact.negations.get(lang, ())
    ev = _Evidence()
    for s_start, s_end in slots.sentences:
        sentence = slots.output[s_start:s_end]
        hits = [_clause_matches(sentence, s_start, group) for group in groups]
        matched = [h for h in hits if h]
        keyword_spans = [s for h in matched for s in h]
        # A negation cue inside a keyword ("rule out" in "does not rule out") is no negation.
        negated = [
            n for n in _clause_matches(sentence, s_start, negations)
            if not any(k[0] <= n[0] and n[1] <= k[1] for k in keyword_spans)
        ]
        spans = keyword_spans + negated
        whole = (min(s for s, _ in spans), max(e for _, e in spans)) if spans else (s_start, s_end)
        if negated and matched and len(matched) >= max(1, len(groups) - 1):
            ev.contradictions.append(whole)
        elif not negated and groups and len(matched) == len(groups):
            ev.supports.append(whole)
        elif not negated and fact.similarity is not None and similarity is not None:
            if similarity(sentence, fact.statement) >= fact.similarity:
                ev.supports.append((s_start, s_end))
    return ev


def check_facts(
    output: str,
    facts: Sequence[Fact],
    *,
    anchor: datetime | date | None,
    lang: str = "en",
    similarity: Similarity | None = None,
) -> list[FactVerdict]:
    """One verdict per fact, in spec order.

    ``anchor`` is the source's dateline (resolves "Wednesday", "last year"); ``similarity`` scores
    (sentence, statement) for clause facts that set an embedding threshold.
    """
    slots = _Slots(output, facts, lang)
    ev: dict[str, _Evidence] = {f.id: _Evidence() for f in facts}
    date_facts = [f for f in facts if isinstance(f, DateFact)]
    quantity_facts = [f for f in facts if isinstance(f, QuantityFact)]
    dates = find_dates(output, anchor, lang)
    if date_facts:
        _check_dates(dates, date_facts, slots, ev)
    if quantity_facts:
        in_dates = [(d.start, d.end) for d in dates]
        quantities = [q for q in find_quantities(output, lang) if not any(s <= q.start < e for s, e in in_dates)]
        _check_quantities(quantities, quantity_facts, slots, lang, ev)
    date_words = {fold(output[d.start : d.end]) for d in dates}
    for fact in facts:
        if isinstance(fact, EntityFact):
            ev[fact.id] = _check_entity(fact, slots, lang, date_words)
        elif isinstance(fact, ClauseFact):
            ev[fact.id] = _check_clause(fact, slots, lang, similarity)
    return [ev[f.id].verdict(f, output) for f in facts]
