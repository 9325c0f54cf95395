"""A metric's signature: the settings its numbers depend on, as one string.

Modelled on sacrebleu's ``Signature`` (whose strings the BLEU, chrF and TER keys carry as they are): an
ordered ``info`` dict of settings written ``name:value`` and joined by ``|`` after the metric's name; a
setting that is None is left out (a default that older runs did not name, such as float32 weights),
booleans are written ``yes``/``no``, and ``format(short=True)`` writes the names abbreviated. Settings
listed in ``unnamed`` are written as their value alone (``f1``, ``v6``, a nested model identity).

Run folders store ``format()``, and check, compare, table and the score cache compare these strings as
they are: a signature's text changes only where the numbers may (``tests/metrics/test_signature.py``
pins every metric's).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # a signature is built without importing torch (ROUGE and BLEU runs never load it)
    import torch

# Short names shared by every signature, as sacrebleu's ``_abbr``; a metric may add its own.
ABBREVIATIONS = {
    "model": "m",
    "lang": "l",
    "layer": "ly",
    "chunk": "ch",
    "max_len": "ml",
    "multi-ref": "mr",
    "judge": "j",
    "prompt": "p",
    "dtype": "dt",
}


class Signature:
    """``name|key:value|...`` of a metric's settings; ``str()`` is ``format()``."""

    def __init__(
        self,
        name: str | None,
        info: Mapping[str, Any],
        *,
        unnamed: Iterable[str] = (),
        abbr: Mapping[str, str] | None = None,
    ) -> None:
        self.name = name
        self.info = dict(info)
        self.unnamed = frozenset(unnamed)
        self._abbr = {**ABBREVIATIONS, **(abbr or {})}

    def update(self, key: str, value: Any) -> None:
        """Add a setting at the end, or replace one where it stands."""
        self.info[key] = value

    def format(self, short: bool = False) -> str:
        """The signature string; ``short`` abbreviates the setting names."""
        parts = [self.name] if self.name else []
        for key, value in self.info.items():
            if value is None:
                continue
            text = ("yes" if value else "no") if isinstance(value, bool) else str(value)
            if key in self.unnamed:
                parts.append(text)
            else:
                parts.append(f"{self._abbr.get(key, key) if short else key}:{text}")
        return "|".join(parts)

    def __str__(self) -> str:
        return self.format()

    def __repr__(self) -> str:
        return f"Signature({self.format()!r})"


def dtype_setting(dtype: torch.dtype) -> str | None:
    """The weights' dtype as signatures name it; None (left out) for float32, as older runs have it."""
    name = str(dtype).removeprefix("torch.")
    return None if name == "float32" else name
