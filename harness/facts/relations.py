"""Is each word of an English output stated where its event is? Relation checks against the source.

A word present somewhere in the source can still be wrong: "in Leeds" when Leeds is where the suspect
was born, not where he was arrested. So each output sentence is matched to the source sentence that
best supports it, and every content word of the output is checked *in that relation*: its support is
the best similarity among the source sentences that state it (by lemma or form; the sentence before
and after count too, for a name picked up by a pronoun), and its gap is how far that falls short of
the sentence's best support. A word the source never states has support 0.

Similarity is lexical: the share of the output sentence's content lemmas that a source sentence
states. On FRANK's dev articles it ranked entity and circumstance errors as well as MiniLM's cosine
similarity did (worst gap AUC 0.653 / 0.642 against 0.631 / 0.653) without encoding every source
sentence, which was two thirds of the default summarisation metrics' time.

Words get the role the dependency parse gives them (after FRANK's error typology):
- entity: the predicate's participants, subjects, objects, attributes, appositions, agents, and the
  words inside those noun phrases (compounds, adjectives, possessors, "of" phrases);
- circumstance: when, where, how much: numbers, dates, times and quantities, nominals of other
  prepositional phrases, adverbial modifiers;
- predicate: verbs and predicative adjectives.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

Role = Literal["entity", "circumstance", "predicate"]

CONTENT_POS: frozenset[str] = frozenset({"NOUN", "PROPN", "VERB", "ADJ", "NUM"})
CIRCUMSTANCE_LABELS: frozenset[str] = frozenset({"DATE", "TIME", "CARDINAL", "MONEY", "PERCENT", "QUANTITY", "ORDINAL"})
# Dependents that belong to the phrase of their head (its role is theirs).
_PHRASE_INTERNAL: frozenset[str] = frozenset({"compound", "amod", "nmod", "poss", "flat", "nummod", "conj", "appos"})
_ADVERBIAL: frozenset[str] = frozenset({"npadvmod", "advmod", "tmod", "advcl"})
RELATIONS_VERSION = "lexical-gap-v3"
# Neighbouring source sentences that also support a word (a name resumed by a pronoun).
CONTEXT_SENTENCES = 1


@dataclass(frozen=True)
class Mention:
    """One content word of the output, its role and how well the source supports it in relation."""

    text: str
    span: tuple[int, int]
    role: Role
    support: float  # best similarity of a source sentence stating the word (0 when none does)
    gap: float  # the output sentence's best support minus ``support`` (>= 0)
    in_source: bool
    evidence: tuple[int, int] | None  # source span of the sentence that supports the word best

    def as_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "span": list(self.span),
            "role": self.role,
            "support": round(self.support, 4),
            "gap": round(self.gap, 4),
            "in_source": self.in_source,
            "evidence": list(self.evidence) if self.evidence else None,
        }


def role(token: Any) -> Role:
    """The role of a spaCy token in its clause (see the module docstring)."""
    if token.ent_type_ in CIRCUMSTANCE_LABELS or token.pos_ == "NUM":
        return "circumstance"
    if token.pos_ in ("VERB", "AUX"):
        return "predicate"
    head = token
    for _ in range(8):  # climb to the head of the noun phrase
        if head.dep_ in _PHRASE_INTERNAL and head.head is not head:
            head = head.head
        else:
            break
    if head.dep_ == "pobj":
        preposition = head.head
        if preposition.dep_ == "agent":
            return "entity"  # "by the police" names the agent
        if preposition.lower_ == "of" and preposition.head is not preposition:
            return role(preposition.head)  # "the mother of the boy": inside the noun phrase
        return "circumstance"
    if head.dep_ in _ADVERBIAL:
        return "circumstance"
    if head.pos_ in ("VERB", "AUX") or (token.pos_ == "ADJ" and token.dep_ == "acomp"):
        return "predicate"
    return "entity"


def is_placeholder(text: str) -> bool:
    """A summariser's out-of-vocabulary token ("UNK", "[UNK]", "<unk>"): it asserts nothing."""
    return text.strip("[]<>").lower() == "unk"


def is_content(token: Any) -> bool:
    return (
        token.pos_ in CONTENT_POS
        and not token.is_stop
        and (token.is_alpha or token.like_num)
        and not is_placeholder(token.text)
    )


def _forms(token: Any) -> tuple[str, str]:
    return token.lemma_.lower(), token.lower_


