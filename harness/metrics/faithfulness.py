"""Reference-free faithfulness of an output to its source, computed offline on CPU.

Every output sentence is checked against its best-matching *single* source sentence (support
pieced together from far-apart places in the source is a typical error, so whole-document matching
is deliberately avoided). Six components, in 0..1:

- ``alignment`` (a diagnostic): BERTScore-precision-style token alignment. Each output token takes
  its highest cosine similarity to the tokens of a source sentence (MiniLM layer-4 contextual
  embeddings; the source is encoded in chunks of consecutive sentences); the sentence scores the
  mean over its tokens, maximised over source sentences.
- ``trigram_support``: the largest fraction of the sentence's word trigrams (bigrams or unigrams
  for shorter sentences) found in one source sentence.
- ``novel_words`` (a diagnostic): ``1 / (1 + k)`` where ``k`` counts content words (names, numbers,
  dates included) that occur nowhere in the source, even after Porter stemming, with the words
  themselves in ``unsupported_words``.
- ``aligned_words`` (a diagnostic): ``1 / (1 + k)`` where ``k`` counts the output's content word
  pieces whose best cosine similarity to *any* source token is below ``UNALIGNED_BELOW``.
- ``supported_facts``: ``1 / (1 + k)`` where ``k`` counts the output's dates and numbers that no
  source date or number supports (the rule-based extractors and support test of
  ``harness.facts.auto``, so "20 June" against "19 June" counts, and "three" matches "3").
- ``supported_words``: ``1 / (1 + k)`` where ``k`` counts the output's content words that
  ``harness.metrics.support.word_support`` judges more likely unsupported than supported: a logistic
  regression over the word's best MiniLM similarities to the source, whether the source has the word,
  whether it has a digit and how many pieces it has, trained on synthetic perturbations of news
  articles (FRANK dev articles, never on human labels).

The first two are means over output sentences, the others are per output. ``faithfulness`` (v6) is
``WEIGHTS``' convex combination of the mean *squared* trigram support (half of the trigrams found
together is much weaker evidence than all of them), ``supported_words`` and ``supported_facts``:
three general signals (copied wording, words the source accounts for, numbers and dates), each of
which lowers the cross-validated dev figures when removed, with round weights chosen on FRANK dev
articles and cliff-goyal21 ``val`` rows only (``harness meta-eval --split dev`` / ``--split val``;
BENCHMARKS.md has the held-out figures). v5's spaCy-based components (nouns and dependency arcs without support,
unsupported named entities) went: on those rows they added nothing that the three do not carry, and
parsing every output was most of the metric's time after encoding. Every distinct source is encoded
once per scorer instance (cached by source hash) and outputs are batched.
"""

from __future__ import annotations

import bisect
import re
from collections import Counter, OrderedDict, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

import torch
from nltk.stem.porter import PorterStemmer
from spacy.lang.en.stop_words import STOP_WORDS

from harness.data.example import text_hash
from harness.facts.auto import extract_items, source_facts
from harness.facts.dates import PartialDate, find_dates, last_weekday
from harness.metrics.base import Metric, ScoringInput
from harness.metrics.config import MetricsConfig
from harness.metrics.metadata import HIGHER
from harness.metrics.signature import Signature, dtype_setting
from harness.metrics.support.device import metric_device, metric_dtype
from harness.metrics.support.embedder import load_minilm
from harness.metrics.support.word_support import FLAG_ABOVE, OutputWord, load_word_support, word_features

# Weights of the combined features; "trigram_support" enters as the mean of squared sentence values.
WEIGHTS: dict[str, float] = {"trigram_support": 0.5, "supported_words": 0.25, "supported_facts": 0.25}
EMBEDDING_LAYER = 4
MAX_NGRAM = 3
UNALIGNED_BELOW = 0.7

_ABBREVIATION = re.compile(
    r"(?:^|\s)(?:mr|mrs|ms|dr|st|jr|sr|prof|gen|sen|rep|gov|u\.s|u\.k|u\.n|no|vs|[a-z])\.$",
    re.IGNORECASE,
)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_WORD = re.compile(r"[a-z0-9]+(?:[.,'][a-z0-9]+)*")
_PTB_CLITIC = re.compile(r" (n't|'s|'re|'ve|'ll|'d|'m)\b")
_MAX_SENTENCE_WORDS = 100
_TRAILING_TIME = re.compile(r"\s+\d{1,2}[:.]\d{2}$")
_stem = PorterStemmer().stem


