"""Building blocks of the structured configs: :func:`bounded` fields, :func:`register_schema` and the
check of bounds.

Each package declares the schemas of its own backends beside its code (``harness/models/config.py``,
``harness/data/config.py``, ``harness/metrics/config.py``) and registers them here; ``harness.pipeline.config``
assembles them into the schema of a run. A YAML option of a group starts from its schema
(``defaults: [/schema/<group>/<name>@_here_]``), so a misspelt key or a wrong type fails at composition.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import field, fields, is_dataclass
from typing import Any, TypeVar

from hydra.core.config_store import ConfigStore
from omegaconf import DictConfig, OmegaConf

from harness.core.errors import ConfigError

S = TypeVar("S", bound=type)


DEVICES = ("auto", "cpu", "cuda", "cuda:N", "mps")  # a torch device as the backends take it
_DEVICE = re.compile(r"auto|cpu|cuda(:\d+)?|mps")


def bounded(
    default: Any,
    low: float | None = None,
    high: float | None = None,
    choices: tuple[Any, ...] = (),
    pattern: re.Pattern[str] | None = None,
) -> Any:
    """A field whose value must lie in ``[low, high]``, be one of ``choices`` or match ``pattern`` (whose
    ``choices`` then say what it takes); checked by :func:`check_bounds` when a config is composed. ``None``
    always passes (it means "default")."""
    return field(default=default, metadata=bounds(low, high, choices, pattern))


def bounds(
    low: float | None = None,
    high: float | None = None,
    choices: tuple[Any, ...] = (),
    pattern: re.Pattern[str] | None = None,
) -> dict[str, Any]:
    """The metadata of a :func:`bounded` field; of a mapping field (``field(metadata=bounds(...))``), the
    bounds of each of its values."""
    return {"low": low, "high": high, "choices": choices, "pattern": pattern}


def torch_device(default: str | None = "auto") -> Any:
    """A field naming a torch device: ``auto`` (the GPU when there is one), ``cpu``, ``cuda[:N]`` or ``mps``."""
    return bounded(default, choices=DEVICES, pattern=_DEVICE)


def random_seed(default: int = 0) -> Any:
    """A random seed: the libraries that take one (numpy, ``datasets``) refuse a negative one, late."""
    return bounded(default, low=0, high=2**32 - 1)


def register_schema(group: str, name: str) -> Callable[[S], S]:
    """A class decorator: the dataclass is the schema ``/schema/<group>/<name>`` that YAML options extend."""

    def decorate(schema: S) -> S:
        ConfigStore.instance().store(group=f"schema/{group}", name=name, node=schema)
        return schema

    return decorate


def check_bounds(node: DictConfig, prefix: str = "", each: Mapping[str, Any] | None = None) -> None:
    """Raise :class:`ConfigError` naming the first value of ``node`` (recursively) outside its bounds, the
    first float that is not finite (NaN or infinity: of no option a meaningful value), or the first key its
    schema does not have (``+metrics.rouge.foo=1`` composes, and would be ignored)."""
    schema = OmegaConf.get_type(node)
    limits: dict[str, Mapping[str, Any]] = (
        {f.name: f.metadata for f in fields(schema) if f.metadata} if is_dataclass(schema) else {}
    )
    known = [f.name for f in fields(schema)] if is_dataclass(schema) else None
    if each is not None:  # a mapping whose every value is bounded
        limits = {str(key): each for key in node}
    for key in map(str, node):
        if known is not None and key not in known:
            raise ConfigError(
                f"{prefix}{key}: not an option of {prefix[:-1] or 'a run'}; expected one of {', '.join(known)}"
            )
        if OmegaConf.is_missing(node, key):
            continue
        value = node[key]
        if isinstance(value, DictConfig):
            check_bounds(value, f"{prefix}{key}.", None if is_dataclass(OmegaConf.get_type(value)) else limits.get(key))
        elif isinstance(value, float) and not math.isfinite(value):
            raise ConfigError(f"{prefix}{key}={value!r}: expected a finite number")
        elif key in limits and value is not None:
            problem = _out_of_bounds(value, **limits[key])
            if problem:
                raise ConfigError(f"{prefix}{key}={value!r}: expected {problem}")


def _out_of_bounds(
    value: Any, low: float | None, high: float | None, choices: tuple[Any, ...], pattern: re.Pattern[str] | None
) -> str | None:
    """What ``value`` should have been, or None when it is fine."""
    if pattern is not None:
        return None if pattern.fullmatch(str(value)) else f"one of {', '.join(map(str, choices))}"
    if choices:
        return None if value in choices else f"one of {', '.join(map(str, choices))}"
    if (low is None or value >= low) and (high is None or value <= high):
        return None
    if high is None:
        return f"a value of at least {low}"
    return f"a value in [{low}, {high}]"
