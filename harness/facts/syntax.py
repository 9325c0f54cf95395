"""The English dependency parse where the key-fact rules need it.

* Words governed by a verb of saying or publishing ("KCNA reported on Thursday that ...", "the text of
  the treaty was made public on 20 June"): a date there dates the report, not the event reported, and
  the clause-level rules cannot see that the treaty's words sit in the verb's object or complement.
* The subjects of each verb, shared by the verbs conjoined with it or subordinate to it without a
  subject of their own ("Putin landed in Pyongyang ... and signed the treaty", "held talks lasting 90
  minutes before signing the pact"): the agents of the event the verb names.
* Named entities, so that a capitalised word at a sentence's start is told from any other word.

spaCy's English pipeline (the one ``harness.facts.auto`` loads) parses; without it, or for other
languages, nothing is found and the clause-level rules decide alone (es/pl cut clauses at their
complementizers, see ``lexicon``).
"""

from __future__ import annotations

from typing import Any

from harness.facts.auto import load_spacy, parse
from harness.facts.lexicon import REPORTING_VERBS

Span = tuple[int, int]


def _reports(verb: Any) -> bool:
    """A verb of saying or publishing; "make" with "public" or "known" as its predicate counts."""
    if verb.lemma_.lower() in REPORTING_VERBS:
        return True
    return verb.lemma_.lower() == "make" and any(
        c.dep_ == "oprd" and c.lemma_.lower() in ("public", "known") for c in verb.children
    )


def _span(tok: Any) -> Span:
    return tok.idx, tok.idx + len(tok.text)


def _parse(output: str, lang: str) -> Any | None:
    """The output's English parse, shared with ``auto_facts`` (``auto.parse`` caches a chunk's outputs)."""
    return parse(output) if lang == "en" and load_spacy() is not None else None


def reported_words(output: str, lang: str) -> tuple[Span, ...]:
    """Character spans of the words whose nearest governing verb is a verb of saying or publishing."""
    doc = _parse(output, lang)
    if doc is None:
        return ()
    spans = []
    for tok in doc:
        head = tok.head
        while head.pos_ != "VERB" and head.head.i != head.i:
            head = head.head
        if head.pos_ == "VERB" and head.i != tok.i and _reports(head):
            spans.append(_span(tok))
    return tuple(spans)


def _subjects(verb: Any) -> list[Any]:
    own = [c for c in verb.children if c.dep_ in ("nsubj", "nsubjpass")]
    own += [g for c in verb.children if c.dep_ == "agent" for g in c.children if g.dep_ == "pobj"]
    if own:
        return [w for s in own for w in (s, *s.conjuncts)]
    head = verb.head
    while head.i != verb.i and head.pos_ != "VERB" and head.head.i != head.i:
        head = head.head
    if verb.dep_ in ("conj", "advcl", "xcomp", "pcomp") and head.i != verb.i and head.pos_ == "VERB":
        return _subjects(head)
    return []


def verb_subjects(output: str, lang: str) -> tuple[tuple[Span, Span], ...]:
    """(subject word, verb) spans for every verb and each of its subjects (see the module's docstring)."""
    doc = _parse(output, lang)
    if doc is None:
        return ()
    return tuple((_span(s), _span(v)) for v in doc if v.pos_ == "VERB" for s in _subjects(v))


def entity_words(output: str, lang: str) -> tuple[Span, ...]:
    """Character spans of the words spaCy's recogniser puts in a named entity (a place, group or person)."""
    doc = _parse(output, lang)
    if doc is None:
        return ()
    return tuple(_span(t) for t in doc if t.ent_type_ in ("GPE", "NORP", "ORG", "PERSON", "LOC", "FAC"))
