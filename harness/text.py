"""Sentence splitting shared by extractive models and metrics (offline: pysbd's rules, no nltk data).

pysbd's own ``Segmenter.segment`` is quadratic in the length of a paragraph in two places, which made
``model=lead`` take minutes on a 1 MB article:

- the abbreviation scan re-substitutes the whole paragraph once per *occurrence* of each
  abbreviation (every word starting with "a" matches the abbreviation "a");
- the result is mapped back onto the input by searching each sentence from the start of the text.

:class:`LinearSegmenter` keeps pysbd's rules and removes both: each distinct abbreviation occurrence
is substituted once (a substitution only turns periods into placeholders in a fixed context, so
repeating it, then or after others, changes nothing), and each sentence is searched for from where
the previous one ended. Paragraphs longer than ``BLOCK_CHARS`` are segmented in blocks cut at plain
sentence ends, since pysbd's numbered-list and quote rules also scan a whole paragraph per item. The
sentences equal pysbd's on the seed and all FRANK articles (tested); in a paragraph over
``BLOCK_CHARS`` a cut is always a sentence end, and a quotation that pysbd pairs across a cut may be
split where pysbd kept it whole (tested).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

import pysbd
from pysbd.abbreviation_replacer import AbbreviationReplacer
from pysbd.languages import LANGUAGE_CODES
from pysbd.utils import TextSpan


def _deduplicated_replacer(base: type[AbbreviationReplacer]) -> type[AbbreviationReplacer]:
    """``base`` with the abbreviation scan applying each distinct (abbreviation, next character)
    substitution once instead of once per occurrence; same result, linear time."""

    class Replacer(base):
        def search_for_abbreviations_in_string(self, text: str) -> str:
            lowered = text.lower()
            for abbr in self.lang.Abbreviation.ABBREVIATIONS:
                stripped = abbr.strip()
                if stripped not in lowered:
                    continue
                matches = re.findall(rf"(?:^|\s|\r|\n){stripped}", text, flags=re.IGNORECASE)
                if not matches:
                    continue
                next_chars = re.findall(r"(?<={" + str(re.escape(stripped)) + "} ).{1}", text)
                seen: set[tuple[str, str]] = set()
                for index, match in enumerate(matches):
                    key = (match, next_chars[index] if index < len(next_chars) else "")
                    if key not in seen:
                        seen.add(key)
                        text = self.scan_for_replacements(text, match, index, next_chars)
            return text

    return Replacer


class LinearSegmenter(pysbd.Segmenter):
    """pysbd's segmenter (``clean=False``) in time linear in the text's length."""

    language_module: Any  # pysbd's rules of the language (a class)

    def __init__(self, language: str = "en") -> None:
        super().__init__(language=language, clean=False)
        rules = self.language_module
        base = getattr(rules, "AbbreviationReplacer", AbbreviationReplacer)
        self.language_module = type(rules.__name__, (rules,), {"AbbreviationReplacer": _deduplicated_replacer(base)})

    def sentences_with_char_spans(self, sentences: list[str]) -> list[Any]:
        """The text of each sentence with its trailing whitespace, found from where the previous
        one ended (pysbd searches from the start of the text each time; a sentence it cannot find
        is dropped, as there)."""
        found: list[Any] = []
        end = 0
        for sentence in sentences:
            match = re.compile(re.escape(sentence) + r"\s*").search(self.original_text, max(0, end - len(sentence) + 1))
            if match:
                found.append(TextSpan(match.group(), match.start(), match.end()))
                end = match.end()
        return found


BLOCK_CHARS = 8_000  # longer than any seed or FRANK article: those are split exactly as by pysbd
_PLAIN_SENTENCE_END = re.compile(r"(?<=[a-z]{3}[.!?]) (?=[A-Z][a-z])")


@lru_cache(maxsize=16)
def _segmenter(lang: str) -> LinearSegmenter:
    return LinearSegmenter(lang if lang in LANGUAGE_CODES else "en")  # no rules: English


def _blocks(paragraph: str) -> Iterator[str]:
    """``paragraph`` cut into blocks of about ``BLOCK_CHARS`` at a plain sentence end (a lowercase
    word, a full stop, a capitalised word), so that pysbd's per-paragraph rules (numbered lists,
    quotes) run on bounded text; paragraphs up to ``BLOCK_CHARS`` stay whole."""
    start = 0
    while len(paragraph) - start > BLOCK_CHARS:
        cut = _PLAIN_SENTENCE_END.search(paragraph, start + BLOCK_CHARS)
        if cut is None:
            break
        yield paragraph[start : cut.start()]
        start = cut.end()
    yield paragraph[start:]


def split_sentences(text: str, lang: str = "en") -> list[str]:
    """Sentences of ``text``; blank lines (paragraph breaks) always end a sentence."""
    sentences: list[str] = []
    for paragraph in text.split("\n\n"):
        paragraph = " ".join(paragraph.split())
        for block in _blocks(paragraph) if paragraph else ():
            sentences.extend(s.strip() for s in _segmenter(lang).segment(block) if s.strip())
    return sentences

