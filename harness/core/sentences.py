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

Most English text never reaches pysbd: :func:`plain_sentences` finds pysbd's sentences directly where
its rules reduce to cutting after some periods, question and exclamation marks (97% of FRANK's
summaries and references; tested against pysbd on FRANK, WMT17 and generated text).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache, lru_cache, partial
from typing import Any

import pysbd
from pysbd.abbreviation_replacer import AbbreviationReplacer
from pysbd.between_punctuation import BetweenPunctuation
from pysbd.exclamation_words import ExclamationWords
from pysbd.lang.english import English
from pysbd.languages import LANGUAGE_CODES
from pysbd.lists_item_replacer import ListItemReplacer
from pysbd.processor import Processor
from pysbd.utils import Rule, Text, TextSpan

_WHITESPACE = re.compile(r"\s+")
_REGEX_SYNTAX = frozenset(".^$*+?{}[]\\|()")


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
    if _is_literal(abbreviation):
        return abbreviation.lower() in words
    pattern = _compiled(abbreviation, re.IGNORECASE)
    return any(pattern.fullmatch(word) for word in words)


def _is_literal(abbreviation: str) -> bool:
    """An ASCII abbreviation without regular-expression syntax, a space or a group: its pattern
    matches only itself (in any case)."""
    return _REGEX_SYNTAX.isdisjoint(abbreviation) and " " not in abbreviation and abbreviation.isascii()


@cache
def _abbreviation_index(lang: Any) -> tuple[dict[str, list[int]], list[int]]:
    """Positions in ``lang``'s abbreviation list of the literal ones (:func:`_is_literal`) by lower
    case, which :func:`_may_apply` lets through only where that word precedes a period, and of the
    others, which are always tried: a text's candidates are found by a set intersection, not by a
    loop over all (188 in English)."""
    literal: dict[str, list[int]] = {}
    others = []
    for position, abbreviation in enumerate(lang.Abbreviation.ABBREVIATIONS):
        stripped = abbreviation.strip()
        if _is_literal(stripped):
            literal.setdefault(stripped.lower(), []).append(position)
        else:
            others.append(position)
    return literal, others


def _deduplicated_replacer(base: type[AbbreviationReplacer]) -> type[AbbreviationReplacer]:
    """``base`` with the abbreviation scan applying each distinct (abbreviation, next character)
    substitution once instead of once per occurrence; same result, linear time."""

    class Replacer(base):
        def search_for_abbreviations_in_string(self, text: str) -> str:
            lowered = text.lower()
            before_periods = _words_before_periods(lowered)
            literal, others = _abbreviation_index(self.lang)
            abbreviations = self.lang.Abbreviation.ABBREVIATIONS
            for position in sorted([*others, *(p for w in before_periods.intersection(literal) for p in literal[w])]):
                stripped = abbreviations[position].strip()
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

        def replace_abbreviation_as_sentence_boundary(self) -> str:
            """pysbd's, skipped where no period was replaced (its pattern needs a "∯")."""
            return super().replace_abbreviation_as_sentence_boundary() if "∯" in self.text else self.text

        def replace_period_of_abbr(self, txt: str, abbr: str) -> str:
            """pysbd's, with its pattern compiled once."""
            pattern = _compiled(
                rf"(?<=\s{re.escape(abbr.strip())})\.(?=((\.|\:|-|\?|,)|(\s([a-z]|I\s|I'm|I'll|\d|\())))"
            )
            return pattern.sub("∯", " " + txt)[1:]

    return Replacer


# Every alternative of pysbd's NUMBERED_LIST_REGEX_1 ends with a digit before "." and a whitespace or ")".
_DIGIT_BEFORE_LIST_PERIOD = re.compile(r"\d\.[\s)]")


