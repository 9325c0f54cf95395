"""Sentence splitting: pysbd's sentences, in time linear in the text's length."""

from __future__ import annotations

import json
import re

import pysbd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pysbd.lang.english import English
from pysbd.punctuation_replacer import replace_punctuation

from harness.core.sentences import BLOCK_CHARS, _replace_punctuation, _segmenter, plain_sentences, split_sentences
from harness.data.seed import seed_summarisation_examples
from testkit import FRANK, ROOT, WMT17, requires_shared


def pysbd_sentences(text: str, lang: str = "en") -> list[str]:
    """What the harness split before: pysbd's own segmenter on each whitespace-normalised paragraph."""
    segmenter = pysbd.Segmenter(language=lang, clean=False)
    paragraphs = (" ".join(p.split()) for p in text.split("\n\n"))
    return [s.strip() for p in paragraphs if p for s in segmenter.segment(p) if s.strip()]


def frank_articles() -> list[str]:
    rows = [json.loads(line) for line in FRANK.read_text(encoding="utf-8").splitlines()]
    return list(dict.fromkeys(row["article"] for row in rows))


@pytest.mark.slow
@requires_shared
def test_same_sentences_as_pysbd_on_the_seed_and_every_frank_article() -> None:
    seed = seed_summarisation_examples(ROOT / "seeds" / "russia-dprk-pact.yaml", ["headline", "short"])
    texts = [*frank_articles(), *(e.source for e in seed), *(r for e in seed for r in e.references)]
    assert len(texts) > 150
    assert max(len(t) for t in texts) < BLOCK_CHARS  # so each paragraph is segmented whole, as before
    for text in texts:
        assert split_sentences(text) == pysbd_sentences(text), text[:80]


def test_repeated_abbreviations_and_list_items_split_as_pysbd_does() -> None:
    text = (
        "Mr. Smith met Mr. Jones at 5 p.m. in the U.S. on Jan. 3. They talked. "
        "He said: 1. go home 2. sleep 3. eat. Dr. Who and Dr. No arrived at approx. 6 a.m. Then a. b. c. followed. "
    ) * 5
    assert split_sentences(text) == pysbd_sentences(text)


@requires_shared
def test_a_long_paragraph_is_split_in_blocks_that_lose_no_text() -> None:
    """The documented difference: pysbd pairs quotes across a whole paragraph, so beyond a cut a quoted
    passage may split where pysbd kept it whole (here one quote of three sentences)."""
    paragraph = " ".join(" ".join(a.split()) for a in frank_articles()[:8])
    assert len(paragraph) > 2 * BLOCK_CHARS
    ours, theirs = split_sentences(paragraph), pysbd_sentences(paragraph)
    assert "".join("".join(ours).split()) == "".join("".join(theirs).split())
    assert ours[:39] == theirs[:39]  # the first block: identical
    changed = [s for s in theirs if s not in ours]
    assert changed == [s for s in theirs if s.startswith("'We were attacked out of nowhere")]
    assert len(ours) == len(theirs) + 2


# Tokens that pysbd has rules for, beside plain words: abbreviations (any case), roman numerals,
# single letters, numbers, quotes and apostrophes as tokenised news text writes them, dashes, list
# markers, file extensions, "Co. KG", "I"/"I'm" after a period.
_TRICKY = [
    *English.Abbreviation.ABBREVIATIONS[::7],
    "Mr",
    "Dr",
    "no",
    "No",
    "pp",
    "art",
    "etc",
    "e.g",
    "u.s",
    "U.S",
    "ii",
    "IV",
    "mix",
    "civil",
    "a",
    "A",
    "I",
    "i",
    "I'm",
    "I'll",
    "12",
    "3",
    "2012",
    "12.5",
    "'s",
    "'",
    "''",
    "`",
    "``",
    "n't",
    "\\'s",
    "\\",
    "--",
    "-",
    "&",
    "%",
    "$5",
    "£",
    "/",
    ";",
    ":",
    ",",
    "co",
    "Co",
    "KG",
    "jpg",
    "a.m",
    "p.m",
    "’s",
    "u.s.",
    "U.S.",
    "U.K.",
    "E.U.",
    "I.V.",
    "a.I.",
    "J.R.R.",
    "A.M.",
    "P.M.",
    "The",
    "However",
    "Census",
    "j.r.",
    "d.c.",
    "c.d.",
    "i.v.",
    "a.b.c.",
    "u.s.-led",
    "2.8",
    "0.04",
    ".22",
    "1.2.3",
    "2,100",
    "100",
    "73",
    "-12",
    "1.5bn",
    "a1.5",
    "#",
    "# 2,100",
    "£1",
    "café",
    "É",
    "ó",
    "Łódź",
    "×",
    "(",
    ")",
    "( left )",
    "(left)",
    "(a)",
    "b)",
    "(ii)",
    "(mix)",
    "12)",
    "(\\",
    '"\\',
    "\\'\\'",
    '"',
    '" ',
    ' "',
    '"the',
    "?",
    " ?",
    "1.",
    "2.",
    "9.",
    "0.",
    "10",
    "!",
    "! ",
    "!!",
    "?!",
    "Yahoo!",
    "[",
    "]",
    "[1]",
    "[a. b]",
    "@",
    "*",
    "(foxall)",
    'enough"',
    "''",
    "``",
    "' T",
    '" The',
]
_WORD = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZéÉñçő", min_size=1, max_size=6)
_TOKEN = st.one_of(_WORD, _WORD, st.sampled_from(_TRICKY), st.sampled_from([".", ". ", " .", "'", "'s", "' ", " '"]))
_PARAGRAPH = st.lists(st.tuples(_TOKEN, st.sampled_from([" ", " ", ""])), min_size=1, max_size=25).map(
    lambda parts: " ".join("".join(t + sep for t, sep in parts).split())
)


