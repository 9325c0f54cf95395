"""Registries of named implementations (model backends, dataset loaders, metrics)."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from types import ModuleType
from typing import Generic, TypeVar

from harness.errors import ConfigError

T = TypeVar("T")


class Registry(Generic[T]):
    """Names to implementations. ``package``'s modules are imported on first lookup, so that the
    ``register`` decorators in them have run and every implementation is listed."""

    def __init__(self, kind: str, package: str) -> None:
        self.kind = kind
        self.package = package
        self._entries: dict[str, T] = {}
        self._imported = False

    def register(self, name: str) -> Callable[[T], T]:
        def decorate(entry: T) -> T:
            self._entries[name] = entry
            return entry

        return decorate

    def get(self, name: str) -> T:
        self._import_package()
        if name not in self._entries:
            raise ConfigError(f"{self.kind} {name!r} is unknown; available: {self.names()}")
        return self._entries[name]

    def names(self) -> list[str]:
        self._import_package()
        return sorted(self._entries)

    def _import_package(self) -> None:
        if self._imported:
            return
        self._imported = True
        package: ModuleType = importlib.import_module(self.package)
        for module in pkgutil.iter_modules(package.__path__):
            importlib.import_module(f"{self.package}.{module.name}")