class _ListItemReplacer(ListItemReplacer):
    """pysbd's list rules, faster: its alphabetical-list patterns (a letter after the start or a
    whitespace, before a period; letters after the start, a whitespace or "(", before ")") written
    with one lookbehind instead of one per alternative (same matches), and its numbered-list scan
    skipped where :data:`_DIGIT_BEFORE_LIST_PERIOD` finds nothing (it could find no list item)."""

    ALPHABETICAL_LIST_WITH_PERIODS = r"(?<!\S)[a-z](?=\.)"
    ALPHABETICAL_LIST_WITH_PARENS = r"(?<![^\s(])[a-z]+(?=\))"

    def iterate_alphabet_array(self, regex: str, parens: bool = False, roman_numeral: bool = False) -> str:
        if parens and ")" not in self.text:  # no letter before ")": nothing to replace
            return self.text
        return super().iterate_alphabet_array(regex, parens, roman_numeral)

    def scan_lists(self, regex1: str, regex2: str, replacement: str, strip: bool = False) -> None:
        if regex1 != self.NUMBERED_LIST_REGEX_1 or _DIGIT_BEFORE_LIST_PERIOD.search(self.text):
            super().scan_lists(regex1, regex2, replacement, strip)


@cache
def _plain_rule(pattern: str, replacement: str) -> bool:
    """Whether a rule's pattern is plain text (no regular-expression syntax) and its replacement has
    no escapes: then ``re.sub`` replaces each occurrence as ``str.replace`` does."""
    return _REGEX_SYNTAX.isdisjoint(pattern) and "\\" not in replacement


def _apply(text: str, *rules: Rule) -> str:
    """pysbd's ``Text.apply``, with plain rules (:func:`_plain_rule`; pysbd restores each placeholder
    with one, per sentence) applied by ``str.replace`` where their text occurs."""
    for rule in rules:
        if not _plain_rule(rule.pattern, rule.replacement):
            text = re.sub(rule.pattern, rule.replacement, text)
        elif rule.pattern in text:
            text = text.replace(rule.pattern, rule.replacement)
    return text


# pysbd's replace_punctuation (for the text between quotes, brackets and dashes): each sentence mark
# becomes a placeholder; it also escapes brackets and hyphens and then removes those escapes again.
_PUNCTUATION_PLACEHOLDERS = (
    (".", "∯"),
    ("。", "&ᓰ&"),
    ("．", "&ᓱ&"),
    ("！", "&ᓳ&"),
    ("!", "&ᓴ&"),
    ("?", "&ᓷ&"),
    ("？", "&ᓸ&"),
)


def _replace_punctuation(match: re.Match[str], match_type: str | None = None) -> str:
    """pysbd's ``replace_punctuation`` by ``str.replace`` (apostrophes too, unless ``match_type`` is
    "single"); the escapes it adds and removes leave the text as it was, so they are left out."""
    text = match.group()
    for mark, placeholder in _PUNCTUATION_PLACEHOLDERS:
        text = text.replace(mark, placeholder)
    return text if match_type == "single" else text.replace("'", "&⎋&")


class _BetweenPunctuation(BetweenPunctuation):
    """pysbd's rules for text between quotes, brackets and dashes, with :func:`_replace_punctuation`,
    each skipped where its opening character is absent (for languages without rules of their own)."""

    def sub_punctuation_between_quotes_and_parens(self, txt: str) -> str:
        """pysbd's, in its order."""
        if "'" in txt:
            txt = self.sub_punctuation_between_single_quotes(txt)
        for opener, pattern in (
            ("‘", self.BETWEEN_SINGLE_QUOTE_SLANTED_REGEX),
            ('"', self.BETWEEN_DOUBLE_QUOTES_REGEX_2),
            ("[", self.BETWEEN_SQUARE_BRACKETS_REGEX_2),
            ("(", self.BETWEEN_PARENS_REGEX_2),
            ("«", self.BETWEEN_QUOTE_ARROW_REGEX_2),
            ("--", self.BETWEEN_EM_DASHES_REGEX_2),
            ("“", self.BETWEEN_QUOTE_SLANTED_REGEX_2),
        ):
            if opener in txt:
                txt = re.sub(pattern, _replace_punctuation, txt)
        return txt

    def sub_punctuation_between_single_quotes(self, txt: str) -> str:
        if re.search(self.WORD_WITH_LEADING_APOSTROPHE, txt) and not re.search(r"'\s", txt):
            return txt
        return re.sub(self.BETWEEN_SINGLE_QUOTES_REGEX, partial(_replace_punctuation, match_type="single"), txt)