def normalise(text: str) -> str:
    """Undo PTB-style tokenisation quirks (``` `` ```, ``''``, ``do n't``, escaped quotes)."""
    text = text.replace("\\'", "'").replace("``", '"').replace("''", '"').replace("`", "'")
    return _PTB_CLITIC.sub(r"\1", text)


def split_sentences(text: str) -> list[str]:
    """Split on sentence-final punctuation, case-insensitively (outputs are often lowercased).
    Not :func:`harness.core.sentences.split_sentences`: it moves faithfulness on FRANK dev, where this is
    calibrated (all 10 dev rows whose summary it splits otherwise; benchmarks/text_helpers.py).

    Very long "sentences" (unpunctuated captions in scraped articles) are cut into pieces of at
    most ``_MAX_SENTENCE_WORDS`` words so that they fit the encoder.
    """
    sentences: list[str] = []
    for part in _SENTENCE_END.split(text.strip()):
        if sentences and _ABBREVIATION.search(sentences[-1]):
            sentences[-1] += " " + part
        elif part.strip():
            sentences.append(part.strip())
    pieces: list[str] = []
    for sentence in sentences:
        tokens = sentence.split()
        pieces.extend(" ".join(tokens[i : i + _MAX_SENTENCE_WORDS]) for i in range(0, len(tokens), _MAX_SENTENCE_WORDS))
    return pieces


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def _ngrams(tokens: Sequence[str], n: int) -> list[tuple[str, ...]]:
    return [tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1)]


@dataclass(frozen=True)
class _Embedded:
    """One encoded chunk (``FaithfulnessScorer._embed``)."""

    embeddings: torch.Tensor  # (tokens, dim), L2-normalised
    sentence_ids: torch.Tensor  # (tokens,) index of the sentence each token belongs to
    content: torch.Tensor  # (tokens,) whether each token is part of a content word
    pieces: list[str]  # the word pieces


@dataclass(frozen=True)
class SourceEncoding:
    """Everything about one source that output scoring needs; computed once per source."""

    num_sentences: int
    token_embeddings: torch.Tensor  # (tokens, dim), L2-normalised
    token_sentence: torch.Tensor  # (tokens,) index of the sentence each token belongs to
    ngram_sentences: dict[tuple[str, ...], frozenset[int]]  # n-gram -> sentences containing it
    vocabulary: frozenset[str]  # words and their stems

    def has_word(self, word: str) -> bool:
        """The word, or its Porter stem, is among the source's words or their stems."""
        return word in self.vocabulary or _stem(word) in self.vocabulary


