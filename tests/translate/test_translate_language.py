"""Off-target and copy detection with lingua (offline)."""

from __future__ import annotations

import pytest

from harness.data.example import Example
from harness.metrics.base import ScoringInput
from harness.metrics.language import LanguageMetric, detect_language

SOURCE = "South Korea's defence ministry estimated that North Korea has sent Russia around 190 tonnes of ammunition."


def score(output: str, source: str = SOURCE, **meta: object) -> dict[str, object]:
    return LanguageMetric("es").score([ScoringInput(Example("1", source, (), dict(meta)), output)])[0]


def test_on_target_output() -> None:
    scores = score(
        "El Ministerio de Defensa de Corea del Sur estimó que Corea del Norte ha enviado a Rusia 190 toneladas."
    )
    assert scores == {"language.detected": "es", "language.on_target": 1, "language.copy": 0}


def test_copied_source_is_off_target_and_a_copy() -> None:
    scores = score(SOURCE)
    assert scores["language.detected"] == "en"
    assert scores["language.on_target"] == 0 and scores["language.copy"] == 1
    assert score(SOURCE.replace("190", "19"))["language.copy"] == 1  # near copy


def test_wrong_language_is_off_target() -> None:
    scores = score("Korea Północna wysłała Rosji około 190 ton amunicji.")
    assert scores == {"language.detected": "pl", "language.on_target": 0, "language.copy": 0}


def test_undetectable_output_has_no_on_target_value() -> None:
    assert "language.on_target" not in score("190")
    assert detect_language("   ") is None


def test_no_copy_value_without_a_source() -> None:
    assert "language.copy" not in score("Hola a todos.", source="", no_source=True)


def test_unknown_target_language_fails_early() -> None:
    with pytest.raises(ValueError, match="ISO 639-1"):
        LanguageMetric("xx")
