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

    def __post_init__(self) -> None:
        """An empty or whitespace-only reference is no reference (scoring it would pull means down): it is
        dropped and counted in ``meta["blank_references"]``, as a null one is dropped."""
        kept = tuple(reference for reference in self.references if reference.strip())
        if len(kept) != len(self.references):
            self.meta["blank_references"] = len(self.references) - len(kept)
            object.__setattr__(self, "references", kept)

    @property
    def source_hash(self) -> str:
        return text_hash(self.source)
