"""Is each word of an English output stated where its event is? Relation checks against the source.

A word present somewhere in the source can still be wrong: "Arsenal beat Chelsea" when the source
says Chelsea beat Arsenal, "in Leeds" when Leeds is where the suspect was born, not where he was
arrested. So each output sentence is matched to the source sentence that best supports it (MiniLM
cosine similarity), and every content word of the output is checked *in that relation*: its
support is the best similarity among the source sentences that state it (by lemma or form; the
sentence before and after count too, for a name picked up by a pronoun), and its gap is how far that
falls short of the sentence's best support. A word the source never states has support 0.

Words get the role the dependency parse gives them (after FRANK's error typology):
- entity: the predicate's participants, subjects, objects, attributes, appositions, agents, and the
  words inside those noun phrases (compounds, adjectives, possessors, "of" phrases);
- circumstance: when, where, how much: numbers, dates, times and quantities, nominals of other
  prepositional phrases, adverbial modifiers;
- predicate: verbs and predicative adjectives.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

import numpy as np

Role = Literal["entity", "circumstance", "predicate"]
# Texts -> L2-normalised embeddings, one row per text.
Embed = Callable[[Sequence[str]], np.ndarray]

CONTENT_POS: frozenset[str] = frozenset({"NOUN", "PROPN", "VERB", "ADJ", "NUM"})
CIRCUMSTANCE_LABELS: frozenset[str] = frozenset({"DATE", "TIME", "CARDINAL", "MONEY", "PERCENT", "QUANTITY", "ORDINAL"})
# Dependents that belong to the phrase of their head (its role is theirs).
_PHRASE_INTERNAL: frozenset[str] = frozenset({"compound", "amod", "nmod", "poss", "flat", "nummod", "conj", "appos"})
_ADVERBIAL: frozenset[str] = frozenset({"npadvmod", "advmod", "tmod", "advcl"})
RELATIONS_VERSION = "minilm-l6-gap-v1"
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


Frame = tuple[str, str, str]  # (predicate, agent, patient) lemmas: who did what to whom


def frames(tokens: Any) -> list[tuple[Frame, Any]]:
    """Who did what to whom, with the predicate token: the agent is the active subject or the
    passive's "by" phrase, the patient the direct object or the passive subject."""
    found = []
    for verb in tokens:
        if verb.pos_ not in ("VERB", "AUX"):
            continue
        agents, patients = [], []
        for child in verb.children:
            if child.dep_ == "nsubj":
                agents.append(child)
            elif child.dep_ in ("dobj", "nsubjpass"):
                patients.append(child)
            elif child.dep_ == "agent":
                agents += [g for g in child.children if g.dep_ == "pobj"]
        found += [
            ((verb.lemma_.lower(), a.lemma_.lower(), p.lemma_.lower()), verb)
            for a in agents
            for p in patients
            if is_content(a) and is_content(p)
        ]
    return found


def source_sentences(doc: Any) -> list[Any]:
    """The sentences of a parsed source, each embedded (``SourceView``)."""
    return list(doc.sents)


def output_sentences(doc: Any) -> list[Any]:
    """The sentences of a parsed output that have a content word, each embedded (``check_relations``)."""
    return [s for s in doc.sents if any(is_content(t) for t in s)]


class SourceView:
    """A parsed source's sentences: their spans, the word forms each states, their embeddings, and
    who did what to whom in them."""

    def __init__(self, doc: Any, embed: Embed) -> None:
        sentences = source_sentences(doc)
        self.spans = [(s.start_char, s.end_char) for s in sentences]
        self.frames = {frame for s in sentences for frame, _ in frames(s)}
        self.words = [{f for t in s for f in _forms(t)} for s in sentences]
        self.all_words = set().union(*self.words) if self.words else set()
        self.embeddings = embed([s.text for s in sentences]) if sentences else np.zeros((0, 1))

    def stating(self, token: Any) -> list[int]:
        """Indexes of the sentences that state the token, or neighbour one that does."""
        forms = _forms(token)
        direct = [i for i, words in enumerate(self.words) if any(f in words for f in forms)]
        near = {j for i in direct for j in range(i - CONTEXT_SENTENCES, i + CONTEXT_SENTENCES + 1)}
        return sorted(j for j in near if 0 <= j < len(self.words))


@lru_cache(maxsize=8)
def source_view(doc: Any, embed: Embed) -> SourceView:
    """Cached per parsed source, so the summaries of one article share its embeddings."""
    return SourceView(doc, embed)


def swapped_frames(output_doc: Any, source: SourceView) -> list[tuple[Frame, tuple[int, int]]]:
    """Output frames whose agent and patient the source has the other way round (and never as the
    output has them), with the predicate's span."""
    return [
        (frame, (verb.idx, verb.idx + len(verb.text)))
        for frame, verb in frames(output_doc)
        if (frame[0], frame[2], frame[1]) in source.frames and frame not in source.frames
    ]


def check_relations(output_doc: Any, source: SourceView, embed: Embed) -> list[Mention]:
    """A mention per content word of the output, with its role, support and gap."""
    sentences = output_sentences(output_doc)
    if not sentences or not source.spans:
        return []
    similarity = embed([s.text for s in sentences]) @ source.embeddings.T
    mentions = []
    for sentence, row in zip(sentences, similarity, strict=True):
        best = float(row.max())
        for token in sentence:
            if not is_content(token):
                continue
            stating = source.stating(token)
            top = max(stating, key=lambda i: row[i]) if stating else None
            support = float(row[top]) if top is not None else 0.0
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
