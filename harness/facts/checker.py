"""Verdicts of an output against key facts: supported, contradicted or absent, with the deciding span and why.

Dates, quantities, places and parties are bound to at most one fact each by the event their sentence
describes (``harness.facts.binding``); clauses are decided by meaning (``harness.facts.clauses``). A
bound mention that agrees with its fact supports it, one that fills the fact's slot with another value
contradicts it, and an unbound one decides nothing. Contradiction wins over support: an output that
states two signing dates is wrong.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal

from harness.facts.binding import LOCATIVE, NAME, Binder, Binding, locative_names, same_word, spec_cues
from harness.facts.clauses import NLIDecider, Similarity, decide_clause
from harness.facts.dates import DateMention, find_dates
from harness.facts.lexicon import ARTICLE_WORDS, ATTRIBUTIONS, CLAUSE_OPENERS
from harness.facts.numbers import Quantity, dimension, find_quantities, quantities_match
from harness.facts.spec import ClauseFact, DateFact, EntityFact, Fact, FactKind, QuantityFact
from harness.facts.syntax import entity_words, reported_words, verb_subjects
from harness.facts.text import STOPWORDS, content_words, find_phrase, fold, stem_match, tokens

Verdict = Literal["supported", "contradicted", "absent"]
Span = tuple[int, int]

# What a quantity counts: "tonnes of grain", "toneladas de grano", "ton zboża".
_HEAD_AFTER_UNIT = {
    "en": re.compile(r"\s+of\s+(?:the\s+|an?\s+)?(\w+)"),
    "es": re.compile(r"\s+de\s+(?:la\s+|el\s+|los\s+|las\s+)?(\w+)"),
    "pl": re.compile(r"\s+(\w+)"),
}
# "A and B", "A y B", "A i B": parties named together.
_CONJUNCTION = {"en": r"and|&", "es": r"y|e", "pl": r"i|oraz|a"}


@dataclass(frozen=True)
class FactVerdict:
    fact_id: str
    kind: FactKind
    verdict: Verdict
    span: Span | None
    text: str | None
    reason: str | None = None  # why: the binding's cue words, the clause's similarity, or what was missing

    def as_dict(self) -> dict[str, Any]:
        return {
            "fact_id": self.fact_id,
            "kind": self.kind,
            "verdict": self.verdict,
            "span": list(self.span) if self.span else None,
            "text": self.text,
            "reason": self.reason,
        }


@dataclass
class _Evidence:
    """Mentions bound to one fact, with the reason of each. ``weak`` contradictions come from dates
    resolved against the dateline ("today", "Friday"): reported speech shifts them ("the agreement
    signed today", said on the eve of the dateline), so an explicit supporting mention outweighs them.
    Otherwise a contradiction wins over a support: an output that states two signing dates is wrong."""

    supports: list[tuple[Span, str]] = field(default_factory=list)
    contradictions: list[tuple[Span, str]] = field(default_factory=list)
    weak: list[tuple[Span, str]] = field(default_factory=list)

    def verdict(self, fact: Fact, output: str, absent_reason: str) -> FactVerdict:
        for verdict, found in (
            ("contradicted", self.contradictions),
            ("supported", self.supports),
            ("contradicted", self.weak),
        ):
            if found:
                span, reason = min(found)
                return FactVerdict(fact.id, fact.kind, verdict, span, output[span[0] : span[1]], reason)  # type: ignore[arg-type]
        return FactVerdict(fact.id, fact.kind, "absent", None, None, absent_reason)


def _names_the_article(output: str, m: DateMention, lang: str) -> bool:
    """Whether the date is the article's own ("the report, dated 20 June", "published on 20 June",
    "według artykułu z 20 czerwca"): an article word among the three words before it or right after."""
    before = re.findall(r"\w+", output[: m.start])[-3:]
    after = re.findall(r"\w+", output[m.end :])[:1]
    words = {fold(w) for w in before + after}
    return any(fold(w) in words for w in ARTICLE_WORDS.get(lang, ARTICLE_WORDS["en"]))


def _check_dates(
    mentions: list[DateMention], facts: list[DateFact], binder: Binder, lang: str, ev: dict[str, _Evidence]
) -> None:
    """A weekday or "yesterday" names a day: it can only be about a fact known to the day. Facts of
    other kinds whose evidence is dated ("estimated at the end of February") claim the dates
    closest to their own words. A date governed by a verb of saying or publishing dates the report
    (``harness.facts.syntax``). A date is bound by the words of its own clause (``Binder.region``), and
    a date derived for another event ("two years after the invasion") by that event's words alone.
    Of the dates of one sentence bound to one fact, one counts: a date counted from another ("signed a
    day later") rather than the one it counts from, else the one closest to the fact's words ("Kim
    greeted Putin on Wednesday, and they signed the pact on Thursday")."""
    dated = [f for f in binder.facts if not isinstance(f, DateFact | ClauseFact) and find_dates(f.evidence)]
    bound_dates: list[tuple[DateMention, DateFact, str, float]] = []
    reported = reported_words(binder.output, lang)
    for m in mentions:
        if m.dateline or _names_the_article(binder.output, m, lang):
            continue
        if not m.counted and any(m.start <= s < m.end for s, _ in reported):
            continue  # "reported on Thursday that ...": the date of the report
        candidates = [f for f in facts if not m.anchored_day or f.value.day is not None]
        span = (m.about[0], m.end) if m.about else (m.start, m.end)  # "after": its event phrase is the region
        bound = binder.bind(span, candidates, rivals=dated, scope="clause")
        if bound.fact is not None:
            assert isinstance(bound.fact, DateFact)
            nearness = binder.proximity(bound.fact.id, span, scope="clause")
            bound_dates.append((m, bound.fact, bound.reason, nearness))
    for m, fact, why, nearness in bound_dates:
        rivals = [  # an explicit date is not outweighed by one read off the dateline ("today, on 19 June")
            (r, n)
            for r, f, _, n in bound_dates
            if f is fact
            and r is not m
            and binder.sentence_of(r.start) == binder.sentence_of(m.start)
            and (m.anchored_day or not r.anchored_day)
        ]
        if any(r.anchor == (m.start, m.end) for r, _ in rivals):
            continue  # the date another is counted from dates another event
        if m.anchor is None and any(n > nearness for r, n in rivals if r.anchor != (m.start, m.end)):
            continue
        reason = f"{m.value} bound to {fact.id} ({why})"
        if m.value.covers(fact.value):
            ev[fact.id].supports.append(((m.start, m.end), reason))
        elif m.value.conflicts_with(fact.value):
            target = ev[fact.id].weak if m.anchored_day else ev[fact.id].contradictions
            target.append(((m.start, m.end), reason))


def _quantity_agreement(q: Quantity, fact: QuantityFact) -> str | None:
    """How ``q`` agrees with ``fact``: "" when it states the value, the tolerance it uses when a hedged
    ("around 200 tonnes") mention of an approximate fact is within it, None when it disagrees."""
    factor = dimension(fact.unit)[1] if fact.unit else 1.0
    expected, stated = fact.value * factor, q.in_base_unit()
    if quantities_match(stated, expected):
        return ""
    if fact.approximate and q.hedged and abs(stated - expected) <= fact.tolerance * abs(expected):
        value = f"{fact.value:g} {fact.unit or ''}".strip()
        return f"; hedged, within the {fact.tolerance * 100:g}% tolerance of the approximate {value}"
    return None


def _counts_something_else(q: Quantity, fact: QuantityFact, binder: Binder, lang: str) -> bool:
    """ "5,000 tonnes of grain": the noun counted is not among the fact's cue words."""
    m = _HEAD_AFTER_UNIT.get(lang, _HEAD_AFTER_UNIT["en"]).match(binder.output, q.end)
    if not m or q.unit is None:
        return False
    head = fold(m.group(1))
    if head in STOPWORDS or head.isdigit() or m.group(1)[:1].isupper():
        return False  # no noun: a name starts the next clause ("dwóch godzin Putin ogłosił")
    return not any(stem_match(head, c) for c in binder.cues[fact.id])


def _check_quantities(
    quantities: list[Quantity], facts: list[QuantityFact], binder: Binder, lang: str, ev: dict[str, _Evidence]
) -> None:
    for q in quantities:
        dim = dimension(q.unit)[0] if q.unit else None
        candidates = [
            f
            for f in facts
            if (dimension(f.unit)[0] if f.unit else None) == dim and not _counts_something_else(q, f, binder, lang)
        ]
        bound = binder.bind((q.start, q.end), candidates)
        if bound.fact is None:
            continue
        fact = bound.fact
        assert isinstance(fact, QuantityFact)
        stated = f"{q.value:g} {q.unit or ''}".strip() + (" (hedged)" if q.hedged else "")
        agreement = _quantity_agreement(q, fact)
        reason = f"{stated} bound to {fact.id} ({bound.reason}){agreement or ''}"
        target = ev[fact.id].supports if agreement is not None else ev[fact.id].contradictions
        target.append(((q.start, q.end), reason))


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
    preps = "|".join(LOCATIVE["en"])
    return any(
        re.search(rf"\b(?:{preps})\s+{re.escape(form)}\b", fact.evidence, re.IGNORECASE)
        for names in fact.names
        for form in names
    )


def _overlaps(span: Span, spans: Sequence[Span]) -> bool:
    return any(s < span[1] and span[0] < e for s, e in spans)


def _place_mentions(binder: Binder, lang: str) -> list[tuple[Span, str]]:
    """``locative_names`` less the names of people after Spanish personal "a" ("recibió a Putin"): a
    name of an entity fact that is no place fact's name."""

    def spans(place: bool) -> list[Span]:
        return [
            s
            for g in binder.facts
            if isinstance(g, EntityFact) and _is_place_slot(g) == place
            for n in g.names
            for s in _name_spans(binder.output, n, lang)
        ]

    places, others = spans(True), spans(False)
    return [
        (span, name)
        for span, name in locative_names(binder.output, lang)
        if not (
            lang == "es"
            and re.search(r"(?<!\w)a\s+$", binder.output[: span[0]])
            and _overlaps(span, others)
            and not _overlaps(span, places)
        )
    ]


def _check_place(fact: EntityFact, binder: Binder, lang: str, dates: Sequence[Span]) -> _Evidence:
    """Each place named after a locative preposition in a sentence about the fact's event supports
    it when it is one of the fact's names, and contradicts it otherwise: "signed in Moscow" is
    another signing place, whatever other fact Moscow is a name of."""
    own = [s for names in fact.names for s in _name_spans(binder.output, names, lang)]
    ev = _Evidence()
    for span, name in _place_mentions(binder, lang):
        if _overlaps(span, dates):
            continue
        bound = binder.bind(span, [fact], rivals=binder.other_events(fact), scope="place")
        if bound.fact is None:
            continue
        target = ev.supports if _overlaps(span, own) else ev.contradictions
        target.append((span, f"place {name!r} ({bound.reason})"))
    return ev


def _check_parties(fact: EntityFact, binder: Binder, lang: str) -> tuple[_Evidence, str]:
    """Every party named (not as a place) in sentences about the fact's event supports it; a
    party named together with one of them that is none of them ("Russia and China signed")
    contradicts it."""
    output = binder.output
    places = [span for span, _ in _place_mentions(binder, lang)]
    ev = _Evidence()
    found: list[tuple[Span, str]] = []
    missing = []
    all_own: list[Span] = []
    # The subjects of the event's own verbs ("Putin landed in Pyongyang and signed the treaty") are its
    # agents whatever other event's words lie closer to them.
    event_verbs = [
        (subject, output[v[0] : v[1]])
        for subject, v in verb_subjects(output, lang)
        if any(same_word(fold(output[v[0] : v[1]]), c) for c in binder.event_words[fact.id])
    ]
    for names in fact.names:
        spans = [s for s in _name_spans(output, names, lang) if not _overlaps(s, places)]
        all_own += spans
        bound = [(s, binder.bind(s, [fact], rivals=binder.other_events(fact), scope="agent")) for s in spans]
        bound += [
            (s, Binding(fact, f"subject of {verb!r}"))
            for s in spans
            for subj, verb in event_verbs
            if _overlaps(s, [subj])
        ]
        hit = next(((s, b.reason) for s, b in bound if b.fact is not None), None)
        if hit is None:
            missing.append(names[0])
        else:
            found.append(hit)
    if not missing:
        ev.supports.append((min(s for s, _ in found), "named: " + "; ".join(r for _, r in found)))
    conj = _CONJUNCTION.get(lang, _CONJUNCTION["en"])
    for m in re.finditer(rf"({NAME})\s+(?:{conj})\s+({NAME})", output):
        a, b = (m.start(1), m.end(1)), (m.start(2), m.end(2))
        for own, other in ((a, b), (b, a)):
            if _overlaps(own, all_own) and not _overlaps(other, all_own) and not _overlaps(other, places):
                rival = binder.bind(other, [fact], rivals=binder.other_events(fact))
                if rival.fact is not None:
                    ev.contradictions.append(
                        (
                            other,
                            f"party {output[other[0] : other[1]]!r} is none of "
                            f"{', '.join(n[0] for n in fact.names)} ({rival.reason})",
                        )
                    )
    return ev, "not named in a sentence about its event: " + ", ".join(missing)


def _check_named(fact: EntityFact, binder: Binder, lang: str) -> _Evidence:
    """Supported when every name is there; contradicted when what the fact's cue verb says ("estimated")
    or an attribution ("according to X") in a sentence about the fact is credited to another named
    source ("North Korea's defence ministry estimated", "Moscow estimates", "según Moscú")."""
    output = binder.output
    ev = _Evidence()
    per_name = [_name_spans(output, names, lang) for names in fact.names]
    if all(per_name):
        ev.supports.append((per_name[0][0], "named"))
    own = {_bare_name(n.group()) for names in fact.names for form in names for n in re.finditer(NAME, form)}
    # A capital at a sentence's start may be any word ("Analysts estimated"): alone there it names a
    # source only when it is a name of some fact ("Moscow estimates").
    known = {_bare_name(form) for g in binder.facts if isinstance(g, EntityFact) for names in g.names for form in names}
    starts = {s for s, _ in binder.sentences}
    entities = entity_words(output, lang)
    for span in _credited_sources(fact, binder, lang):
        others = []
        for n in re.finditer(NAME, output[span[0] : span[1]]):
            bare, pos = _bare_name(n.group()), span[0] + n.start()
            lone_initial = (
                output[:pos].strip() == "" or pos in starts or output[:pos].rstrip().endswith((".", "!", "?"))
            )
            lone_initial = lone_initial and " " not in n.group() and not n.group().isupper()  # "US" is a name
            # ... and so is a word the recogniser calls a name ("Ukrainian military intelligence"), or a
            # possessive ("Japan's defence ministry").
            named = _overlaps((pos, pos + len(n.group())), entities) or n.group().endswith(("'s", "’s"))
            lone_initial = lone_initial and not named
            if bare and bare not in own and not (lone_initial and bare not in known):
                others.append(n)
        if others:
            skip = len(others[0].group()) - len(
                re.sub(r"^(?:(?:the|el|la|los|las)\s+)+", "", others[0].group(), flags=re.I)
            )
            at = (span[0] + others[0].start() + skip, span[0] + others[0].end())
            ev.contradictions.append((at, f"credited to {output[at[0] : at[1]]!r}, none of {fact.names[0][0]!r}"))
    return ev


def _bare_name(name: str) -> str:
    """A name without its article and possessive ending, folded ("The Seoul's" -> "seoul"); Polish by stem."""
    words = [re.sub(r"['’]s$", "", w) for w in fold(name).split()]
    while words and words[0] in STOPWORDS:
        words.pop(0)
    return " ".join(w[:5] for w in words)


def _credited_sources(fact: EntityFact, binder: Binder, lang: str) -> list[Span]:
    """Spans of the sources things are credited to in sentences holding one of the fact's cue words:
    the words before one of its cue verbs back to the clause's start, and the words after an
    attribution phrase up to the next comma."""
    output = binder.output
    openers = CLAUSE_OPENERS.get(lang, CLAUSE_OPENERS["en"])
    verbs = spec_cues(fact, lang)
    kind_words = [w for names in fact.names for form in names for w in content_words(re.sub(NAME, " ", form))]
    found: list[Span] = []
    for s_start, s_end in binder.sentences:
        toks = [t for t in binder.tokens if s_start <= t.start < s_end]
        cued = any(stem_match(t.norm, c) for t in toks for c in binder.cues[fact.id])
        for i, t in enumerate(toks):
            if any(stem_match(t.norm, v) for v in verbs):
                j = i
                while (
                    j > 0
                    and toks[j - 1].norm not in openers
                    and not re.search(r"[,;:]", output[toks[j - 1].end : toks[j].start])
                ):
                    j -= 1
                if cued and j < i and i - j <= 6:
                    found.append((toks[j].start, toks[i - 1].end))
        for phrase in ATTRIBUTIONS.get(lang, ATTRIBUTIONS["en"]):
            for _, b in find_phrase(output[s_start:s_end], phrase):
                rest = output[s_start + b : s_end]
                end = s_start + b + (re.search(r"[,;:]|$", rest).start())  # type: ignore[union-attr]
                # Polish sets no comma after "według X": its source is cut after four words.
                words = [t for t in toks if s_start + b <= t.start < end][: 4 if lang == "pl" else 8]
                # About the fact: its sentence holds a cue word, or the source is of the fact's kind
                # ("the Russian defence ministry" for South Korea's).
                if words and (cued or any(stem_match(t.norm, w) for t in words for w in kind_words)):
                    found.append((words[0].start, words[-1].end))
    return found


def check_facts(
    output: str,
    facts: Sequence[Fact],
    *,
    anchor: datetime | date | None,
    lang: str = "en",
    similarity: Similarity | None = None,
    nli: NLIDecider | None = None,
) -> list[FactVerdict]:
    """One verdict per fact, in spec order.

    ``anchor`` is the source's dateline (resolves "Wednesday", "last year"); ``similarity`` scores
    (text, statement) for clause facts (see ``harness.facts.clauses``); ``nli`` replaces it as the
    clause decider when given.
    """
    ev: dict[str, _Evidence] = {f.id: _Evidence() for f in facts}
    absent: dict[str, str] = {f.id: "no mention bound to it" for f in facts}
    date_facts = [f for f in facts if isinstance(f, DateFact)]
    quantity_facts = [f for f in facts if isinstance(f, QuantityFact)]
    dates = find_dates(output, anchor, lang, counted=True)
    quantities = find_quantities(output, lang)
    # A number with a unit is a quantity even where it looks like a year ("1900 ton"), unless it counts
    # a date from another ("two days later").
    dates = [d for d in dates if d.counted or not any(q.unit and q.start <= d.start < q.end for q in quantities)]
    in_dates = [(d.start, d.end) for d in dates]
    quantities = [q for q in quantities if not _overlaps((q.start, q.end), in_dates)]
    binder = Binder(output, facts, lang, in_dates + [(q.start, q.end) for q in quantities])
    if date_facts:
        _check_dates(dates, date_facts, binder, lang, ev)
    if quantity_facts:
        _check_quantities(quantities, quantity_facts, binder, lang, ev)
    for fact in facts:
        if isinstance(fact, EntityFact) and _is_place_slot(fact):
            ev[fact.id] = _check_place(fact, binder, lang, in_dates)
        elif isinstance(fact, EntityFact) and len(fact.names) > 1:
            ev[fact.id], absent[fact.id] = _check_parties(fact, binder, lang)
        elif isinstance(fact, EntityFact):
            ev[fact.id] = _check_named(fact, binder, lang)
            absent[fact.id] = "not named"
        elif isinstance(fact, ClauseFact):
            decision = decide_clause(fact, output, lang, similarity, nli)
            if decision is not None:
                target = ev[fact.id].supports if decision.verdict == "supported" else ev[fact.id].contradictions
                target.append((decision.span, decision.reason))
            else:
                absent[fact.id] = "no sentence about the clause"
    return [ev[f.id].verdict(f, output, absent[f.id]) for f in facts]
