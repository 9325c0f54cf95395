"""The model interface every summariser and translator implements."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from harness.data.example import Example
from harness.errors import InputError


class ModelLoadError(InputError, RuntimeError):
    """A model could not be loaded; raised before any data is processed."""


@dataclass
class Generation:
    """The outcome of one example: an output, or an error that keeps the other examples going."""

    output: str | None
    seconds: float = 0.0
    truncated: bool = False
    error: str | None = None


@dataclass(frozen=True)
class TaskSpec:
    """What the model is asked to do: ``summarise`` or ``translate`` (with languages)."""

    name: str = "summarise"
    source_lang: str = "en"
    target_lang: str = "en"
    mode: str = "sentence"  # translate: sentence | document


class Model(ABC):
    """A summariser or translator.

    ``generate`` receives a chunk of examples and returns one :class:`Generation` per example in the
    same order. A failing example yields ``Generation(output=None, error=...)``; it never raises for a
    single bad example. Construction raises :class:`ModelLoadError` if the model cannot be used.
    ``cacheable = False`` keeps a backend's outputs out of the generation cache (:mod:`harness.cache`).
    """

    cacheable: ClassVar[bool] = True

    def __init__(self, cfg: Any, task: TaskSpec) -> None:
        self.cfg = cfg
        self.task = task

    @abstractmethod
    def identity(self) -> dict[str, Any]:
        """What makes outputs reproducible: name or path, revision or weights hash, parameters."""

    @abstractmethod
    def generate(self, examples: Sequence[Example]) -> list[Generation]:
        """Outputs for ``examples``, in order."""

    def validate(self, examples: Iterable[Example]) -> None:
        """Fail before any generation when the model cannot serve these examples (e.g. unmatched ids).

        ``examples`` may be a stream over a large dataset: iterate it once."""

    @property
    def device(self) -> str:
        return "cpu"