_LETTERS_ONLY = re.compile(r"[a-zA-Z]*")  # pysbd's r"\A[a-zA-Z]*\Z"


class _Processor(Processor):
    """pysbd's processor with :class:`_ListItemReplacer` and :func:`_apply` (for languages without a
    processor of their own); its methods below are pysbd's, with those two in place."""

    text: str
    lang: Any  # pysbd's rules of the language (a class)

    def process(self) -> Any:
        """pysbd's ``Processor.process``, which names its list replacer."""
        if not self.text:
            return self.text
        self.text = _ListItemReplacer(self.text.replace("\n", "\r")).add_line_break()
        self.replace_abbreviations()
        self.replace_numbers()
        self.replace_continuous_punctuation()
        self.replace_periods_before_numeric_references()
        self.text = Text(self.text).apply(
            self.lang.Abbreviation.WithMultiplePeriodsAndEmailRule, self.lang.GeoLocationRule, self.lang.FileFormatRule
        )
        return self.split_into_segments()

    def split_into_segments(self) -> list[str]:
        self.check_for_parens_between_quotes()
        segments = self.rm_none_flatten(self.text.split("\r"))
        segments = [_apply(s, self.lang.SingleNewLineRule, *self.lang.EllipsisRules.All) for s in segments]
        sentences = self.rm_none_flatten([self.check_for_punctuation(s) for s in segments])
        processed: list[str] = []
        for sentence in sentences:
            post_processed = self.post_process_segments(_apply(sentence, *self.lang.SubSymbolsRules.All))
            if post_processed and isinstance(post_processed, str):
                processed.append(post_processed)
            elif isinstance(post_processed, list):
                processed.extend(post_processed)
        return [_apply(s, self.lang.SubSingleQuoteRule) for s in processed]

    def post_process_segments(self, txt: str) -> str | list[str]:
        if len(txt) > 2 and _LETTERS_ONLY.fullmatch(txt):
            return txt
        txt = _apply(txt, *self.lang.ReinsertEllipsisRules.All)
        if re.search(self.lang.QUOTATION_AT_END_OF_SENTENCE_REGEX, txt):
            return re.split(self.lang.SPLIT_SPACE_QUOTATION_AT_END_OF_SENTENCE_REGEX, txt)
        return txt.replace("\n", "").strip()


_TRAILING_SPACE = re.compile(r"\s*")


class LinearSegmenter(pysbd.Segmenter):
    """pysbd's segmenter (``clean=False``) in time linear in the text's length."""

    language_module: Any  # pysbd's rules of the language (a class)

    def __init__(self, language: str = "en") -> None:
        super().__init__(language=language, clean=False)
        rules = self.language_module
        base = getattr(rules, "AbbreviationReplacer", AbbreviationReplacer)
        replaced: dict[str, type] = {"AbbreviationReplacer": _deduplicated_replacer(base)}
        if not hasattr(rules, "Processor"):
            replaced["Processor"] = _Processor
        if not hasattr(rules, "BetweenPunctuation"):
            replaced["BetweenPunctuation"] = _BetweenPunctuation
        self.language_module = type(rules.__name__, (rules,), replaced)

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


