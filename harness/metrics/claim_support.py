"""How a model-based checker sees a (source, output) pair: the source cut into chunks, the output
into claims, and every (chunk, claim) pair of a batch scored in one batched pass.

Chunks follow each checker's authors: SummaC (Laban et al., 2022) uses windows of a fixed number of
consecutive sentences (:func:`sentence_windows`); MiniCheck (Tang et al., 2024) and AlignScore
(Zha et al., 2023) fill a chunk with whole sentences up to a length budget, in whitespace words
(Flan-T5: 500, AlignScore: 350) or model tokens (RoBERTa, DeBERTa: 400) (:func:`budget_windows`).
A claim's support is its best chunk's; the output's is the mean over its claims.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch

from harness.metrics.base import ScoringInput
from harness.metrics.faithfulness import normalise, split_sentences

Chunker = Callable[[str], list[str]]
# (premise, hypothesis) pairs -> (pairs, k) scores
PairScorer = Callable[[Sequence[tuple[str, str]]], torch.Tensor]


def source_sentences(source: str) -> list[str]:
    return split_sentences(normalise(source)) or [""]


def sentence_windows(sentences: Sequence[str], size: int) -> list[str]:
    """Consecutive, non-overlapping windows of ``size`` sentences (SummaC)."""
    return [" ".join(sentences[i : i + size]) for i in range(0, len(sentences), size)]


def budget_windows(sentences: Sequence[str], budget: int, length: Callable[[str], int]) -> list[str]:
    """Whole sentences packed greedily into chunks of at most ``budget`` (``length`` of each sentence
    added up; a sentence longer than the budget is a chunk of its own), as MiniCheck and AlignScore do."""
    chunks: list[list[str]] = []
    used = 0
    for sentence in sentences:
        size = length(sentence)
        if chunks and used + size <= budget:
            chunks[-1].append(sentence)
            used += size
        else:
            chunks.append([sentence])
            used = size
    return [" ".join(chunk) for chunk in chunks] or [""]


def word_count(text: str) -> int:
    return len(text.split())


def claims_of(output: str, split: bool) -> list[str]:
    """The output's sentences, or the whole output as one claim; empty when it says nothing."""
    text = normalise(output)
    if not split:
        return [text] if text.strip() else []
    return split_sentences(text)


def score_grids(
    batch: Sequence[ScoringInput], chunker: Chunker, split_claims: bool, score_pairs: PairScorer
) -> list[torch.Tensor | None]:
    """Per input, the (claims, chunks, k) scores of every (chunk, claim) pair, or None when the output
    has no claim. All pairs of the batch go to ``score_pairs`` at once; a source shared by several
    outputs is chunked once."""
    chunks_by_source: dict[str, list[str]] = {}
    layout: list[tuple[int, int]] = []
    pairs: list[tuple[str, str]] = []
    for item in batch:
        source = item.example.source
        if source not in chunks_by_source:
            chunks_by_source[source] = chunker(source)
        chunks = chunks_by_source[source]
        claims = claims_of(item.output, split_claims)
        layout.append((len(claims), len(chunks)))
        pairs.extend((chunk, claim) for claim in claims for chunk in chunks)
    scores = score_pairs(pairs)
    grids: list[torch.Tensor | None] = []
    offset = 0
    for n_claims, n_chunks in layout:
        if n_claims == 0:
            grids.append(None)
            continue
        size = n_claims * n_chunks
        grids.append(scores[offset : offset + size].view(n_claims, n_chunks, -1))
        offset += size
    return grids
