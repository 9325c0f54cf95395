"""Clause facts decided by meaning: does a part of the output say what the statement says, or its opposite?

The output is cut into sentences, and those into parts between commas, semicolons and contrastive
conjunctions ("..., but the treaty contains no ..."). A sentence is about the clause when

    similarity(text, statement) + KEYWORD_WEIGHT * (share of the fact's keyword groups it matches)

reaches ``CLAUSE_THRESHOLD``, for the sentence or one of its parts. Similarity is the offline MiniLM
cosine to the statement or to the fact's evidence, whichever is higher; the MiniLM encoder is English,
so for other languages the keyword groups decide alone (``KEYWORD_ONLY_SHARE`` of them in one
sentence). The keyword groups are extra evidence, never a gate: a paraphrase
that matches no keyword ("each country promises to come to the other's aid") is decided by
similarity alone. Both constants are calibrated on the labelled suite (``python benchmarks/facts.py
--calibrate``) and recorded in the ``facts`` metric's signature.

A sentence about the clause supports it when its polarity equals the statement's, and contradicts it
otherwise. Polarity flips once for the negators and weakeners of a part ("not", "no ... ningún",
"nie", "bez żadnych", "would only hold talks", "non-binding": they agree, they do not cancel) and
once for each denying predicate ("rule out", "descarta", "wyklucza"), counted in the parts that carry
the clause; the fact's own ``negations`` add to both lists. "does not rule out" flips twice, so it
agrees with a statement that says the same. The word lists live in ``harness.facts.lexicon``.

A stronger decider (an NLI model, see ``harness.metrics.facts``) replaces the similarity-and-polarity
rule when configured: it scores (sentence, statement) as entailed, contradicted or neither.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

from harness.facts.lexicon import DENIALS, NEGATORS, NOT_NEGATED, WEAKENED_ACTIONS, WEAKENERS
from harness.facts.spec import ClauseFact
from harness.facts.text import Token, find_phrase, sentence_spans, tokens

Span = tuple[int, int]
Similarity = Callable[[str, str], float]
# (premise, hypothesis) -> "entailment" | "contradiction" | "neutral"
NLIDecider = Callable[[str, str], str]
ClauseOutcome = Literal["supported", "contradicted"]

CLAUSE_THRESHOLD = 0.88
KEYWORD_WEIGHT = 1.0
# The MiniLM encoder is English: for other languages (or without a similarity function) the keyword
# groups decide alone, and this share of them must match in one sentence.
KEYWORD_ONLY_SHARE = 0.5
SIMILARITY_LANGS = frozenset({"en"})
KEYWORD_PREFIX = 5

# Where a sentence splits into parts: punctuation and contrastive conjunctions.
_UNIT_BREAK = {
    "en": r"[,;:()–—]|\b(?:but|while|whereas|although|though|however|after|before)\b",
    "es": r"[,;:()–—]|\b(?:pero|mientras|aunque|sino|sin embargo)\b",
    "pl": r"[,;:()–—]|\b(?:ale|lecz|jednak|chociaż|choć|natomiast)\b",
}


@dataclass(frozen=True)
class ClauseDecision:
    verdict: ClauseOutcome
    span: Span
    reason: str


def parts(text: str, start: int, end: int, lang: str) -> list[Span]:
    """The parts of the sentence ``text[start:end]`` between punctuation and contrastive conjunctions."""
    pattern = re.compile(_UNIT_BREAK.get(lang, _UNIT_BREAK["en"]), re.IGNORECASE)
    cuts, cut = [], start
    for m in pattern.finditer(text, start, end):
        cuts.append((cut, m.start()))
        cut = m.end()
    cuts.append((cut, end))
    return [(a, b) for a, b in cuts if tokens(text[a:b])]


def negation_cues(text: str, lang: str, extra: Sequence[str] = ()) -> tuple[int, list[Span]]:
    """(polarity flips, cue spans) of one part of a sentence.

    Negators agree rather than cancel ("no contiene ningún compromiso", "bez żadnych zobowiązań",
    negative concord), so all negators of a part flip its polarity once; each denying predicate
    flips it again ("does not rule out" says yes). A phrase of the fact's own ``negations`` is a
    negator when it holds one ("no mutual"), else a denial ("rejected"); overlapping cues count once.
    """
    toks = tokens(text)
    negators = NEGATORS.get(lang, NEGATORS["en"])
    negating: list[Span] = []
    for i, t in enumerate(toks):
        if t.norm in negators or (lang == "en" and t.norm.endswith("n't")):
            nxt = toks[i + 1].norm if i + 1 < len(toks) else ""
            if nxt not in NOT_NEGATED:
                negating.append((t.start, t.end))
    denying: list[Span] = []
    for phrase in (*DENIALS.get(lang, ()), *extra):
        for _, span in _phrase_at(toks, phrase):
            (negating if negators & {t.norm for t in tokens(phrase)} else denying).append(span)
    for phrase in (*WEAKENERS.get(lang, ()), *WEAKENED_ACTIONS.get(lang, ())):
        for i, span in _phrase_at(toks, phrase):
            if i == 0 or toks[i - 1].norm not in negators:  # "not only" weakens nothing
                negating.append(span)
    denials = [d for d in _merge(denying) if not any(n[0] <= d[0] and d[1] <= n[1] for n in _merge(negating))]
    cues = _merge(negating + denials)
    return (1 if negating else 0) + len(denials), cues


def _phrase_at(toks: Sequence[Token], phrase: str) -> list[tuple[int, Span]]:
    """(first token index, span) of each whole-word occurrence of ``phrase`` among ``toks``."""
    words = [t.norm for t in tokens(phrase)]
    return [
        (i, (toks[i].start, toks[i + len(words) - 1].end))
        for i in range(len(toks) - len(words) + 1)
        if all(toks[i + k].norm == w for k, w in enumerate(words))
    ]


def _merge(spans: list[Span]) -> list[Span]:
    merged: list[Span] = []
    for s, e in sorted(spans):
        if merged and s < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(e, merged[-1][1]))
        else:
            merged.append((s, e))
    return merged


def keyword_share(text: str, groups: Sequence[Sequence[str]], lang: str = "en") -> tuple[float, list[Span]]:
    """Share of keyword groups with a match in ``text``, and the matched spans.

    Hyphenated words match word by word ("mutual-defence" has "mutual" and "defence", and
    "military-technical" needs both words), and forms share at least five letters ("defend" is a
    form of "defence", "supplying" none of "support"). A weakened action ("consult each other if
    attacked") stands for one unmatched group when another group matches: it says what the clause's
    own action would have said."""
    if not groups:
        return 0.0, []
    text = text.replace("-", " ")  # same length: spans stay valid
    hits = [
        [h for phrase in group for h in find_phrase(text, phrase.replace("-", " "), KEYWORD_PREFIX)] for group in groups
    ]
    matched = sum(bool(h) for h in hits)
    toks = tokens(text)
    if 0 < matched < len(groups) and any(_phrase_at(toks, a) for a in WEAKENED_ACTIONS.get(lang, ())):
        matched += 1
    return matched / len(groups), [s for h in hits for s in h]


@dataclass(frozen=True)
class Piece:
    """A sentence or a part of one, with its similarity to the statement and its keyword matches."""

    span: Span
    similarity: float
    share: float
    keyword_spans: tuple[Span, ...]

    def score(self, weight: float) -> float:
        return self.similarity + weight * self.share


def sentence_pieces(
    fact: ClauseFact, output: str, lang: str, similarity: Similarity | None
) -> list[tuple[Piece, list[Piece]]]:
    """For each sentence of the output: the whole sentence and its parts, scored against the clause."""
    groups = fact.keywords.get(lang) or fact.keywords.get("en", ())

    def piece(start: int, end: int) -> Piece:
        text = output[start:end]
        share, spans = keyword_share(text, groups, lang)
        sim = 0.0
        if similarity is not None:
            sim = max(similarity(text, ref) for ref in (fact.statement, fact.evidence) if ref)
        return Piece((start, end), sim, share, tuple((s + start, e + start) for s, e in spans))

    out = []
    for s_start, s_end in sentence_spans(output):
        pieces = [piece(a, b) for a, b in parts(output, s_start, s_end, lang)]
        whole = pieces[0] if len(pieces) == 1 else piece(s_start, s_end)
        out.append((whole, pieces))
    return out


def decide_clause(
    fact: ClauseFact,
    output: str,
    lang: str,
    similarity: Similarity | None,
    nli: NLIDecider | None = None,
    *,
    threshold: float = CLAUSE_THRESHOLD,
    weight: float = KEYWORD_WEIGHT,
) -> ClauseDecision | None:
    """The clause's verdict from the output, or None when no sentence is about it.

    A contradicting sentence wins over a supporting one: an output that says both is wrong.
    """
    negations = fact.negations.get(lang, ())
    if fact.similarity is not None:  # the spec's own threshold for this fact
        threshold = fact.similarity
    if lang not in SIMILARITY_LANGS:
        similarity = None
    statement_odd = negation_cues(fact.statement, "en", fact.negations.get("en", ()))[0] % 2
    found: dict[ClauseOutcome, ClauseDecision] = {}
    if nli is not None:
        for s_start, s_end in sentence_spans(output):
            label = nli(output[s_start:s_end], fact.statement)
            if label in ("entailment", "contradiction"):
                verdict: ClauseOutcome = "supported" if label == "entailment" else "contradicted"
                found.setdefault(verdict, ClauseDecision(verdict, (s_start, s_end), f"nli: {label}"))
        return found.get("contradicted") or found.get("supported")
    for whole, pieces in sentence_pieces(fact, output, lang, similarity):
        if similarity is not None:
            best = max(p.score(weight) for p in (whole, *pieces))
            if best < threshold:
                continue
            why = f"MiniLM similarity + {weight:g} x keyword share = {best:.2f} >= {threshold:g}"
        elif whole.share >= KEYWORD_ONLY_SHARE:
            why = f"keyword share {whole.share:.2f} >= {KEYWORD_ONLY_SHARE:.2f}"
        else:
            continue
        # Negations count in the parts that carry the clause: its keywords, or half the threshold.
        relevant = [p for p in pieces if p.keyword_spans or p.score(weight) >= threshold / 2] or pieces
        flips, cues = 0, []
        for p in relevant:
            n, spans = negation_cues(output[p.span[0] : p.span[1]], lang, negations)
            flips += n
            cues += [(s + p.span[0], e + p.span[0]) for s, e in spans]
        verdict = "supported" if flips % 2 == statement_odd else "contradicted"
        marks = [s for p in relevant for s in p.keyword_spans] + cues
        span = (min(s for s, _ in marks), max(e for _, e in marks)) if marks else whole.span
        polarity = (
            (f"{len(cues)} negation cue(s): " + ", ".join(output[s:e] for s, e in cues)) if cues else "no negation"
        )
        found.setdefault(verdict, ClauseDecision(verdict, span, f"{why}; {polarity}"))
    return found.get("contradicted") or found.get("supported")
