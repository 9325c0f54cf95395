"""The Apertium backend and `task=translate model=apertium dataset=seed` end to end."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from omegaconf import OmegaConf

from harness.core.task import TaskSpec
from harness.data.example import Example
from harness.models.apertium import ApertiumModel, apertium_mode
from harness.models.base import ModelLoadError
from harness.models.config import ApertiumConfig
from testkit import read_jsonl, read_metrics, requires, run_harness


def _has_eng_spa() -> bool:
    if shutil.which("apertium") is None:
        return False
    return "eng-spa" in subprocess.run(["apertium", "-l"], capture_output=True, text=True).stdout.split()


needs_apertium = requires(_has_eng_spa(), "Apertium with eng-spa", "apt-get install -y apertium apertium-eng-spa")
TASK = TaskSpec("translate", "en", "es")


def model(**overrides: object) -> ApertiumModel:
    return ApertiumModel(OmegaConf.merge(OmegaConf.structured(ApertiumConfig), {"name": "apertium", **overrides}), TASK)


def test_mode_from_task_languages() -> None:
    assert apertium_mode("en", "es") == "eng-spa"
    assert apertium_mode("es", "en") == "spa-eng"


def test_missing_executable_names_the_install_line() -> None:
    with pytest.raises(ModelLoadError, match="apt-get install -y apertium apertium-eng-spa"):
        model(executable="apertium-not-here")


@needs_apertium
def test_missing_mode_fails_at_load() -> None:
    with pytest.raises(ModelLoadError, match="eng-xxx"):
        model(mode="eng-xxx")


@needs_apertium
def test_translates_lines_and_documents_in_order() -> None:
    translator = model()
    examples = [Example("a", "The cat."), Example("b", "North Korea has sent Russia around 190 tonnes of ammunition.")]
    outputs = [g.output for g in translator.generate(examples)]
    assert outputs[0] == "El gato."
    assert "190 toneladas" in outputs[1] and "Corea del Norte" in outputs[1]
    document = translator.generate([Example("d", "The cat.\n\nThe dog.")])[0].output
    assert document == "El gato.\n\nEl perro."
    assert translator.identity()["params"] == {"mode": "eng-spa", "mark_unknown": False}
    assert "apertium-eng-spa=" in translator.identity()["revision"]


@needs_apertium
@pytest.mark.slow
def test_seed_translation_end_to_end(tmp_path: Path) -> None:
    folder = run_harness(tmp_path, "task=translate", "model=apertium", "dataset=seed", "task.target_lang=es")
    metrics = read_metrics(folder)
    for name in ("bleu", "chrf", "chrf++", "ter"):
        assert metrics[name]["corpus"] is True and metrics[name]["n"] == 12
        assert metrics[name]["signature"].startswith("nrefs:1|")
    assert metrics["bleu"]["settings"]["tokenize"] == "13a"
    assert 20 < metrics["bleu"]["value"] < 80 and 50 < metrics["chrf"]["value"] < 90
    assert metrics["language.on_target"]["value"] == 1.0 and metrics["language.copy"]["value"] == 0.0
    # Fact preservation in Spanish: "190 tonnes" stays 190 ("190 toneladas"), 2022 stays 2022.
    assert metrics["facts.ammunition_tonnage.supported"]["value"] == 1.0
    assert metrics["facts.ammunition_tonnage.contradicted"]["value"] == 0.0
    assert metrics["facts.invasion_year.supported"]["value"] == 1.0
    assert 0.5 <= metrics["facts.recall"]["value"] <= 1.0
    scores = {r["id"]: r for r in read_jsonl(folder / "scores.jsonl")}
    tonnage = scores["russia-dprk-pact-2024-s11"]
    assert tonnage["scores"]["facts.ammunition_tonnage.supported"] == 1.0
    assert tonnage["details"]["language.detected"] == "es"
    assert set(tonnage["details"]["sacrebleu_stats"]) == {"bleu", "chrf", "chrf++", "ter"}
    outputs = [r["output"] for r in read_jsonl(folder / "predictions.jsonl")]
    assert any("190 toneladas" in output for output in outputs)


@needs_apertium
@pytest.mark.slow
def test_seed_document_mode(tmp_path: Path) -> None:
    folder = run_harness(
        tmp_path, "task=translate", "model=apertium", "dataset=seed", "task.mode=document", "metrics.names=[chrf,facts]"
    )
    metrics = read_metrics(folder)
    assert metrics["chrf"]["n"] == 1
    assert metrics["facts.ammunition_tonnage.supported"]["value"] == 1.0