def _lemma(token: Any) -> str:
    return str(token.lemma_.lower())


class SourceLemmas:
    """The lemmas a source word may have, read without tagging the source: the word itself and what
    spaCy's rule lemmatizer makes of it as a noun, a verb and an adjective (its exceptions, and its
    suffix rules, preferring results it knows as words). Tagging every source sentence was most of
    ``auto_facts``' time; a word's possible lemmas serve the relation checks as well (FRANK dev)."""

    POS: tuple[str, ...] = ("noun", "verb", "adj")

    def __init__(self, lemmatizer: Any) -> None:
        lookups = lemmatizer.lookups
        self.tables = [
            (
                frozenset(lookups.get_table("lemma_index").get(pos, ())),
                dict(lookups.get_table("lemma_exc").get(pos, {})),
                lookups.get_table("lemma_rules").get(pos, []),
            )
            for pos in self.POS
        ]
        self.cache: dict[str, frozenset[str]] = {}

    def __call__(self, word: str) -> frozenset[str]:
        """The lowercased word and its candidate lemmas."""
        found = self.cache.get(word)
        if found is None:
            found = self.cache[word] = frozenset({word, *(f for t in self.tables for f in _rule_lemmas(word, *t))})
        return found


def _rule_lemmas(word: str, index: Any, exceptions: Any, rules: Any) -> list[str]:
    """spaCy's rule lemmatizer for one part of speech, on a lowercased word."""
    known: list[str] = []
    unknown: list[str] = []
    for old, new in rules:
        if word.endswith(old):
            form = word[: len(word) - len(old)] + new
            if form:
                (known if form in index or not form.isalpha() else unknown).append(form)
    known += exceptions.get(word, [])
    return known or unknown


def _source_content(token: Any) -> bool:
    """A source token that may be a content word (the source is not tagged: stop words and
    punctuation are told apart by the word alone)."""
    return not token.is_stop and (token.is_alpha or token.like_num) and not is_placeholder(token.text)


class SourceView:
    """A tokenised source's sentences: their spans, the word forms each states (every word's
    lowercase form and possible lemmas) and its content lemmas."""

    def __init__(self, doc: Any, lemmas: SourceLemmas) -> None:
        sentences = list(doc.sents)
        self.spans = [(s.start_char, s.end_char) for s in sentences]
        self.words = [{f for t in s for f in lemmas(t.lower_)} for s in sentences]
        self.lemmas = [{f for t in s if _source_content(t) for f in lemmas(t.lower_)} for s in sentences]
        self.all_words = set().union(*self.words) if self.words else set()

    def stating(self, token: Any) -> list[int]:
        """Indexes of the sentences that state the token, or neighbour one that does."""
        forms = _forms(token)
        direct = [i for i, words in enumerate(self.words) if any(f in words for f in forms)]
        near = {j for i in direct for j in range(i - CONTEXT_SENTENCES, i + CONTEXT_SENTENCES + 1)}
        return sorted(j for j in near if 0 <= j < len(self.words))

    def similarity(self, lemmas: set[str]) -> list[float]:
        """Per source sentence, the share of ``lemmas`` (an output sentence's content lemmas) it states."""
        return [len(lemmas & stated) / len(lemmas) for stated in self.lemmas]


@lru_cache(maxsize=8)
def source_view(doc: Any, lemmas: SourceLemmas) -> SourceView:
    """Cached per tokenised source, so the summaries of one article share it."""
    return SourceView(doc, lemmas)


def check_relations(output_doc: Any, source: SourceView) -> list[Mention]:
    """A mention per content word of the output, with its role, support and gap."""
    if not source.spans:
        return []
    mentions = []
    for sentence in output_doc.sents:
        content = [t for t in sentence if is_content(t)]
        if not content:
            continue
        row = source.similarity({_lemma(t) for t in content})
        best = max(row)
        for token in content:
            stating = source.stating(token)
            top = max(stating, key=lambda i: row[i]) if stating else None
            support = row[top] if top is not None else 0.0
            mentions.append(
                Mention(
                    token.text,
                    (token.idx, token.idx + len(token.text)),
                    role(token),
                    support,
                    max(0.0, best - support),
                    any(f in source.all_words for f in _forms(token)),
                    source.spans[top] if top is not None else None,
                )
            )
    return mentions
