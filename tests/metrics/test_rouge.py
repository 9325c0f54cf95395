"""ROUGE equals rouge-score called directly with the same settings, on real FRANK summaries; the native
implementation (rouge-score-rs) equals rouge-score; text in any script is tokenised."""

from __future__ import annotations

import functools
import json
import sys

import pytest
from rouge_score import rouge_scorer

from harness.core.sentences import split_sentences
from harness.data.example import Example
from harness.metrics.base import ScoringInput
from harness.metrics.rouge import ROUGE_TYPES, RougeMetric, UnicodeTokenizer, lsum_text
from testkit import FRANK, WMT17, requires_shared


@requires_shared
@pytest.mark.slow
def test_rouge_equals_rouge_score_on_frank_validation() -> None:
    rows = [json.loads(line) for line in FRANK.read_text(encoding="utf-8").splitlines()]
    batch = [ScoringInput(Example(r["id"], r["article"], (r["reference"],)), r["summary"]) for r in rows]
    ours = RougeMetric().score(batch)
    direct = rouge_scorer.RougeScorer(list(ROUGE_TYPES), use_stemmer=True)
    assert len(ours) == 671
    for row, scores in zip(rows, ours, strict=True):
        expected = direct.score(
            "\n".join(split_sentences(row["reference"])), "\n".join(split_sentences(row["summary"]))
        )
        for name in ROUGE_TYPES:
            assert scores[name] == expected[name].fmeasure, (row["id"], name)


# Multi-sentence pairs on which splitting neither side, only the reference or only the output each
# give another ROUGE-Lsum than splitting both (what rouge-score expects): runs without ../shared too.
PAIRS = [
    (
        "The treaty was signed in Pyongyang on Wednesday. Both leaders praised it. A defence clause was included.",
        "Both leaders signed the treaty. It was praised in Pyongyang. The clause on defence was included on Wednesday.",
    ),
    (
        "Leaders met. The pact includes mutual defence. Critics warned of risks in Asia.",
        "Critics in Asia warned. Leaders met and the pact includes defence risks.",
    ),
]


def test_equals_rouge_score_on_sentence_split_lines() -> None:
    direct = rouge_scorer.RougeScorer(list(ROUGE_TYPES), use_stemmer=True)
    ours = RougeMetric().score(
        [ScoringInput(Example(str(i), "src", (ref,)), out) for i, (ref, out) in enumerate(PAIRS)]
    )
    for (reference, output), scores in zip(PAIRS, ours, strict=True):
        expected = direct.score("\n".join(split_sentences(reference)), "\n".join(split_sentences(output)))
        assert scores == {name: expected[name].fmeasure for name in ROUGE_TYPES}
    assert [s["rougeLsum"] for s in ours] == pytest.approx([26 / 35, 0.8])


def test_lsum_splits_sentences_so_it_differs_from_rouge_l() -> None:
    reference = "The treaty was signed in Pyongyang. It includes a mutual defence clause."
    output = "It includes a mutual defence clause. The treaty was signed in Pyongyang."
    scores = RougeMetric().score_one(output, [reference])
    assert scores["rougeLsum"] == pytest.approx(1.0)
    assert scores["rougeL"] < 0.7


def test_max_over_references() -> None:
    metric = RougeMetric()
    single = metric.score_one("the cat sat on the mat", ["a dog barked"])
    multi = metric.score_one("the cat sat on the mat", ["a dog barked", "the cat sat on a mat"])
    assert single["rouge1"] == 0.0 and multi["rouge1"] > 0.8


def test_no_reference_gives_no_rouge() -> None:
    assert RougeMetric().score_one("anything", []) == {}


def test_stemming_is_on_by_default() -> None:
    assert RougeMetric().score_one("signing treaties", ["signed treaty"])["rouge1"] == pytest.approx(1.0)
    assert RougeMetric(use_stemmer=False).score_one("signing treaties", ["signed treaty"])["rouge1"] == 0.0
    assert "stem:porter" in RougeMetric().signature()
    assert "stem:no" in RougeMetric(use_stemmer=False).signature()


def frank_rows() -> list[dict]:
    return [json.loads(line) for line in FRANK.read_text(encoding="utf-8").splitlines()]


def wmt17_pairs(lines: int = 200) -> list[tuple[str, str]]:
    """The first ``lines`` references with every system's outputs."""
    references = (WMT17 / "newstest2017.ref.de").read_text(encoding="utf-8").splitlines()[:lines]
    outputs = [p.read_text(encoding="utf-8").splitlines() for p in sorted((WMT17 / "systems").iterdir())]
    return [(reference, lines[i]) for lines in outputs for i, reference in enumerate(references)]