class FaithfulnessScorer:
    """Scores (source, output) pairs; caches source encodings by hash across calls."""

    def __init__(
        self,
        device: str = "cpu",
        batch_size: int = 16,
        max_chunk_tokens: int = 256,
        cache_size: int = 256,
        dtype: torch.dtype = torch.float32,
    ) -> None:
        self.device = torch.device(device)
        self.dtype = dtype
        self.batch_size = batch_size
        self.max_chunk_tokens = max_chunk_tokens
        self.cache_size = cache_size
        self.tokenizer, self.model = load_minilm(device, EMBEDDING_LAYER, dtype)
        self._cache: OrderedDict[str, SourceEncoding] = OrderedDict()

    @torch.inference_mode()
    def _embed(self, chunks: Sequence[Sequence[str]]) -> list[_Embedded]:
        """Token embeddings (special tokens dropped), sentence index per token, whether each token
        is part of a content word (``_content_pieces``) and the word pieces, per chunk.

        Each chunk is a list of sentences encoded together as one sequence. Chunks are batched in
        order of length, which keeps padding (wasted compute) small.
        """
        order = sorted(range(len(chunks)), key=lambda i: sum(len(s) for s in chunks[i]))
        results: dict[int, _Embedded] = {}
        for start in range(0, len(order), self.batch_size):
            indices = order[start : start + self.batch_size]
            batch = [chunks[i] for i in indices]
            encoded = self.tokenizer(
                [" ".join(chunk) for chunk in batch],
                padding=True,
                truncation=True,
                max_length=512,
                return_offsets_mapping=True,
                return_tensors="pt",
            )
            offsets = encoded.pop("offset_mapping")
            hidden = self.model(**encoded.to(self.device)).last_hidden_state
            hidden = torch.nn.functional.normalize(hidden.float(), dim=-1).cpu()
            for i, chunk in enumerate(batch):
                ends, position = [], 0
                for sentence in chunk:
                    position += len(sentence)
                    ends.append(position)
                    position += 1
                keep = encoded["attention_mask"][i].bool().cpu() & (offsets[i][:, 1] > 0)
                starts = offsets[i][keep][:, 0].tolist()
                sentence_ids = [bisect.bisect_right(ends, s) for s in starts]
                pieces = self.tokenizer.convert_ids_to_tokens(encoded["input_ids"][i][keep].tolist())
                results[indices[i]] = _Embedded(
                    hidden[i][keep],
                    torch.tensor(sentence_ids, dtype=torch.long),
                    torch.tensor(_content_pieces(pieces), dtype=torch.bool),
                    list(pieces),
                )
        return [results[i] for i in range(len(chunks))]

    def _chunks(self, sentences: Sequence[str]) -> list[list[str]]:
        """Consecutive sentences grouped into chunks of at most ``max_chunk_tokens`` tokens."""
        lengths = [len(ids) for ids in self.tokenizer(list(sentences), add_special_tokens=False)["input_ids"]]
        chunks: list[list[str]] = []
        current: list[str] = []
        size = 0
        for sentence, length in zip(sentences, lengths, strict=True):
            if current and size + length > self.max_chunk_tokens:
                chunks.append(current)
                current, size = [], 0
            current.append(sentence)
            size += length
        if current:
            chunks.append(current)
        return chunks

    def encode_sources(self, sources: Sequence[str]) -> list[SourceEncoding]:
        """Encodings of ``sources``, computing only those not cached (all chunks batched)."""
        missing = {text_hash(s): s for s in sources if text_hash(s) not in self._cache}
        if not missing:
            return [self._cache[text_hash(s)] for s in sources]
        plans = []
        for key, source in missing.items():
            sentences = split_sentences(normalise(source)) or [""]
            plans.append((key, sentences, self._chunks(sentences)))
        embedded = iter(self._embed([chunk for _, _, chunks in plans for chunk in chunks]))
        for key, sentences, chunks in plans:
            embeddings, sentence_ids, offset = [], [], 0
            for chunk in chunks:
                encoded = next(embedded)
                embeddings.append(encoded.embeddings)
                sentence_ids.append(encoded.sentence_ids + offset)
                offset += len(chunk)
            ngram_sentences: defaultdict[tuple[str, ...], set[int]] = defaultdict(set)
            vocabulary: set[str] = set()
            for index, sentence in enumerate(sentences):
                tokens = words(sentence)
                vocabulary.update(tokens)
                vocabulary.update(_stem(t) for t in tokens)
                for n in range(1, MAX_NGRAM + 1):
                    for gram in _ngrams(tokens, n):
                        ngram_sentences[gram].add(index)
            self._cache[key] = SourceEncoding(
                num_sentences=len(sentences),
                token_embeddings=torch.cat(embeddings),
                token_sentence=torch.cat(sentence_ids),
                ngram_sentences={g: frozenset(s) for g, s in ngram_sentences.items()},
                vocabulary=frozenset(vocabulary),
            )
        encodings = [self._cache[text_hash(s)] for s in sources]
        while len(self._cache) > self.cache_size:  # evict oldest, after this call's lookups
            self._cache.popitem(last=False)
        return encodings

    def _encode_outputs(
        self, pairs: Sequence[tuple[str, str]]
    ) -> list[tuple[SourceEncoding, str, list[str], _Embedded | None]]:
        """Each pair's source encoding, normalised output, its sentences and its encoding (None without
        sentences)."""
        sources = self.encode_sources([source for source, _ in pairs])
        normalised = [normalise(output) for _, output in pairs]
        outputs = [split_sentences(output) for output in normalised]
        embedded = iter(self._embed([sentences for sentences in outputs if sentences]))
        return [
            (source, output, sentences, next(embedded) if sentences else None)
            for source, output, sentences in zip(sources, normalised, outputs, strict=True)
        ]

    def output_words(self, pairs: Sequence[tuple[str, str]]) -> list[list[OutputWord]]:
        """The content words of each output with their ``word_support`` features."""
        found: list[list[OutputWord]] = []
        for source, _, sentences, chunk in self._encode_outputs(pairs):
            if chunk is None:
                found.append([])
                continue
            _, per_sentence = _alignment(source, chunk.embeddings, chunk.sentence_ids, len(sentences))
            found.append(_output_words(source, chunk, per_sentence.max(1).values))
        return found

    def score(self, pairs: Sequence[tuple[str, str]]) -> list[dict[str, Any]]:
        """Components, combined score and unsupported words for each (source, output) pair."""
        model = load_word_support()
        results = []
        for (source_text, _), (source, output, sentences, chunk) in zip(
            pairs, self._encode_outputs(pairs), strict=True
        ):
            if chunk is None:
                results.append(_combine(1.0, 1.0, 1.0, 0, 0, 0, []))
                continue
            alignment, per_sentence = _alignment(source, chunk.embeddings, chunk.sentence_ids, len(sentences))
            best = per_sentence.max(1).values  # each output token's best similarity to any source token
            trigram, novel, unsupported = [], [], []
            for sentence in sentences:
                tokens = words(sentence)
                trigram.append(_ngram_support(source, tokens))
                missing = [t for t in tokens if t not in STOP_WORDS and not source.has_word(t)]
                novel.append(1.0 / (1.0 + len(missing)))
                unsupported.extend(missing)
            results.append(
                _combine(
                    alignment,
                    sum(trigram) / len(trigram),
                    sum(novel) / len(novel),
                    int((chunk.content & (best < UNALIGNED_BELOW)).sum()),
                    _unsupported_facts(source_text, output),
                    sum(model.flags(word) for word in _output_words(source, chunk, best)),
                    list(dict.fromkeys(unsupported)),
                )
            )
        return results


