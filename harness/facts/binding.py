"""Binding of mentions to facts: which fact's event a date, number, place or party in an output is about.

Every fact has *cue words* that name its event: the content words of its evidence (names and dates
taken out: people and places take part in many events) plus the spec's per-language ``cues``. A cue
shared by several events says little, so each cue weighs 1 / (number of events that use it), where
facts that share a spec cue ("signed") form one event (the signing date, place and parties).

A mention is bound to at most one fact, of the kinds that can hold it (a date to a date fact, 190
tonnes to a mass quantity, "in Moscow" to a place), when

* its sentence holds event words of that fact (its spec ``cues`` where given, else its cue words)
  weighing at least ``SLOT_CUE_MIN`` (a sentence with a year but no word of any fact's event binds
  nothing);
* among the candidates the fact's cues lie closest to the mention (cue weight / distance in content
  words), without a tie;
* for places and parties, no fact of another event (clauses aside) has a cue word as close to it
  ("Putin, who met Kim in Vladivostok last year, signed the treaty" names the meeting's place, not
  the signing's); for dates, no fact of another kind whose evidence is dated ("the ministry
  estimated at the end of February, since that meeting, ..." dates the estimate, not the meeting).

Words inside dates and quantities ("last year") are no cue words.

Every binding, and every refusal, comes with a reason for the verdict's details.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal

from harness.facts.dates import find_dates
from harness.facts.lexicon import COMPLEMENTIZERS, EVENT_PREPOSITIONS, RELATIVE_PRONOUNS
from harness.facts.numbers import find_quantities
from harness.facts.spec import ClauseFact, EntityFact, Fact
from harness.facts.text import STOPWORDS, content_words, fold, sentence_spans, tokens

Span = tuple[int, int]
# Where a mention's event words are looked for (``Binder.region``).
Scope = Literal["sentence", "clause", "place", "agent"]
Region = tuple[Span, list[Span]]  # (words' span, holes in it)
_ANY_DAY = date(2000, 1, 1)

# Least cue weight in a sentence for a mention there to be bound to a fact: one cue of a single event.
SLOT_CUE_MIN = 0.5


def same_word(word: str, cue: str) -> bool:
    """Whether two folded words are forms of one word: they share a prefix of four letters or more
    beyond which the shorter has at most two letters and the longer at most four ("signed"/"signing",
    "rozmowy"/"rozmowach"), so that "Vladimir" is no form of "Vladivostok" nor "partnership" of "party"."""
    if word == cue:
        return True
    shared = len(os.path.commonprefix([word, cue]))
    short, long_ = sorted((len(word), len(cue)))
    return shared >= 4 and short - shared <= 2 and long_ - shared <= 4


@dataclass(frozen=True)
class Binding:
    fact: Fact | None
    reason: str


def _evidence_cues(fact: Fact) -> list[str]:
    """Content words of the evidence (and of a clause's statement), without dates and quantities with
    their units ("two hours" is no word of the talks' event), without names
    (capitalised words), and for an entity without its own names."""
    evidence = fact.evidence
    values = [(d.start, d.end) for d in find_dates(evidence, _ANY_DAY)]  # an anchor: "this year" is found too
    values += [(q.start, q.end) for q in find_quantities(evidence) if q.unit]  # "about two hours"
    for start, end in sorted(values, reverse=True):
        evidence = evidence[:start] + " " + evidence[end:]
    if isinstance(fact, ClauseFact):
        evidence += " " + fact.statement
    words = [
        t.norm
        for t in tokens(evidence)
        if not t.text[:1].isupper() and t.norm not in STOPWORDS and not t.norm.isdigit()
    ]
    if isinstance(fact, EntityFact):
        own = {w for names in fact.names for form in names for w in content_words(form)}
        words = [w for w in words if w not in own]
    return words


def spec_cues(fact: Fact, lang: str) -> list[str]:
    return list(dict.fromkeys(w for c in fact.cues.get(lang, ()) for w in content_words(c)))


def cue_words(fact: Fact, lang: str) -> list[str]:
    """The words that tie a sentence to the fact's event, in ``lang``."""
    return list(dict.fromkeys(_evidence_cues(fact) + spec_cues(fact, lang)))


def _events(facts: Sequence[Fact], lang: str) -> dict[str, int]:
    """Fact id -> event number: facts sharing a spec cue word belong to one event."""
    event = {f.id: i for i, f in enumerate(facts)}
    spec = {f.id: {fold(w) for c in f.cues.get(lang, ()) for w in content_words(c)} for f in facts}
    for a in facts:
        for b in facts:
            if event[a.id] != event[b.id] and spec[a.id] & spec[b.id]:
                old, new = event[b.id], event[a.id]
                event = {k: new if v == old else v for k, v in event.items()}
    return event


class Binder:
    """Cue words of every fact over one output, and the binding of mentions to facts."""

    def __init__(self, output: str, facts: Sequence[Fact], lang: str, values: Sequence[Span] = ()) -> None:
        """``values``: spans of the output's dates and quantities; their words ("last year") are no cues."""
        self.output = output
        self.facts = facts
        self.tokens = tokens(output)
        self.values = values
        self.sentences = sentence_spans(output)
        preps = "|".join(re.escape(p) for p in EVENT_PREPOSITIONS.get(lang, EVENT_PREPOSITIONS["en"]))
        self.event_phrases: list[Span] = [
            (m.start(), m.start() + re.search(r"[,;:()–—]|$", output[m.start() :]).start())  # type: ignore[union-attr]
            for m in re.finditer(rf"(?<!\w)(?:{preps})(?!\w)", output, re.IGNORECASE)
        ]
        pronouns = "|".join(re.escape(p) for p in RELATIVE_PRONOUNS.get(lang, RELATIVE_PRONOUNS["en"]))
        # A complementizer after an event preposition ("después de que Rusia lanzara") opens that
        # phrase's event, no complement clause.
        cut = "|".join([";"] + [rf"(?<!\w){re.escape(c)}(?!\w)" for c in COMPLEMENTIZERS.get(lang, ())])
        after_prep = re.compile(rf"(?<!\w)(?:{preps})\s*$", re.IGNORECASE)
        self.clause_cuts = [
            m.start() for m in re.finditer(cut, output, re.IGNORECASE) if not after_prep.search(output[: m.start()])
        ]
        self.asides: list[Span] = [
            (m.start(), m.end()) for m in re.finditer(rf",\s*(?:{pronouns})(?!\w)[^,;.]*", output, re.IGNORECASE)
        ]
        self.cues: dict[str, list[str]] = {f.id: cue_words(f, lang) for f in facts}
        # The event words that must be in a sentence: the spec's cues where it gives them.
        self.event_words: dict[str, list[str]] = {f.id: spec_cues(f, lang) or self.cues[f.id] for f in facts}
        self.event = _events(facts, lang)
        self.weight: dict[str, float] = {}
        for words in self.cues.values():
            for w in words:
                owners = {self.event[fid] for fid, other in self.cues.items() if any(same_word(w, o) for o in other)}
                self.weight[w] = 1.0 / max(1, len(owners))

    def sentence_of(self, start: int) -> Span:
        return next(((s, e) for s, e in self.sentences if s <= start < e), (0, len(self.output)))

    def region(self, span: Span, fact_id: str, scope: Scope) -> tuple[Span, list[Span]]:
        """(scope, holes) of the words that can be about the same event as the mention at ``span``.

        ``sentence``: its sentence. ``clause`` (when): its clause between semicolons and complementizers
        ("informó el jueves de que ..."), less the relative
        clauses (", which deny any arms transfers,") and the phrases about another event ("after
        signing the pact", "tras firmar", "po podpisaniu") it is not in; inside a relative clause that
        clause alone. ``place`` (where): as ``clause``, relative clauses kept (the visit's place is the
        signing's). ``agent`` (who): the sentence less relative clauses and the event phrases without
        the fact's own cue words ("held talks before signing the pact": the talks' subject signed).
        """
        s_start, s_end = self.sentence_of(span[0])
        if scope == "sentence":
            return (s_start, s_end), []
        c_start, c_end = s_start, s_end
        if scope != "agent":
            cuts = [s_start] + [c for c in self.clause_cuts if s_start < c < s_end] + [s_end]
            c_start, c_end = next(
                ((a, b) for a, b in zip(cuts, cuts[1:], strict=False) if a <= span[0] < b), (s_start, s_end)
            )
        asides = [(a, b) for a, b in self.asides if c_start <= a < c_end] if scope != "place" else []
        aside = next(((a, b) for a, b in asides if a <= span[0] < b), None)
        if aside is not None:
            return aside, []
        phrases = [(a, b) for a, b in self.event_phrases if c_start <= a < c_end]
        inside = next(((a, b) for a, b in phrases if a <= span[0] < b), None)
        if inside is not None:
            # The preposition itself ("two years after the invasion") is about its phrase; a mention
            # inside one may be the main clause's ("signed on Wednesday after meeting in the capital").
            return (inside, []) if inside[0] == span[0] else ((c_start, c_end), asides)
        if scope == "agent":
            phrases = [p for p in phrases if not self._cue_hits(fact_id, p, within=True)]
        # A phrase right after a date is that date's event: "In 2022, after Russia launched ..."; so is a
        # phrase that a date closing the sentence follows: "tras la invasión de Ucrania, hace dos años."
        if scope == "clause":
            closing = not re.search(r"\w", self.output[span[1] : s_end])
            phrases = [
                p
                for p in phrases
                if not (p[0] >= span[1] and re.fullmatch(r"\W*(?:\w+\W+)?", self.output[span[1] : p[0]]))
                and not (closing and p[1] <= span[0] and re.fullmatch(r"\s*,\s*", self.output[p[1] : span[0]]))
            ]
        return (c_start, c_end), phrases + asides

    def _cue_hits(
        self, fact_id: str, span: Span, scope: Scope | Region = "sentence", within: bool = False
    ) -> list[tuple[str, int]]:
        """(cue, distance in content words) for each cue word of the fact in the span's ``region``,
        outside the span (inside it when ``within``); stopwords and digits take no place in the distance."""
        if within:
            return [
                (c, 1)
                for t in self.tokens
                if span[0] <= t.start < span[1]
                for c in self.cues[fact_id]
                if same_word(t.norm, c)
            ]
        (s_start, s_end), holes = scope if isinstance(scope, tuple) else self.region(span, fact_id, scope)
        words = [
            t
            for t in self.tokens
            if s_start <= t.start < s_end
            and not any(a <= t.start < b for a, b in holes)
            and (span[0] <= t.start < span[1] or t.norm not in STOPWORDS and not t.norm.isdigit())
        ]
        inside = [i for i, t in enumerate(words) if span[0] <= t.start < span[1]]
        first, last = (inside[0], inside[-1]) if inside else (len(words), len(words) - 1)
        hits = []
        for i, tok in enumerate(words):
            if first <= i <= last or any(s <= tok.start < e for s, e in self.values):
                continue
            cue = next((c for c in self.cues[fact_id] if same_word(tok.norm, c)), None)
            if cue is not None:
                hits.append((cue, first - i if i < first else i - last))
        return hits

    def presence(self, fact_id: str, span: Span, scope: Scope | Region = "sentence") -> float:
        """Weight of the fact's distinct event words in the span's sentence (outside the span)."""
        words = self.event_words[fact_id]
        hits = {c for c, _ in self._cue_hits(fact_id, span, scope)}
        return sum(self.weight[c] for c in hits if any(same_word(c, w) for w in words))

    def proximity(self, fact_id: str, span: Span, scope: Scope | Region = "sentence") -> float:
        """Cue weights divided by their distance to the span."""
        return sum(self.weight[c] / d for c, d in self._cue_hits(fact_id, span, scope))

    def closest(
        self, fact_id: str, span: Span, besides: Sequence[str] = (), scope: Scope | Region = "sentence"
    ) -> float:
        """The weight / distance of the fact's cue word closest to the span, among those that are
        not ``besides`` (a word two facts share tells neither apart)."""
        return max(
            (
                self.weight[c] / d
                for c, d in self._cue_hits(fact_id, span, scope)
                if not any(same_word(c, b) for b in besides)
            ),
            default=0.0,
        )

    def other_events(self, fact: Fact) -> list[Fact]:
        """The facts of other events than ``fact``'s, clauses aside (a clause says what a treaty
        holds, "a mutual defence treaty", not who signed it or where)."""
        return [g for g in self.facts if self.event[g.id] != self.event[fact.id] and not isinstance(g, ClauseFact)]

    def bind(
        self, span: Span, candidates: Sequence[Fact], *, rivals: Sequence[Fact] = (), scope: Scope = "sentence"
    ) -> Binding:
        """The fact among ``candidates`` the mention at ``span`` is about, or None with the reason.

        The mention is also left unbound when one of ``rivals`` has a cue word at least as close
        to it as the chosen fact's closest (a tie is a doubt, and a doubt decides nothing). ``scope``
        says where cue words are looked for (``region``).
        """
        if not candidates:
            return Binding(None, "no fact of this kind of value")
        region = self.region(span, candidates[0].id, scope)  # one region for the candidates and rivals
        present = {f.id: self.presence(f.id, span, region) for f in candidates}
        cued = [f for f in candidates if present[f.id] >= SLOT_CUE_MIN]
        if not cued:
            return Binding(None, "its sentence names no candidate fact's event")
        near = {f.id: round(self.proximity(f.id, span, region), 9) for f in cued}
        best = max(near.values())
        leaders = [f for f in cued if near[f.id] == best]
        if len(leaders) > 1:
            return Binding(None, "tied between " + ", ".join(f.id for f in leaders))
        fact = leaders[0]
        own = self.cues[fact.id]
        top, top_id = max(((self.closest(g.id, span, own, region), g.id) for g in rivals), default=(0.0, ""))
        if top > 0 and top >= self.closest(fact.id, span, scope=region):
            return Binding(None, f"the word closest to it is about {top_id}")
        words = sorted({c for c, _ in self._cue_hits(fact.id, span, region)})
        return Binding(fact, "cue words: " + ", ".join(words))


def locative_names(output: str, lang: str) -> list[tuple[Span, str]]:
    """Capitalised names right after a locative preposition ("signed in Moscow", "w Moskwie")."""
    preps = "|".join(LOCATIVE.get(lang, LOCATIVE["en"]))
    found: list[tuple[Span, str]] = []
    for m in re.finditer(rf"(\w+\s+)?\b(?:{preps})\s+(?:the\s+)?({NAME})", output):
        if m.group(1) and fold(m.group(1).strip()) in _NOT_PLACES:
            continue
        found.append(((m.start(2), m.end(2)), m.group(2)))
    return found


# Prepositions that introduce a place, per language ("signed in Moscow", "firmado en Moscú").
LOCATIVE = {"en": ("in", "at", "to"), "es": ("en", "a"), "pl": ("w", "we", "do")}
_NOT_PLACES = {"according", "due", "compared"}  # "according to X" is no place
NAME = r"[A-ZÀ-ÖØ-ÝĄĆĘŁŃÓŚŹŻ][\w'’-]*(?:\s+(?:del\s+|de\s+)?[A-ZÀ-ÖØ-ÝĄĆĘŁŃÓŚŹŻ][\w'’-]*)*"
