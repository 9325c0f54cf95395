"""Light text utilities shared by the fact checkers: tokens with offsets, sentences, stem matching.

Matching is deliberately crude and language-agnostic: words match when they share a long enough
prefix, which absorbs English inflection ("signed"/"signing") and much of Polish case inflection
("godziny"/"godzin", "Północna"/"Północnej").
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_WORD = re.compile(r"\w+(?:[-'’]\w+)*")
# A sentence ends at . ! ? followed by whitespace (so "19.06.2024" and "1.5" stay whole).
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"'”»)]*\s+|\n+")

STOPWORDS: frozenset[str] = frozenset(
    """a an the and or of to in on at by for with from as is are was were be been has have had
    that this these those it its into during after before since about around under over than
    which who whom whose where when there their they them he she his her we our you your not no
    also among other such said says el la los las un una unos unas y o de del en a al con por para
    que se su sus es son fue ha han lo como desde este esta estos estas i w we z ze na do o od
    po przez dla że się jest są był była było oraz jak ten ta to tego tej tym pod nad przed za między
    tamten tamta tamto tamtego tamtej aquel aquella aquellos aquellas ese esa esos esas entre sobre tras""".split()
)


@dataclass(frozen=True)
class Token:
    text: str
    start: int
    end: int

    @property
    def norm(self) -> str:
        return fold(self.text)


def fold(text: str) -> str:
    """Lowercase, unify apostrophes and drop a trailing possessive ('s)."""
    text = text.lower().replace("’", "'")
    return text[:-2] if text.endswith("'s") else text


def strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")


def tokens(text: str) -> list[Token]:
    return [Token(m.group(), m.start(), m.end()) for m in _WORD.finditer(text)]


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of sentences (rule-based split). Kept apart, as numbers move (benchmarks/text_helpers.py):
    pysbd's sentences (:mod:`harness.core.sentences`) re-date 25 of 671 FRANK rows and move faithfulness on 4
    of 20 scored; faithfulness's split here moves faithfulness on 20 of 20 FRANK dev rows scored."""
    spans: list[tuple[int, int]] = []
    start = 0
    for m in _SENTENCE_END.finditer(text):
        if m.end() < len(text) and text[m.end()].islower():
            continue  # an abbreviation ("190 tys. ton", "approx. 2 hours"), not a sentence end
        if text[start : m.start()].strip():
            spans.append((start, m.start()))
        start = m.end()
    if text[start:].strip():
        spans.append((start, len(text)))
    return spans


def stem_match(word: str, cue: str, min_prefix: int = 4, max_ending: int = 3) -> bool:
    """Whether two folded words are forms of one another: a shared prefix of at least ``min_prefix``
    letters that leaves at most ``max_ending`` letters of the shorter word."""
    if word == cue:
        return True
    shortest = min(len(word), len(cue))
    if shortest < min_prefix or (shortest == min_prefix and abs(len(word) - len(cue)) > 2):
        return False  # "with" is no form of "without"
    needed = max(min_prefix, shortest - max_ending)
    return word[:needed] == cue[:needed]


def content_words(text: str) -> list[str]:
    """Folded non-stopword, non-numeric words of a text."""
    return [t.norm for t in tokens(text) if t.norm not in STOPWORDS and not t.norm.isdigit()]


def find_phrase(text: str, phrase: str, min_prefix: int = 4) -> list[tuple[int, int]]:
    """Case-insensitive whole-word occurrences of a phrase, tolerant to word endings.

    Each phrase word matches a text word by ``stem_match``; words must be consecutive.
    """
    words = [fold(w) for w in _WORD.findall(phrase)]
    if not words:
        return []
    toks = tokens(text)
    hits: list[tuple[int, int]] = []
    for i in range(len(toks) - len(words) + 1):
        if all(stem_match(toks[i + k].norm, w, min_prefix) for k, w in enumerate(words)):
            hits.append((toks[i].start, toks[i + len(words) - 1].end))
    return hits
