"""Off-target and copy detection: is the output in the target language, or a copy of the source?

The output's language is identified offline with lingua (its models ship in the wheel). An output
whose language cannot be identified (empty, digits only) gets no ``language.on_target`` value rather
than counting as wrong. A copy is an output whose chrF against the source exceeds a threshold.
"""

from __future__ import annotations

import importlib.metadata
from collections.abc import Sequence
from functools import lru_cache
from typing import Any, ClassVar

from lingua import IsoCode639_1, Language, LanguageDetector, LanguageDetectorBuilder
from sacrebleu.metrics import CHRF

from harness.core.errors import ConfigError
from harness.metrics.base import Metric, ScoringInput
from harness.metrics.config import MetricsConfig
from harness.metrics.metadata import HIGHER, LOWER
from harness.metrics.signature import Signature


@lru_cache(maxsize=1)
def detector() -> LanguageDetector:
    """All of lingua's languages; models load lazily on first use (a few seconds), then stay loaded."""
    return LanguageDetectorBuilder.from_all_languages().build()


def lingua_language(code: str) -> Language:
    """The lingua language of an ISO 639-1 code such as ``es``."""
    try:
        return Language.from_iso_code_639_1(IsoCode639_1.from_str(code))
    except ValueError as error:
        raise ConfigError(f"language code {code!r} is not an ISO 639-1 code that lingua can identify") from error


def detect_language(text: str) -> str | None:
    """The ISO 639-1 code of ``text``'s language, or None where lingua cannot tell."""
    language = detector().detect_language_of(text) if text.strip() else None
    return language.iso_code_639_1.name.lower() if language is not None else None


class LanguageMetric(Metric):
    name: ClassVar[str] = "language"
    score_keys = {"language.on_target": HIGHER, "language.copy": LOWER}  # copy: the source came back

    def __init__(self, target_lang: str, copy_threshold: float = 90.0) -> None:
        lingua_language(target_lang)  # fail before scoring for a language lingua does not know
        self.target_lang = target_lang
        self.copy_threshold = copy_threshold
        self._chrf = CHRF()

    def signature(self) -> str:
        settings = {
            "lingua": importlib.metadata.version("lingua-language-detector"),
            "target": self.target_lang,
            "copy": f"chrf>{self.copy_threshold:g}",
        }
        return Signature("language", settings).format()

    def score(self, batch: Sequence[ScoringInput]) -> list[dict[str, Any]]:
        return [self._score_one(item) for item in batch]

    def _score_one(self, item: ScoringInput) -> dict[str, Any]:
        detected = detect_language(item.output)
        scores: dict[str, Any] = {"language.detected": detected}
        if detected is not None:
            scores["language.on_target"] = int(detected == self.target_lang)
        source = item.example.source
        if source.strip() and not item.example.meta.get("no_source"):
            similarity = self._chrf.sentence_score(item.output, [source]).score
            scores["language.copy"] = int(
                _normalise(item.output) == _normalise(source) or similarity > self.copy_threshold
            )
        return scores


def _normalise(text: str) -> str:
    return " ".join(text.split()).casefold()


def build_language(cfg: MetricsConfig, task: Any) -> Metric:
    return LanguageMetric(task.target_lang, cfg.language.copy_chrf_threshold)
