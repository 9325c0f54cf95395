"""Model backends by name: ``model._backend_`` in the config selects the class."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from harness.models.base import Model, TaskSpec

_BACKENDS: dict[str, type[Model]] = {}


def register_backend(name: str) -> Callable[[type[Model]], type[Model]]:
    def decorate(cls: type[Model]) -> type[Model]:
        _BACKENDS[name] = cls
        return cls

    return decorate


def build_model(cfg: Any, task: TaskSpec) -> Model:
    _import_backends()
    backend = cfg.backend
    if backend not in _BACKENDS:
        raise ValueError(f"model.backend={backend!r} is unknown; available: {sorted(_BACKENDS)}")
    return _BACKENDS[backend](cfg, task)


def _import_backends() -> None:
    """Import the backend modules so that their ``register_backend`` decorators run."""
    import importlib
    import pkgutil

    import harness.models as package

    for module in pkgutil.iter_modules(package.__path__):
        if module.name not in {"base", "registry"}:
            importlib.import_module(f"harness.models.{module.name}")