# Plain English prose: no curly or angle quotes, no full-width punctuation or other characters pysbd
# has rules for; Latin-1 and Latin Extended-A letters (not "×", "÷") are plain.
_PLAIN_CHARS = re.compile(r"[A-Za-z0-9 ,;:%$£€&/.?!()\[\]\"'’`\\#@*\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u017f-]*")
# pysbd's rules that act on a whole paragraph, beside the cuts after periods and question marks: a
# quotation before a capital letter is a sentence of its own; "--", parentheses between double quotes
# and numbered lists in parentheses ("1) ") have rules of their own; a question mark must follow a
# word and precede a space and a letter (or end the paragraph); a backslash right after an opening
# parenthesis or double quote lets pysbd pair them where we do not. Searched only where the characters
# occur: a pattern that starts with a literal is found fast.
_QUOTE_BEFORE_CAPITAL = re.compile(r"""[.?!-]['"] [A-Z]""")
_PARENS_BETWEEN_DOUBLE_QUOTES = re.compile(r'" \(.*\) "')
_NUMBER_BEFORE_PARENS = re.compile(r"\d\) ")
_MARK_BEFORE_NO_WORD = re.compile(r"[?!](?! [^\W\d_`'\"(]|$)")
_MARK_BEFORE_OPENER = re.compile(r"""[?!] ['"(]""")
_EXCLAMATION_WORD = re.compile(ExclamationWords.EXCLAMATION_REGEX)


def _paragraph_rule_applies(paragraph: str) -> bool:
    """Whether one of pysbd's rules for whole paragraphs (see above) may apply to a
    whitespace-normalised ``paragraph``."""
    if paragraph[:1] in "?!" or ("\\" in paragraph and any(c + "\\" in paragraph for c in '(["')):
        return True
    if ("' " in paragraph or '" ' in paragraph) and _QUOTE_BEFORE_CAPITAL.search(paragraph):
        return True
    if '"' in paragraph and _PARENS_BETWEEN_DOUBLE_QUOTES.search(paragraph):
        return True
    if ")" in paragraph and _NUMBER_BEFORE_PARENS.search(paragraph):
        return True
    if "!" in paragraph and (_EXCLAMATION_WORD.search(paragraph) or "!!" in paragraph or "?!" in paragraph):
        return True
    return ("?" in paragraph or "!" in paragraph) and (
        "??" in paragraph or "!?" in paragraph or bool(_MARK_BEFORE_NO_WORD.search(paragraph))
    )


# Where a quote precedes a space, pysbd keeps the periods of each passage between single quotes (in
# tokenised news text, "jolie 's character ... sitcom '", from one quote to the next) inside a
# sentence; always those between double quotes and in parentheses (as pysbd pairs them).
_QUOTE_BEFORE_SPACE = re.compile(r"'\s")
_BETWEEN_SINGLE_QUOTES = re.compile(r"(?<=\s)'(?:[^']|'[a-zA-Z])*'")
_BETWEEN_DOUBLE_QUOTES = re.compile(r'"[^"\\]+"')
_BETWEEN_PARENS = re.compile(r"\([^()\\]+\)")
_BETWEEN_SQUARE_BRACKETS = re.compile(r"\[[^\]\\]+\]")
_PASSAGES = (('"', _BETWEEN_DOUBLE_QUOTES), ("[", _BETWEEN_SQUARE_BRACKETS), ("(", _BETWEEN_PARENS))
_PLAIN_WORD = re.compile(r"[A-Za-z]{2,}")
_QUOTES_AND_BRACKETS = "\"'`()[]"
# pysbd makes a passage in quotes or parentheses that opens a sentence and closes before a capital
# letter a sentence of its own: where none closes before a capital, a sentence may open with one.
_OPENERS = "'\"("
_CLOSER_BEFORE_CAPITAL = re.compile(r"""['")] [A-Z]""")
_ROMAN_NUMERAL = re.compile(r"[ivxlcdm]+", re.IGNORECASE)
# pysbd matches its abbreviations as regular expressions ("e.g" matches "eXg"): so do we.
_ABBREVIATION = re.compile("|".join(a.strip() for a in English.Abbreviation.ABBREVIATIONS), re.IGNORECASE)
# A number ("2015", "2,100", "12.5", "73"); one or two digits before a period may be a list item.
_NUMBER = re.compile(r"[0-9](?:[0-9,.]*[0-9])?")
# Initials ("u.s.", "J.R.R."): pysbd's multi-period abbreviation rule keeps all their periods; it
# restores the last one before a capital letter after "a.m." or "p.m." (its AmPmRules) and before a
# sentence starter ("U.S. The": replace_abbreviation_as_sentence_boundary).
_INITIALS = re.compile(r"[A-Za-z](?:\.[A-Za-z])+\.")
_TIMES_OF_DAY = ("a.m.", "p.m.")
_SENTENCE_STARTERS = frozenset(English.AbbreviationReplacer.SENTENCE_STARTERS)
# pysbd's ALPHABETICAL_LIST_WITH_PERIODS: a letter after a space and before a period ("u" in "u.s.").
_LIST_LETTER = re.compile(r"(?<=\s)[a-z](?=\.)|^[a-z](?=\.)")
_LIST_ITEM_WORDS = frozenset(ListItemReplacer.LATIN_NUMERALS) | frozenset(ListItemReplacer.ROMAN_NUMERALS)


