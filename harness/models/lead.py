"""Lead-k: the first k sentences of the source, the classic news summarisation baseline."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from harness.core.sentences import split_sentences
from harness.data.example import Example
from harness.models.base import Generation, Model
from harness.models.config import LeadConfig


class LeadModel(Model[LeadConfig]):
    def identity(self) -> dict[str, Any]:
        return {"name": self.cfg.name, "backend": "lead", "params": {"k": self.cfg.k}}

    def generate(self, examples: Sequence[Example]) -> list[Generation]:
        lang = self.task.source_lang
        return [Generation(output=" ".join(split_sentences(e.source, lang)[: self.cfg.k])) for e in examples]
