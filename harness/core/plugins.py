"""Registries of named implementations (model backends, dataset loaders, metrics).

An entry is a lazy ``"module:object"`` target: a lookup imports only that entry's module, so choosing a
light backend (``model=lead``) never imports the heavy libraries of the others (torch, transformers,
httpx), and listing the names imports nothing. A name registered twice for different objects is an error,
not a silent overwrite.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any, Generic, TypeVar, cast

from harness.core.errors import ConfigError

T = TypeVar("T")


class Registry(Generic[T]):
    """Names to implementations, each found through its ``"module:object"`` target on first lookup."""

    def __init__(self, kind: str, targets: Mapping[str, str] | None = None) -> None:
        self.kind = kind
        self._targets: dict[str, str] = {}
        self._loaded: dict[str, T] = {}
        for name, target in (targets or {}).items():
            self.add(name, target)

    def add(self, name: str, target: str) -> None:
        """Register ``name`` as ``"package.module:object"``; the module is imported at the first lookup."""
        module, _, attribute = target.partition(":")
        if not module or not attribute:
            raise ValueError(f"{self.kind} {name!r}: target {target!r} is not 'module:object'")
        known = self._targets.get(name)
        if known is not None and known != target:
            raise ValueError(f"{self.kind} {name!r} is registered twice: as {known} and as {target}")
        self._targets[name] = target

    def register(self, name: str) -> Callable[[T], T]:
        """A decorator registering an object defined at import time (tests, code outside the package)."""

        def decorate(entry: T) -> T:
            self.add(name, f"{entry.__module__}:{entry.__qualname__}")  # type: ignore[attr-defined]
            self._loaded[name] = entry
            return entry

        return decorate

    def get(self, name: str) -> T:
        if name not in self._targets:
            raise ConfigError(f"{self.kind} {name!r} is unknown; available: {self.names()}")
        if name not in self._loaded:
            module, _, attribute = self._targets[name].partition(":")
            entry: Any = importlib.import_module(module)
            for part in attribute.split("."):
                entry = getattr(entry, part)
            self._loaded[name] = cast(T, entry)
        return self._loaded[name]

    def names(self) -> list[str]:
        return sorted(self._targets)