def _ends_sentence(paragraph: str, at: int, word: str, openers: str) -> bool:
    """Whether the period at ``at``, after ``word``, ends a sentence for every pysbd rule: it ends the
    paragraph or is followed by a space and a letter, a tokenised opening quote "``" or one of
    ``openers`` (a digit too when a space precedes it: "home . 23 people"), and it follows a space, a
    word of two or more letters that is no abbreviation or roman numeral, or a number (one or two
    digits not at the paragraph's start: see :func:`_may_be_a_list`), each perhaps in quotes or
    brackets ("(foxall).", 'enough ".')."""
    if at + 1 < len(paragraph):
        after = paragraph[at + 1 : at + 3]
        if (
            len(after) < 2
            or after[0] != " "
            or not (after[1].isalpha() or after[1] in openers or (not word and after[1].isdigit()))
        ):
            return False
    if not word:
        return at > 0
    core = word.strip(_QUOTES_AND_BRACKETS)
    verdict = _word_before_period(core)
    if verdict is _NUMBER_BEFORE_PERIOD:
        return len(core) > 2 or at > len(core)
    return verdict is _ENDS


_ENDS, _NUMBER_BEFORE_PERIOD, _NEVER_ENDS = "ends", "number", "never ends"


@lru_cache(maxsize=8192)
def _word_before_period(core: str) -> str:
    """What a period after ``core`` (a word without its quotes and brackets) may be: a sentence end
    (nothing, or a word of two or more letters that is no abbreviation or roman numeral), a number's
    period (a sentence end unless it may be a list item) or never a sentence end on the plain path."""
    if not core:
        return _ENDS
    if _NUMBER.fullmatch(core):
        return _NUMBER_BEFORE_PERIOD
    if _PLAIN_WORD.fullmatch(core) and not _ROMAN_NUMERAL.fullmatch(core) and not _ABBREVIATION.fullmatch(core):
        return _ENDS
    return _NEVER_ENDS


def _keeps_period(paragraph: str, at: int, word: str) -> bool:
    """Whether pysbd keeps the period at ``at`` inside a sentence by a rule that changes nothing else:
    before a digit after a digit, a space or the start ("12.5", ".22": its PeriodBeforeNumberRule), or
    in initials followed by a space and a lower-case letter or a tokenised opening quote "``", or the
    end (pysbd turns all their periods into placeholders and restores none there), or a space and a
    capital letter where it restores none either (see :data:`_INITIALS`)."""
    if at + 1 < len(paragraph) and paragraph[at + 1].isdigit():
        return at == 0 or paragraph[at - 1].isdigit() or paragraph[at - 1] == " "
    token_end = paragraph.find(" ", at)
    token = paragraph[at - len(word) : len(paragraph) if token_end == -1 else token_end]
    if not _INITIALS.fullmatch(token):
        return False
    following = paragraph[token_end + 1 : token_end + 3]
    if token_end == -1 or following[:1].islower() or following == "``":
        return True
    next_end = paragraph.find(" ", token_end + 1)
    next_word = paragraph[token_end + 1 : len(paragraph) if next_end == -1 else next_end]
    return following[:1].isupper() and next_word not in _SENTENCE_STARTERS and not token.lower().endswith(_TIMES_OF_DAY)