def _output_words(source: SourceEncoding, chunk: _Embedded, best: torch.Tensor) -> list[OutputWord]:
    """The output's content words with their ``word_support`` features (``best``: each piece's best
    similarity to any source token)."""
    return word_features(chunk.pieces, chunk.content.tolist(), best, source.has_word)


def _content_pieces(pieces: Sequence[str]) -> list[bool]:
    """Whether each word piece belongs to a content word (alphanumeric, not a stop word);
    continuation pieces (``##...``) belong to the word they continue."""
    content, current = [], False
    for piece in pieces:
        if not piece.startswith("##"):
            current = piece.isalnum() and piece not in STOP_WORDS
        content.append(current)
    return content


def _dateline(source: str) -> tuple[str, date | None]:
    """The source without its dateline, and the dateline's day.

    The dateline is the first line that is nothing but a full date (a time after it allowed), as
    scraped news pages have: it says when the page was published, not when anything happened, so
    it supports no date of the output; a weekday in the text ("signed on Wednesday") is the one on
    or before it. A source without such a line is returned whole.
    """
    lines = source.splitlines()
    for index, line in enumerate(lines):
        text = _TRAILING_TIME.sub("", line.strip())
        mentions = find_dates(text) if text else []
        if len(mentions) == 1 and (mentions[0].start, mentions[0].end) == (0, len(text)):
            day = mentions[0].value
            if day.year and day.month and day.day:
                body = "\n".join(lines[:index] + lines[index + 1 :])
                return body, date(day.year, day.month, day.day)
    return source, None


@lru_cache(maxsize=16)
def _source_support(source: str) -> tuple[Any, list[PartialDate]]:
    """``harness.facts.auto``'s support look-ups of the source without its dateline, and the days its
    bare weekdays name (the last such weekday on or before the dateline). Other relative dates
    ("today", often inside a quote said the day before) are not resolved."""
    body, published = _dateline(source)
    support = source_facts(body, "en")
    if published is None:
        return support, []
    days = [last_weekday(d.weekday, published) for d in support.dates if d.weekday is not None and d.year is None]
    return support, [PartialDate(d.year, d.month, d.day) for d in days]


def _unsupported_facts(source: str, output: str) -> int:
    """How many dates and numbers of the (normalised) output no date or number of the source supports."""
    support, weekdays = _source_support(source)
    return sum(
        not support.supports(item)
        and not (isinstance(item.value, PartialDate) and any(not item.value.conflicts_with(w) for w in weekdays))
        for item in extract_items(output, "en", with_entities=False)
    )


