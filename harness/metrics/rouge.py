"""ROUGE-1/2/L/Lsum F1, max over references, for text in any language.

Two implementations give identical scores (tested on FRANK and WMT17): ``rouge-score-rs`` (a Rust
port of rouge-score, used when installed) and Google's ``rouge-score`` (the fallback). The signature
names the one used and the tokenizer.

Tokenisation: English keeps rouge-score's own tokenizer (lowercase ``[a-z0-9]+`` runs, Porter stemmer),
so English scores are rouge-score's. Every other language gets :class:`UnicodeTokenizer`: rouge-score's
tokenizer keeps only ``[a-z0-9]``, so a Russian or Chinese output identical to its reference scored 0.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence
from functools import lru_cache
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import regex

from harness.core.sentences import split_sentences
from harness.metrics.base import Metric, ScoringInput
from harness.metrics.config import MetricsConfig
from harness.metrics.metadata import HIGHER
from harness.metrics.signature import Signature

ROUGE_TYPES = ("rouge1", "rouge2", "rougeL", "rougeLsum")

# Scripts written without spaces between words: each character (with its combining marks) is a token.
_UNSPACED = r"\p{Han}\p{Hiragana}\p{Katakana}\p{Thai}\p{Lao}\p{Khmer}\p{Myanmar}\p{Tibetan}"
_TOKEN = regex.compile(rf"[{_UNSPACED}]\p{{M}}*|(?:(?![{_UNSPACED}])[\p{{L}}\p{{N}}\p{{M}}])+")
# ISO 639-1 code -> NLTK Snowball stemmer (languages without one are not stemmed).
SNOWBALL = {
    "ar": "arabic",
    "da": "danish",
    "de": "german",
    "es": "spanish",
    "fi": "finnish",
    "fr": "french",
    "hu": "hungarian",
    "it": "italian",
    "nb": "norwegian",
    "nl": "dutch",
    "no": "norwegian",
    "pt": "portuguese",
    "ro": "romanian",
    "ru": "russian",
    "sv": "swedish",
}


class UnicodeTokenizer:
    """Words of any script: NFKC-normalised, case-folded runs of letters, digits and combining marks;
    each character of a script written without spaces (Chinese, Japanese, Thai, ...) is one token;
    the language's Snowball stemmer where it has one."""

    name = "unicode-words-v1"

    def __init__(self, lang: str, use_stemmer: bool) -> None:
        language = SNOWBALL.get(lang) if use_stemmer else None
        self.stemmer = f"snowball-{language}" if language else "no"
        self._stem: Callable[[str], str] | None = None
        if language:
            from nltk.stem.snowball import SnowballStemmer  # nltk takes ~2 s to import: only when stemming

            self._stem = SnowballStemmer(language).stem

    def tokenize(self, text: str) -> list[str]:
        tokens = _TOKEN.findall(unicodedata.normalize("NFKC", text).casefold())
        return [self._stem(t) for t in tokens] if self._stem else tokens


def rouge_implementation(native: bool = True) -> tuple[Any, str]:
    """rouge-score-rs's scorer class when ``native`` and it is installed, else rouge-score's; with the
    package's name and version."""
    if native:
        try:
            from rouge_score_rs import rouge_scorer as native_scorer

            return native_scorer.RougeScorer, f"rouge-score-rs:{version('rouge-score-rs')}"
        except (ImportError, PackageNotFoundError):
            pass
    from rouge_score import rouge_scorer

    return rouge_scorer.RougeScorer, f"rouge-score:{version('rouge-score')}"


def lsum_text(text: str, lang: str = "en") -> str:
    """ROUGE-Lsum compares summary-level LCS over sentences, which rouge-score reads as newline-separated
    lines: without this split, Lsum silently equals ROUGE-L (the classic pitfall)."""
    return "\n".join(split_sentences(text, lang))


# The metric's own: a reference shared by several outputs (FRANK: 264 references for 671 summaries) is
# split once.
cached_lsum_text = lru_cache(maxsize=4096)(lsum_text)


class RougeMetric(Metric):
    name = "rouge"
    parallel = True
    score_keys = {"rouge*": HIGHER}

    def __init__(self, use_stemmer: bool = True, lang: str = "en", native: bool = True) -> None:
        """``native=False`` uses rouge-score even where rouge-score-rs is installed (for comparisons)."""
        self.use_stemmer = use_stemmer
        self.lang = lang
        scorer_class, self.implementation = rouge_implementation(native)
        if lang == "en":
            tokenizer, self.tokenizer_name = None, "rouge-score"
            self.stemmer = "porter" if use_stemmer else "no"
        else:
            tokenizer = UnicodeTokenizer(lang, use_stemmer)
            self.tokenizer_name, self.stemmer = tokenizer.name, tokenizer.stemmer
        self.scorer = scorer_class(list(ROUGE_TYPES), use_stemmer=use_stemmer, tokenizer=tokenizer)

    def signature(self) -> str:
        settings = {
            "score": "f1",
            "tok": self.tokenizer_name,
            "stem": self.stemmer,
            "lsum": "sent-split",
            "multi-ref": "max",
        }
        return Signature(self.implementation, settings, unnamed=["score"]).format()

    def score(self, batch: Sequence[ScoringInput]) -> list[dict[str, Any]]:
        return [self.score_one(item.output, item.example.references) for item in batch]

    def score_one(self, output: str, references: Sequence[str]) -> dict[str, Any]:
        if not references:
            return {}
        scores = self.scorer.score_multi(
            [cached_lsum_text(r, self.lang) for r in references], cached_lsum_text(output, self.lang)
        )
        return {name: scores[name].fmeasure for name in ROUGE_TYPES}


def build_rouge(cfg: MetricsConfig, task: Any) -> Metric:
    return RougeMetric(use_stemmer=cfg.rouge.use_stemmer, lang=task.target_lang)