def _neighbours(items: list[Any]) -> Iterator[tuple[Any, Any]]:
    """Each item with the next one, the last with the first (pysbd's list rules look both ways, and
    its index -1 wraps round)."""
    return zip(items, items[1:] + items[:1], strict=True)


def _numbers_or_letters_may_form_a_list(paragraph: str) -> bool:
    """Whether pysbd's list rules may break lines in ``paragraph`` at numbers before a period ("2. ",
    its NUMBERED_LIST_REGEX_1) or letters before a period ("u" in "u.s.") that follow each other."""
    numbers = (
        [int(n) for n in re.findall(ListItemReplacer.NUMBERED_LIST_REGEX_1, paragraph)]
        if _DIGIT_BEFORE_LIST_PERIOD.search(paragraph)  # what each of its alternatives ends with
        else []
    )
    letters = _LIST_LETTER.findall(paragraph)
    return any(abs(a - b) == 1 or {a, b} == {0, 9} for a, b in _neighbours(numbers)) or any(
        abs(ord(a) - ord(b)) == 1 for a, b in _neighbours(letters)
    )


def _parenthesised_list_item(paragraph: str) -> bool:
    """A letter or roman numeral before a closing parenthesis ("(a)", "iv)") or a roman numeral in
    parentheses before a capital letter: pysbd's list rules act on them."""
    items = re.findall(ListItemReplacer.ALPHABETICAL_LIST_WITH_PARENS, paragraph)
    return any(w in _LIST_ITEM_WORDS for w in items) or bool(
        re.search(ListItemReplacer.ROMAN_NUMERALS_IN_PARENTHESES, paragraph)
    )


def _kept_spans(paragraph: str) -> list[tuple[int, int]]:
    """Where pysbd turns every period and question mark into a placeholder: between quotes and in
    parentheses."""
    spans = [
        m.span()
        for opener, pattern in _PASSAGES
        if opener in paragraph  # where the pattern's first character is absent, it cannot match
        for m in pattern.finditer(paragraph)
    ]
    if "'" in paragraph and _QUOTE_BEFORE_SPACE.search(paragraph):
        spans += [m.span() for m in _BETWEEN_SINGLE_QUOTES.finditer(paragraph)]
    return spans


# pysbd also keeps the periods, "?" and "!" between two "--" with no hyphen between them (its
# BETWEEN_EM_DASHES_REGEX_2, the same pattern). It pairs them after its quote, bracket and parenthesis
# rules, which escape the hyphens inside their passages ("--" no longer pairs there): with "--" the
# plain path takes only text where no such passage can form (no double quotes, brackets, parentheses
# or backslashes; apostrophes only before a letter or digit, so that pysbd's single-quote rule skips).
_BETWEEN_EM_DASHES = re.compile(r"--[^-]*--")
_PASSAGE_BEFORE_EM_DASHES = re.compile(r"""["()\[\]\\]|'(?![^\W_])""")


def _em_dash_spans(paragraph: str) -> list[tuple[int, int]] | None:
    """Where pysbd keeps every period between a pair of "--"; ``None`` where another passage could
    change how it pairs them (see above)."""
    if _PASSAGE_BEFORE_EM_DASHES.search(paragraph):
        return None
    return [m.span() for m in _BETWEEN_EM_DASHES.finditer(paragraph)]