# Prose-like text: words with sentence marks, quotes, parentheses and brackets between them.
_MARKED = st.lists(
    st.tuples(
        st.sampled_from("the dog ran home big he went Then The A He I Yahoo! u.s. 2015 12 2.5".split()),
        st.sampled_from(
            [
                "",
                "",
                "",
                ". ",
                "! ",
                "? ",
                " ( ",
                ") ",
                " [",
                "] ",
                ' "',
                '" ',
                " '",
                "' ",
                "'s ",
                ". ``",
                ". '' ",
                '". ',
                ").",
                '. "',
                ". (",
                " -- ",
                " --",
                "-- ",
                " `` ",
            ]
        ),
    ),
    min_size=1,
    max_size=30,
).map(lambda parts: " ".join(" ".join(w + m for w, m in parts).split()))


@pytest.mark.slow
@settings(max_examples=5000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(_PARAGRAPH, _MARKED))
def test_plain_text_is_split_as_pysbd_splits_it(paragraph: str) -> None:
    """Tricky tokens (_PARAGRAPH) and prose with sentence marks, quotes and brackets (_MARKED)."""
    plain = plain_sentences(paragraph)
    if plain is not None:
        assert plain == pysbd_sentences(paragraph)


# For pysbd's own rules (the text that does not take the plain path): marks and quotes of other
# scripts, ellipses, and the placeholders' neighbours.
_PUNCTUATION = [
    "...",
    ". . .",
    ". . . .",
    "‘",
    "’",
    "“",
    "”",
    "«",
    "»",
    "。",
    "．",
    "！",
    "？",
    "?!",
    "!!",
    "\\-",
    "\\(",
]


@pytest.mark.slow
@settings(max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.one_of(
        _PARAGRAPH,
        _MARKED,
        st.lists(st.one_of(_TOKEN, st.sampled_from(_PUNCTUATION))).map(lambda ts: " ".join(" ".join(ts).split())),
    )
)
def test_the_segmenter_splits_as_pysbd_splits(paragraph: str) -> None:
    """The harness's pysbd segmenter (linear, lists, abbreviations, quotes and placeholders done
    faster) gives pysbd's sentences."""
    assert [s.strip() for s in _segmenter("en").segment(paragraph) if s.strip()] == pysbd_sentences(paragraph)


@given(st.text(alphabet="ab .()[]-\\'!?。．！？∯&", max_size=30))
def test_punctuation_between_quotes_is_replaced_as_pysbd_replaces_it(text: str) -> None:
    match = re.fullmatch(".*", text, re.DOTALL)
    assert match is not None
    for match_type in (None, "single"):
        assert _replace_punctuation(match, match_type) == replace_punctuation(match, match_type)


def test_tokenised_and_ordinary_news_sentences_take_the_plain_path() -> None:
    """The plain path is what makes ROUGE-Lsum fast; these typical summaries must take it."""
    for text in [
        "natalia moon , 23 , has become a tv sensation . she moved to the philippines in 2012 .",
        "promise tamang has turned herself into angelina jolie 's character maleficent ."
        " the mother-of-six uses contouring .",
        "The treaty was signed on Wednesday. It commits both sides to mutual assistance.",
        "Putin and Kim signed the pact in Pyongyang; it takes effect on ratification",
        "the u.s. army spent $ 2.8 billion in 2015 . brendan rodgers ( left ) said it was `` huge '' .",
        'the film " american pie " was sold . was it worth it ? yes ! he said',
        "don mclean 's pop masterpiece is 44 years old . christie 's sold it for # 1.2 million .",
        "at least 15 per cent -- more than 544,000 . about half -- are fake . one website sampled them .",
        "it means an extra £ 2,100 a year -- £ 17,800 rather than £ 15,700 . one in five retire with debts .",
        "he left -- as planned. Then -- he came back . She stayed.",
        "mclean was a paperboy when he saw j.p. `` the big bopper '' die . he cried .",
    ]:
        assert plain_sentences(text) == pysbd_sentences(text), text


@pytest.mark.slow
@requires_shared
def test_frank_summaries_and_references_split_as_pysbd_splits_them() -> None:
    rows = [json.loads(line) for line in FRANK.read_text(encoding="utf-8").splitlines()]
    texts = list(dict.fromkeys(t for row in rows for t in (row["summary"], row["reference"])))
    plain = 0
    for text in texts:
        plain += plain_sentences(" ".join(text.split())) is not None
        assert split_sentences(text) == pysbd_sentences(text), text[:80]
    assert plain > 0.9 * len(texts)  # 95% since the path takes numbers, initials, quotes and brackets


@pytest.mark.slow
@requires_shared
def test_wmt17_lines_split_as_pysbd_splits_them_with_english_and_german_rules() -> None:
    """German text under English rules exercises the plain path on other prose (capitalised nouns,
    umlauts, German quotes); with German rules the harness uses pysbd's German segmenter only."""
    lines = (WMT17 / "newstest2017.ref.de").read_text(encoding="utf-8").splitlines()
    lines += next(iter(sorted((WMT17 / "systems").iterdir()))).read_text(encoding="utf-8").splitlines()
    plain = 0
    for line in dict.fromkeys(lines):
        plain += plain_sentences(" ".join(line.split())) is not None
        assert split_sentences(line) == pysbd_sentences(line), line
    assert plain > len(set(lines)) / 2
    for line in lines[:200]:
        assert split_sentences(line, "de") == pysbd_sentences(line, "de"), line
