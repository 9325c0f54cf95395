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
from functools import cache, lru_cache
from typing import Any

import pysbd
from pysbd.abbreviation_replacer import AbbreviationReplacer
from pysbd.lang.english import English
from pysbd.languages import LANGUAGE_CODES
from pysbd.utils import TextSpan

_WHITESPACE = re.compile(r"\s+")
_REGEX_SPECIAL = set(".^$*+?{}[]\\|")


@cache
def _compiled(pattern: str, flags: int = 0) -> re.Pattern[str]:
    """pysbd builds a pattern per abbreviation; more than ``re``'s own cache holds, so every
    segmentation recompiled them (half of its time on summary-length text)."""
    return re.compile(pattern, flags)


def _words_before_periods(text: str) -> set[str]:
    """Each stretch of text from a whitespace to a period ("u.s." gives "u" and "u.s")."""
    words = set()
    for token in _WHITESPACE.split(text):
        at = token.find(".")
        while at > 0:
            words.add(token[:at])
            at = token.find(".", at + 1)
    return words


def _may_apply(abbreviation: str, words: set[str]) -> bool:
    """Whether pysbd's substitutions for ``abbreviation`` can change the text. Each needs the
    abbreviation right after a whitespace and right before a period, i.e. its pattern (a regular
    expression: "e.g" matches "eXg") matching one of the :func:`_words_before_periods` whole. An
    abbreviation with a space or a group ("ed(s)": pysbd then uses the group's text) is always tried."""
    if any(c in abbreviation for c in " ()"):
        return True
    if not any(c in abbreviation for c in _REGEX_SPECIAL) and abbreviation.isascii():
        return abbreviation.lower() in words
    pattern = _compiled(abbreviation, re.IGNORECASE)
    return any(pattern.fullmatch(word) for word in words)


def _deduplicated_replacer(base: type[AbbreviationReplacer]) -> type[AbbreviationReplacer]:
    """``base`` with the abbreviation scan applying each distinct (abbreviation, next character)
    substitution once instead of once per occurrence; same result, linear time."""

    class Replacer(base):
        def search_for_abbreviations_in_string(self, text: str) -> str:
            lowered = text.lower()
            before_periods = _words_before_periods(lowered)
            for abbr in self.lang.Abbreviation.ABBREVIATIONS:
                stripped = abbr.strip()
                if stripped not in lowered or not _may_apply(stripped, before_periods):
                    continue
                matches = _compiled(rf"(?:^|\s|\r|\n){stripped}", re.IGNORECASE).findall(text)
                if not matches:
                    continue
                next_chars = _compiled(r"(?<={" + str(re.escape(stripped)) + "} ).{1}").findall(text)
                seen: set[tuple[str, str]] = set()
                for index, match in enumerate(matches):
                    key = (match, next_chars[index] if index < len(next_chars) else "")
                    if key not in seen:
                        seen.add(key)
                        text = self.scan_for_replacements(text, match, index, next_chars)
            return text

        def replace_period_of_abbr(self, txt: str, abbr: str) -> str:
            """pysbd's, with its pattern compiled once."""
            pattern = _compiled(
                rf"(?<=\s{re.escape(abbr.strip())})\.(?=((\.|\:|-|\?|,)|(\s([a-z]|I\s|I'm|I'll|\d|\())))"
            )
            return pattern.sub("∯", " " + txt)[1:]

    return Replacer


_TRAILING_SPACE = re.compile(r"\s*")


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
            start = self.original_text.find(sentence, max(0, end - len(sentence) + 1))
            if start != -1:
                trailing = _TRAILING_SPACE.match(self.original_text, start + len(sentence))
                assert trailing is not None  # r"\s*" matches at every position
                end = trailing.end()
                found.append(TextSpan(self.original_text[start:end], start, end))
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


# Plain English prose: no double quotes, brackets, "!", "?" or other characters pysbd has rules for.
_PLAIN_CHARS = re.compile(r"[A-Za-z0-9 ,;:%$£€&/.'’`\\-]*")
# A single quote before a space and a capital letter closes a quotation that pysbd makes a sentence of
# its own, and where a quote precedes a space pysbd keeps the periods of a quoted passage in one
# sentence. (Tokenised news text, "jolie 's character" and "sitcom ' ismol family '", has quotes
# everywhere.) Periods between "--" are kept too.
_QUOTE_BEFORE_SPACE = re.compile(r"'\s")
_QUOTE_BEFORE_CAPITAL = re.compile(r"'\s[A-Z]")
_BETWEEN_SINGLE_QUOTES = re.compile(r"(?<=\s)'(?:[^']|'[a-zA-Z])*'")
_PLAIN_WORD = re.compile(r"[A-Za-z]{2,}")
_ROMAN_NUMERAL = re.compile(r"[ivxlcdm]+", re.IGNORECASE)
# pysbd matches its abbreviations as regular expressions ("e.g" matches "eXg"): so do we.
_ABBREVIATION = re.compile("|".join(a.strip() for a in English.Abbreviation.ABBREVIATIONS), re.IGNORECASE)
_AFTER_PERIOD = re.compile(r"(?<=\.) ")


def _plain_period(paragraph: str, at: int) -> bool:
    """Whether the period at ``at`` ends a sentence for every pysbd rule: it ends the paragraph or is
    followed by a space and a letter (a digit too when a space precedes it: "home . 23 people"), and
    it follows a space or a word of two or more letters that is no abbreviation or roman numeral."""
    word = paragraph[paragraph.rfind(" ", 0, at) + 1 : at]
    if at + 1 < len(paragraph):
        after = paragraph[at + 1 : at + 3]
        if len(after) < 2 or after[0] != " " or not (after[1].isalpha() or (not word and after[1].isdigit())):
            return False
    if not word:
        return at > 0
    return (
        bool(_PLAIN_WORD.fullmatch(word)) and not _ROMAN_NUMERAL.fullmatch(word) and not _ABBREVIATION.fullmatch(word)
    )


def plain_sentences(paragraph: str) -> list[str] | None:
    """The sentences of a whitespace-normalised English ``paragraph`` whose every period ends a
    sentence beyond doubt (see :func:`_plain_period`) and which has no other character pysbd has a
    rule for (quotes, brackets, "!", "?", ...); ``None`` for any other paragraph. On such text
    pysbd's rules reduce to cutting after each period (tested against pysbd on generated text and on
    FRANK) at a small fraction of the cost, and most summaries and references are such text."""
    if not _PLAIN_CHARS.fullmatch(paragraph) or "--" in paragraph or _QUOTE_BEFORE_CAPITAL.search(paragraph):
        return None
    if _QUOTE_BEFORE_SPACE.search(paragraph) and any(
        "." in q.group() for q in _BETWEEN_SINGLE_QUOTES.finditer(paragraph)
    ):
        return None
    at = paragraph.find(".")
    while at != -1:
        if not _plain_period(paragraph, at):
            return None
        at = paragraph.find(".", at + 1)
    return _AFTER_PERIOD.split(paragraph)


def split_sentences(text: str, lang: str = "en") -> list[str]:
    """Sentences of ``text``; blank lines (paragraph breaks) always end a sentence."""
    sentences: list[str] = []
    for paragraph in text.split("\n\n"):
        paragraph = " ".join(paragraph.split())
        plain = plain_sentences(paragraph) if lang == "en" and paragraph else None
        if plain is not None:
            sentences.extend(plain)
            continue
        for block in _blocks(paragraph) if paragraph else ():
            sentences.extend(s.strip() for s in _segmenter(lang).segment(block) if s.strip())
    return sentences