def plain_sentences(paragraph: str) -> list[str] | None:
    """The sentences of a whitespace-normalised English ``paragraph`` in which pysbd's rules reduce to
    cutting after some periods and question marks, found here without them; ``None`` for any other
    paragraph. Every period must either end a sentence beyond doubt (:func:`_ends_sentence`) or be
    kept by a rule with no other effect (:func:`_keeps_period`, or between quotes or in parentheses),
    and no rule for a whole paragraph may apply (lists, quotations before a capital, ...). Tested
    against pysbd on generated text and on FRANK; most summaries and references are such text."""
    if not _PLAIN_CHARS.fullmatch(paragraph) or _paragraph_rule_applies(paragraph):
        return None
    kept = _kept_spans(paragraph) if any(c in paragraph for c in "'\"([") else []
    if "--" in paragraph:
        em_dash_spans = _em_dash_spans(paragraph)
        if em_dash_spans is None:
            return None
        kept += em_dash_spans
    openers = "`"
    if any(c in paragraph for c in _OPENERS):
        if not _CLOSER_BEFORE_CAPITAL.search(paragraph):
            openers += _OPENERS
        elif paragraph[0] in _OPENERS or _MARK_BEFORE_OPENER.search(paragraph):
            return None
    cuts = []
    list_like = False  # a period after one or two digits or after a letter
    last = len(paragraph) - 1
    at = paragraph.find(".")
    while at != -1:
        if at and paragraph[at - 1] == " ":  # no word before it ("home . the"): as below, found fast
            after = paragraph[at + 1 : at + 3]
            if after[:1].isdigit():  # kept (".22")
                pass
            elif at == last or (
                len(after) == 2
                and after[0] == " "
                and (after[1].isalpha() or after[1].isdigit() or after[1] in openers)
            ):
                cuts.append(at + 1)
            else:
                return None
            at = paragraph.find(".", at + 1)
            continue
        word = paragraph[paragraph.rfind(" ", 0, at) + 1 : at]
        if _keeps_period(paragraph, at, word):
            list_like = list_like or not paragraph[at + 1 : at + 2].isdigit()
        elif not _ends_sentence(paragraph, at, word, openers):
            return None
        else:
            list_like = list_like or (len(word) < 3 and word.isdigit())
            cuts.append(at + 1)
        at = paragraph.find(".", at + 1)
    if list_like and _numbers_or_letters_may_form_a_list(paragraph):
        return None
    if ")" in paragraph and _parenthesised_list_item(paragraph):
        return None
    at = paragraph.find("?")
    while at != -1:
        cuts.append(at + 1)
        at = paragraph.find("?", at + 1)
    at = paragraph.find("!")
    while at != -1:
        if not ("a" <= paragraph[at + 2 : at + 3] <= "z"):  # pysbd's MidSentenceRule keeps "! a"
            cuts.append(at + 1)
        at = paragraph.find("!", at + 1)
    sentences, start = [], 0
    for cut in sorted(cuts):
        if cut < len(paragraph) and not (kept and any(begin < cut <= end for begin, end in kept)):
            sentences.append(paragraph[start:cut])
            start = cut + 1  # the space after the period
    sentences.append(paragraph[start:])
    return sentences


def split_sentences(text: str, lang: str = "en") -> list[str]:
    """Sentences of ``text``; blank lines (paragraph breaks) always end a sentence."""
    sentences: list[str] = []
    for paragraph in text.split("\n\n"):
        paragraph = " ".join(paragraph.split())
        for block in _blocks(paragraph) if len(paragraph) > BLOCK_CHARS else (paragraph,) if paragraph else ():
            plain = plain_sentences(block) if lang == "en" else None  # pysbd's sentences, found fast
            if plain is not None:
                sentences.extend(plain)
            else:
                sentences.extend(s.strip() for s in _segmenter(lang).segment(block) if s.strip())
    return sentences