def _alignment(
    source: SourceEncoding, embeddings: torch.Tensor, sentence_ids: torch.Tensor, count: int
) -> tuple[float, torch.Tensor]:
    """Mean over output sentences of the best single-source-sentence token-alignment precision, and
    each output token's best similarity to the tokens of each source sentence (-1 for a sentence
    without tokens)."""
    if len(embeddings) == 0 or len(source.token_embeddings) == 0:
        return 0.0, torch.zeros((len(embeddings), 1))
    similarity = embeddings @ source.token_embeddings.T  # (output tokens, source tokens)
    per_sentence = torch.full((len(embeddings), source.num_sentences), -1.0)
    per_sentence.scatter_reduce_(1, source.token_sentence.expand_as(similarity), similarity, reduce="amax")
    scores = [  # sentences cut off by the encoder's length limit have no tokens and no score
        per_sentence[sentence_ids == i].mean(0).max().clamp(0.0, 1.0).item()
        for i in range(count)
        if bool((sentence_ids == i).any())
    ]
    return sum(scores) / len(scores), per_sentence  # the first sentence always has tokens


def _ngram_support(source: SourceEncoding, tokens: Sequence[str]) -> float:
    """Largest fraction of the sentence's n-grams (n = 3, or less for short ones) in one sentence."""
    if not tokens:
        return 1.0
    grams = _ngrams(tokens, min(MAX_NGRAM, len(tokens)))
    hits: Counter[int] = Counter()
    for gram in grams:
        hits.update(source.ngram_sentences.get(gram, ()))
    return max(hits.values(), default=0) / len(grams)


def features(components: dict[str, float]) -> dict[str, float]:
    """The values ``WEIGHTS`` apply to: the components, with the trigram support squared."""
    values = {name: components[name] for name in WEIGHTS}
    values["trigram_support"] = components["trigram_support"] ** 2
    return values


def combine(components: dict[str, float]) -> float:
    return sum(WEIGHTS[name] * value for name, value in features(components).items())


def _combine(
    alignment: float,
    trigram_support: float,
    novel_words: float,
    unaligned: int,
    unsupported_facts: int,
    flagged_words: int,
    unsupported: list[str],
) -> dict[str, Any]:
    """Components and the weighted ``faithfulness`` (``combine``)."""
    components = {
        "alignment": alignment,
        "trigram_support": trigram_support,
        "novel_words": novel_words,
        "aligned_words": 1.0 / (1.0 + unaligned),
        "supported_facts": 1.0 / (1.0 + unsupported_facts),
        "supported_words": 1.0 / (1.0 + flagged_words),
    }
    result: dict[str, Any] = {"faithfulness": combine(components)}
    result.update({f"faithfulness.{name}": value for name, value in components.items()})
    result["faithfulness.unsupported_words"] = unsupported
    return result


class FaithfulnessMetric(Metric):
    """Reference-free faithfulness to ``example.source`` (see the module docstring)."""

    name = "faithfulness"
    cache_scores = True
    score_keys = {"faithfulness": HIGHER, "faithfulness.*": HIGHER}  # novel_words is 1 / (1 + k)

    def __init__(self, device: str = "cpu", batch_size: int = 16, dtype: torch.dtype = torch.float32) -> None:
        self.scorer = FaithfulnessScorer(device=device, batch_size=batch_size, dtype=dtype)
        self.device = self.scorer.device

    def signature(self) -> str:
        settings = {
            "version": "v6",
            "embedder": f"minilm-l6-v2:layer{EMBEDDING_LAYER}",
            "alignment": "best-source-sentence",
            "ngram": f"{MAX_NGRAM}^2",
            "word-support": f"{load_word_support().digest}:p>{FLAG_ABOVE:g}",
            "facts": "dates,numbers",
            "w": "+".join(f"{name}:{weight:g}" for name, weight in WEIGHTS.items()),
            "dtype": dtype_setting(self.scorer.dtype),
        }
        return Signature("faithfulness", settings, unnamed=["version", "embedder", "alignment"]).format()

    def score(self, batch: Sequence[ScoringInput]) -> list[dict[str, Any]]:
        return self.scorer.score([(item.example.source, item.output) for item in batch])


def build_faithfulness(cfg: MetricsConfig, task: Any) -> Metric:
    return FaithfulnessMetric(
        device=metric_device(cfg.device), batch_size=cfg.faithfulness.batch_size, dtype=metric_dtype(cfg.dtype)
    )
