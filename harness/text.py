"""Sentence splitting shared by extractive models and metrics (offline: pysbd, no nltk data)."""

from __future__ import annotations

from functools import lru_cache

import pysbd


@lru_cache(maxsize=16)
def _segmenter(lang: str) -> pysbd.Segmenter:
    try:
        return pysbd.Segmenter(language=lang, clean=False)
    except ValueError:  # pysbd has no rules for this language
        return pysbd.Segmenter(language="en", clean=False)


def split_sentences(text: str, lang: str = "en") -> list[str]:
    """Sentences of ``text``; blank lines (paragraph breaks) always end a sentence."""
    sentences: list[str] = []
    for paragraph in text.split("\n\n"):
        paragraph = " ".join(paragraph.split())
        if paragraph:
            sentences.extend(s.strip() for s in _segmenter(lang).segment(paragraph) if s.strip())
    return sentences
