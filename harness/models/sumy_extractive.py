"""Graph-based extractive summarisers from sumy (TextRank, LexRank) with an offline sentence splitter."""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from typing import Any

from sumy.nlp.stemmers import Stemmer
from sumy.parsers.plaintext import PlaintextParser
from sumy.summarizers.lex_rank import LexRankSummarizer
from sumy.summarizers.text_rank import TextRankSummarizer
from sumy.utils import get_stop_words

from harness.core.sentences import split_sentences
from harness.core.task import TaskSpec
from harness.data.example import Example
from harness.models.base import Generation, Model
from harness.models.config import SumyConfig

_ALGORITHMS = {"textrank": TextRankSummarizer, "lexrank": LexRankSummarizer}
_LANGUAGES = {"en": "english", "es": "spanish", "de": "german", "fr": "french", "pl": "polish"}
_WORD = re.compile(r"\w+(?:[-']\w+)*")


class _OfflineTokenizer:
    """The tokenizer interface sumy expects, backed by pysbd instead of nltk's punkt data."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self.language = _LANGUAGES.get(lang, "english")

    def to_sentences(self, paragraph: str) -> list[str]:
        return split_sentences(paragraph, self.lang)

    def to_words(self, sentence: str) -> list[str]:
        return _WORD.findall(sentence)


class SumyModel(Model[SumyConfig]):
    def __init__(self, cfg: SumyConfig, task: TaskSpec) -> None:
        super().__init__(cfg, task)
        self.tokenizer = _OfflineTokenizer(task.source_lang)
        self.summarizer = _ALGORITHMS[cfg.algorithm](Stemmer(self.tokenizer.language))
        self.summarizer.stop_words = get_stop_words(self.tokenizer.language)

    def identity(self) -> dict[str, Any]:
        return {
            "name": self.cfg.name,
            "backend": "sumy",
            "params": {"algorithm": self.cfg.algorithm, "sentences": self.cfg.sentences},
        }

    def generate(self, examples: Sequence[Example]) -> list[Generation]:
        generations = []
        for example in examples:
            start = time.perf_counter()
            document = PlaintextParser(example.source, self.tokenizer).document
            sentences = self.summarizer(document, self.cfg.sentences)
            output = " ".join(str(sentence) for sentence in sentences)
            generations.append(Generation(output=output, seconds=time.perf_counter() - start))
        return generations