def assert_same_scores(pairs: list[tuple[list[str], str]], lang: str, use_stemmer: bool) -> None:
    """Both implementations' scorers on the same sentence-split texts (split once: it is the slow part)."""
    native = RougeMetric(use_stemmer=use_stemmer, lang=lang)
    fallback = RougeMetric(use_stemmer=use_stemmer, lang=lang, native=False)
    assert native.implementation.startswith("rouge-score-rs:") and fallback.implementation.startswith("rouge-score:")
    assert native.signature().split("|", 1)[1] == fallback.signature().split("|", 1)[1]
    split = functools.cache(lambda text: lsum_text(text, lang))
    for references, output in pairs:
        targets, prediction = [split(r) for r in references], split(output)
        ours, theirs = native.scorer.score_multi(targets, prediction), fallback.scorer.score_multi(targets, prediction)
        for name in ROUGE_TYPES:
            assert tuple(ours[name]) == tuple(theirs[name]), (name, output, references)
    references, output = pairs[-1]
    assert native.score_one(output, references) == fallback.score_one(output, references)


@requires_shared
@pytest.mark.parametrize("use_stemmer", [True, False])
def test_native_equals_rouge_score_on_frank_with_multiple_references(use_stemmer: bool) -> None:
    rows = frank_rows()
    pairs = [([r["reference"]], r["summary"]) for r in rows]
    pairs += [([r["reference"], rows[i - 1]["summary"]], r["summary"]) for i, r in enumerate(rows)]  # 2 references
    assert_same_scores(pairs, "en", use_stemmer)


@requires_shared
@pytest.mark.parametrize(("lang", "use_stemmer"), [("de", True), ("en", False)])
def test_native_equals_rouge_score_on_wmt17_outputs(lang: str, use_stemmer: bool) -> None:
    pairs = [([reference], output) for reference, output in wmt17_pairs()]
    assert len(pairs) == 16 * 200
    assert_same_scores(pairs, lang, use_stemmer)


@pytest.mark.parametrize("lang", ["en", "ru", "zh", "th", "pl"])
@pytest.mark.parametrize("use_stemmer", [True, False])
def test_native_equals_rouge_score_on_empty_and_unicode_text(lang: str, use_stemmer: bool) -> None:
    texts = [
        "",
        " ",
        "\n\n",
        "...",
        "The cat sat. The cat sat on the mat!",
        "Straße STRASSE ｓｔｒａｓｓｅ",
        "Правительство объявило новые меры. Меры вступят в силу завтра.",
        "今天天气很好。我们去公园吧！",
        "วันนี้อากาศดีมาก เราไปสวนกันเถอะ",
        "Zażółć gęślą jaźń, powiedział. Ñandú café naïve.",
        "नमस्ते दुनिया। यह एक परीक्षण है।",
        "\ud800 lone surrogate",
        "e\u0301 combining acute",
        "x" * 3 + " 3.50 don't",
    ]
    pairs = [([a], b) for a in texts for b in texts] + [([a, b], a + " " + b) for a in texts for b in texts]
    assert_same_scores(pairs, lang, use_stemmer)


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("ru", "Правительство объявило новые меры поддержки."),
        ("zh", "政府宣布了新的支持措施。"),
        ("ja", "政府は新しい支援策を発表した。"),
        ("th", "รัฐบาลประกาศมาตรการใหม่"),
        ("ar", "أعلنت الحكومة عن إجراءات جديدة."),
        ("hi", "सरकार ने नए उपायों की घोषणा की।"),
    ],
)
def test_an_output_identical_to_its_reference_scores_one_in_any_script(lang: str, text: str) -> None:
    scores = RougeMetric(lang=lang).score_one(text, [text])
    assert scores == dict.fromkeys(ROUGE_TYPES, 1.0)


def test_accented_letters_are_kept_and_stemming_follows_the_language() -> None:
    assert UnicodeTokenizer("pl", use_stemmer=True).tokenize("Zażółć gęślą jaźń") == ["zażółć", "gęślą", "jaźń"]
    spanish = UnicodeTokenizer("es", use_stemmer=True)
    assert spanish.stemmer == "snowball-spanish" and spanish.tokenize("canciones") == spanish.tokenize("canción")
    assert UnicodeTokenizer("pl", use_stemmer=True).stemmer == "no"  # no Snowball stemmer for Polish
    assert RougeMetric(lang="es").score_one("las canciones", ["la canción"])["rouge1"] == pytest.approx(0.5)


def test_scripts_without_spaces_are_tokenised_by_character() -> None:
    tokenizer = UnicodeTokenizer("zh", use_stemmer=True)
    assert tokenizer.tokenize("今天iPhone天气") == ["今", "天", "iphone", "天", "气"]
    assert tokenizer.tokenize("กิน") == ["กิ", "น"]  # a Thai vowel sign stays with its consonant


def test_signature_names_implementation_and_tokenizer() -> None:
    assert RougeMetric().signature().startswith("rouge-score-rs:")
    assert "|tok:rouge-score|stem:porter|" in RougeMetric().signature()
    assert "|tok:unicode-words-v1|stem:snowball-russian|" in RougeMetric(lang="ru").signature()
    assert RougeMetric(native=False).signature().startswith("rouge-score:")


def test_rouge_score_is_the_fallback_without_the_native_package(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "rouge_score_rs", None)  # import fails as if not installed
    metric = RougeMetric()
    assert metric.signature().startswith("rouge-score:0.")
    assert metric.score_one("the cat sat", ["the cat sat"]) == dict.fromkeys(ROUGE_TYPES, 1.0)
