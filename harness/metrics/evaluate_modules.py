"""Hugging Face ``evaluate`` modules added to a run by local path (or by hub name where the hub is reachable)."""

from __future__ import annotations

from collections.abc import Sequence
from numbers import Real
from typing import Any

from harness.errors import ConfigError
from harness.metrics.base import Metric, ScoringInput
from harness.metrics.metadata import KeyMeta


class EvaluateModuleMetric(Metric):
    """Wraps ``evaluate.load(path)``. Its numeric outputs are corpus-level values named ``<module>.<key>``."""

    # Modules do not say which way is better: their values are taken as higher-is-better.
    score_keys = {"*": KeyMeta(corpus=True)}

    def __init__(self, path: str) -> None:
        import evaluate

        try:
            self.module = evaluate.load(path)
        except Exception as error:
            raise ConfigError(f"metrics.evaluate_modules: {path!r} could not be loaded: {error}") from error
        self.path = path
        self.name = self.module.name  # type: ignore[misc]

    def signature(self) -> str:
        return f"evaluate:{self.path}|module:{self.module.name}"

    def score(self, batch: Sequence[ScoringInput]) -> list[dict[str, Any]]:
        return [{} for _ in batch]

    def corpus(self, batch: Sequence[ScoringInput]) -> dict[str, float]:
        state: list[Any] = []
        self.corpus_update(state, batch, [])
        return self.corpus_finish(state)

    def corpus_update(self, state: list[Any], batch: Sequence[ScoringInput], results: Sequence[dict[str, Any]]) -> None:
        """Hand the chunk to the module, which buffers it on disk until ``compute``."""
        with_refs = [item for item in batch if item.example.references]
        if with_refs:
            self.module.add_batch(
                predictions=[item.output for item in with_refs],
                references=[item.example.references[0] for item in with_refs],
            )
            state.append(len(with_refs))

    def corpus_finish(self, state: list[Any]) -> dict[str, float]:
        if not state:
            return {}
        result = self.module.compute()
        return {f"{self.name}.{k}": float(v) for k, v in (result or {}).items() if isinstance(v, Real)}
