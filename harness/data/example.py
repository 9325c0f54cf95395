"""The unit of evaluation: one source with its references."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any


def text_hash(text: str) -> str:
    """A stable short hash of a text (sha256, first 16 hex digits)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class Example:
    """One example: an id, the source text the model sees, its references and metadata.

    ``meta`` carries dataset-specific extras, e.g. ``published`` (ISO date of the dateline that
    anchors relative dates), ``headline``, ``facts`` (a list of fact specs) or ``lang``.
    """

    id: str
    source: str
    references: tuple[str, ...] = ()
    meta: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)

    @property
    def source_hash(self) -> str:
        return text_hash(self.source)
