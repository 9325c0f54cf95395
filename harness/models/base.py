"""The model interface every summariser and translator implements."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, TypeVar

from harness.core.errors import InputError
from harness.core.task import TaskSpec
from harness.data.example import Example
from harness.models.config import ModelConfig

C = TypeVar("C", bound=ModelConfig)


class ModelLoadError(InputError, RuntimeError):
    """A model could not be loaded; raised before any data is processed."""

    @classmethod
    def unloadable(cls, option: str, name: str, error: Exception) -> ModelLoadError:
        """``option=name could not be loaded``, with the first line of the library's reason."""
        text = str(error).strip()
        reason = text.splitlines()[0] if text else type(error).__name__
        return cls(
            f"{option}={name!r} could not be loaded (a hub name needs the hub or its local cache, a path "
            f"a model folder): {reason}"
        )


@dataclass
class Generation:
    """The outcome of one example: an output, or an error that keeps the other examples going."""

    output: str | None
    seconds: float = 0.0
    truncated: bool = False
    error: str | None = None


class Model(ABC, Generic[C]):
    """A summariser or translator.

    ``generate`` receives a chunk of examples and returns one :class:`Generation` per example in the
    same order. A failing example yields ``Generation(output=None, error=...)``; it never raises for a
    single bad example. Construction raises :class:`ModelLoadError` if the model cannot be used.
    ``cacheable = False`` keeps a backend's outputs out of the generation cache (:mod:`harness.pipeline.cache`).
    ``cfg`` is the backend's own schema (:mod:`harness.models.config`), as composed by Hydra.
    """

    cacheable: ClassVar[bool] = True

    def __init__(self, cfg: C, task: TaskSpec) -> None:
        self.cfg = cfg
        self.task = task

    @abstractmethod
    def identity(self) -> dict[str, Any]:
        """What makes outputs reproducible: name or path, revision or weights hash, parameters."""

    @abstractmethod
    def generate(self, examples: Sequence[Example]) -> list[Generation]:
        """Outputs for ``examples``, in order."""

    def validate(self, examples: Iterable[Example], whole_dataset: bool = False) -> None:  # noqa: B027 (optional hook)
        """Fail before any generation when the model cannot serve these examples (e.g. unmatched ids).

        ``examples`` may be a stream over a large dataset: iterate it once. ``whole_dataset``: they are all
        the dataset's rows (no ``where``, ``limit`` or shards), so that row-aligned inputs must match them."""

    @property
    def device(self) -> str:
        return "cpu"
