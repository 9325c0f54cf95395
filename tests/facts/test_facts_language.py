"""Facts are checked in the output's language: the task's target language, else the one lingua detects."""

from __future__ import annotations

from types import SimpleNamespace

import yaml

from harness.data.example import Example
from harness.metrics.base import ScoringInput
from harness.metrics.facts import KeyFactsMetric, output_language, task_target_lang
from testkit import ROOT

SEED = ROOT / "seeds" / "russia-dprk-pact.yaml"
SPANISH = "Putin y Kim Jong Un firmaron el miércoles 19 de junio de 2024 un tratado en Pionyang."


def seed_example() -> Example:
    spec = yaml.safe_load(SEED.read_text(encoding="utf-8"))
    meta = {"facts": spec["facts"], "published": str(spec["published"]), "lang": "en"}
    return Example(id="seed", source="", references=(), meta=meta)


def task(name: str, source: str, target: str) -> SimpleNamespace:
    return SimpleNamespace(name=name, source_lang=source, target_lang=target)


def test_the_task_says_which_language_an_output_is_in() -> None:
    assert task_target_lang(task("translate", "en", "pl")) == "pl"
    assert task_target_lang(task("summarise", "en", "es")) == "es"  # a cross-lingual summary
    assert task_target_lang(task("summarise", "en", "en")) is None  # detect it


def test_without_a_target_the_language_is_detected_and_recorded() -> None:
    example = seed_example()
    assert output_language(SPANISH, example, None) == ("es", "detected")
    assert output_language(SPANISH, example, "pl") == ("pl", "task.target_lang")
    assert output_language("2024", example, None) == ("en", "meta.lang; none detected")
    assert output_language("Das Abkommen wurde am Mittwoch unterzeichnet.", example, None)[0] == "en"


def test_a_spanish_summary_of_the_english_seed_is_checked_with_spanish_rules() -> None:
    """The source is English (meta lang en); the summary is Spanish and its date must count."""
    for metric in (KeyFactsMetric(task_target_lang(task("summarise", "en", "es"))), KeyFactsMetric()):
        [values] = metric.score([ScoringInput(seed_example(), SPANISH)])
        verdicts = {v["fact_id"]: v for v in values["facts.verdicts"]}
        assert verdicts["treaty_date"]["verdict"] == "supported"
        assert verdicts["signing_place"]["verdict"] == "supported"
        assert verdicts["treaty_date"]["lang"] == "es" and values["facts.lang"].startswith("es")
