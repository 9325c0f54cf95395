"""Hugging Face ``evaluate`` modules added to a run by local path (or by hub name where the hub is reachable)."""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from numbers import Real
from typing import Any

from harness.core.errors import ConfigError
from harness.metrics.base import Metric, ScoringInput
from harness.metrics.metadata import KeyMeta
from harness.metrics.signature import Signature

# Modules do not say which way is better. These are evaluate's own error and loss measures; any other
# module is taken as higher-is-better, said once at load, unless ``metrics.evaluate_direction`` names it.
LOWER_IS_BETTER = frozenset({"wer", "cer", "ter", "mae", "mse", "perplexity"})
DIRECTIONS = ("higher", "lower")


class EvaluateModuleMetric(Metric):
    """Wraps ``evaluate.load(path)``. Its numeric outputs are corpus-level values named ``<module>.<key>``
    (a module that returns one bare number, like evaluate's ``wer``, gives ``<module>``)."""

    def __init__(self, path: str, directions: Mapping[str, str] | None = None) -> None:
        import evaluate

        try:
            self.module = evaluate.load(path)
        except Exception as error:
            raise ConfigError(f"metrics.evaluate_modules: {path!r} could not be loaded: {error}") from error
        self.path = path
        self.name = self.module.name  # type: ignore[misc]
        self.direction = _direction(self.name, directions or {})

    def key_meta(self, key: str) -> KeyMeta:
        return KeyMeta(corpus=True, higher_is_better=self.direction == "higher")

    def signature(self) -> str:
        settings = {"module": self.module.name, "direction": f"{self.direction}-is-better"}
        return Signature(f"evaluate:{self.path}", settings, unnamed=["direction"]).format()

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

    def corpus_count(self, state: list[Any]) -> int:
        return sum(state)  # the examples with a reference

    def corpus_finish(self, state: list[Any]) -> dict[str, float]:
        if not state:
            return {}
        result = self.module.compute()
        if isinstance(result, Real):
            return {self.name: float(result)}
        return {f"{self.name}.{k}": float(v) for k, v in (result or {}).items() if isinstance(v, Real)}


def _direction(name: str, declared: Mapping[str, str]) -> str:
    """``higher`` or ``lower``: as ``metrics.evaluate_direction`` declares it for module ``name``, else
    as known for evaluate's own modules, else ``higher`` with a warning naming the option."""
    if name in declared:
        if declared[name] not in DIRECTIONS:
            given = declared[name]
            raise ConfigError(f"metrics.evaluate_direction.{name}: {given!r} is not one of 'higher' or 'lower'")
        return declared[name]
    if name in LOWER_IS_BETTER:
        return "lower"
    print(
        f"warning: evaluate module {name!r} does not say which way is better; its values are taken as "
        f"higher-is-better (override +metrics.evaluate_direction.{name}=lower if lower is better)",
        file=sys.stderr,
    )
    return "higher"
