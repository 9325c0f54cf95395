"""Fact checkers that score how well a source supports a claim: MiniCheck (Tang et al., 2024) and
any model trained the same way, for ``nli_faithfulness`` and the clause facts.

Two kinds (``metrics.nli.kind``):

* ``classifier``: an ``AutoModelForSequenceClassification`` (MiniCheck-RoBERTa-Large,
  MiniCheck-DeBERTa-v3-Large); support is the softmax probability of the "supported" class.
* ``seq2seq``: an ``AutoModelForSeq2SeqLM`` (MiniCheck-Flan-T5-Large) that answers "1" (supported)
  or "0"; support is the probability of the first token of "1" against the first token of "0" at
  the first decoder step, softmaxed over those two (for Flan-T5's tokenizer these are ids 209 and 3,
  the constants of the authors' code).

The model reads ``input_prefix + chunk + <eos> + claim`` as one text, as MiniCheck was trained
(``input_prefix`` is "predict: " for Flan-T5). When that is longer than ``max_length`` tokens the
chunk is cut, never the claim, and the pair is counted in ``<name>.truncated``.

Chunking and aggregation follow the authors (see ``harness.metrics.claim_support``): the source in
chunks of whole sentences up to a word or token budget, a claim's support is its best chunk's
(MiniCheck's max over chunks), and the output's is the mean over its sentences (AlignScore's
aggregation; MiniCheck leaves multi-sentence claims to the user and recommends splitting them).
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Sequence
from typing import Any, ClassVar

import torch
from transformers import (
    AutoModelForSeq2SeqLM,
    AutoModelForSequenceClassification,
    AutoTokenizer,
    BatchEncoding,
)

from harness.core.errors import ConfigError
from harness.metrics.base import Metric, ScoringInput
from harness.metrics.claim_support import (
    budget_windows,
    score_grids,
    sentence_windows,
    source_sentences,
    word_count,
)
from harness.metrics.metadata import HIGHER, LOWER
from harness.metrics.signature import Signature, dtype_setting
from harness.metrics.support.labels import find_label_id
from harness.models.base import ModelLoadError
from harness.models.pretrained import weights_hash

_SUPPORTED_NAMES = ("supported", "support", "supports", "entailment", "entailed", "consistent", "1")
# Tokens kept free for the special tokens and a word split differently where chunk and claim meet.
_JOIN_MARGIN = 2


def model_identity(name_or_path: str, config: Any) -> str:
    """``model:<name>`` with the hub revision or the local weights' hash, so that other weights under
    the same name never share a signature or a score-cache entry."""
    settings = {
        "model": name_or_path,
        "rev": getattr(config, "_commit_hash", None) or None,
        "weights": weights_hash(name_or_path),
    }
    return Signature(None, settings).format()


class SupportChecker(Metric):
    """Per-example keys: ``nli_faithfulness`` (mean over the output's claims of the best chunk's
    support probability, 0..1), ``nli_faithfulness.min_sentence`` (the weakest claim's) and
    ``nli_faithfulness.truncated`` (pairs whose chunk was cut to fit ``max_length``)."""

    name = "nli_faithfulness"
    cache_scores = True
    score_keys = {
        "nli_faithfulness": HIGHER,
        "nli_faithfulness.min_sentence": HIGHER,
        "nli_faithfulness.truncated": LOWER,
    }
    kind: ClassVar[str]

    def __init__(
        self,
        model: str,
        *,
        device: str = "cpu",
        dtype: torch.dtype = torch.float32,
        batch_size: int = 16,
        max_length: int = 512,
        chunk_words: int | None = None,
        chunk_tokens: int | None = None,
        chunk_sentences: int = 2,
        split_claims: bool = True,
        input_prefix: str = "",
        trust_remote_code: bool = False,
    ) -> None:
        if chunk_words is not None and chunk_tokens is not None:
            raise ConfigError("metrics.nli: set chunk_words or chunk_tokens, not both")
        self.model_name = model
        self.device = torch.device(device)
        self.dtype = dtype
        self.batch_size = batch_size
        self.max_length = max_length
        self.chunk_words = chunk_words
        self.chunk_tokens = chunk_tokens
        self.chunk_sentences = chunk_sentences
        self.split_claims = split_claims
        self.input_prefix = input_prefix
        try:
            self.tokenizer = AutoTokenizer.from_pretrained(model, trust_remote_code=trust_remote_code)
            self.model = self._load(model, trust_remote_code)
        except (OSError, ValueError) as error:
            raise ModelLoadError.unloadable("metrics.nli.name_or_path", model, error) from error
        if not self.tokenizer.is_fast:  # chunks are cut at token offsets, which only fast tokenizers give
            raise ModelLoadError(f"checker model {model!r}: needs a fast (tokenizers) tokenizer, found a slow one")
        if self.tokenizer.eos_token is None:
            raise ModelLoadError(f"checker model {model!r}: its tokenizer has no eos token to join chunk and claim")
        self.model.to(device=self.device, dtype=dtype).eval()
        self.identity = model_identity(model, self.model.config)

    @abstractmethod
    def _load(self, model: str, trust_remote_code: bool) -> Any:
        """The model (a PreTrainedModel; typed Any as its .to() is untyped)."""

    @abstractmethod
    def _support(self, encoded: BatchEncoding) -> torch.Tensor:
        """(batch,) support probabilities of encoded texts."""

    @abstractmethod
    def _label_settings(self) -> dict[str, str]:
        """How the model's output is read as support, for the signature."""

    def signature(self) -> str:
        if self.chunk_words is not None:
            chunking = f"{self.chunk_words}words"
        elif self.chunk_tokens is not None:
            chunking = f"{self.chunk_tokens}tokens"
        else:
            chunking = f"{self.chunk_sentences}sent"
        settings = {
            "kind": self.kind,
            "identity": self.identity,
            "chunk": chunking,
            "claims": "sentences" if self.split_claims else "whole",
            "agg": "max-chunk,mean-claim",
            "max_len": self.max_length,
            **self._label_settings(),
            "prefix": repr(self.input_prefix),
            "dtype": dtype_setting(self.dtype),
        }
        return Signature(self.name, settings, unnamed=["kind", "identity"]).format()

    def _token_count(self, text: str) -> int:
        return len(self.tokenizer(text, add_special_tokens=False)["input_ids"])

    def chunks(self, source: str) -> list[str]:
        sentences = source_sentences(source)
        if self.chunk_words is not None:
            return budget_windows(sentences, self.chunk_words, word_count)
        if self.chunk_tokens is not None:
            return budget_windows(sentences, self.chunk_tokens, self._token_count)
        return sentence_windows(sentences, self.chunk_sentences)

    def _texts(self, pairs: Sequence[tuple[str, str]]) -> tuple[list[str], list[bool]]:
        """The model's input text of each (chunk, claim) and whether its chunk was cut to fit."""
        joiner = self.tokenizer.eos_token
        chunk_tokens: dict[str, list[tuple[int, int]]] = {}
        claim_room: dict[str, int] = {}
        texts, cut = [], []
        for chunk, claim in pairs:
            if claim not in claim_room:
                rest = len(self.tokenizer(self.input_prefix + joiner + claim)["input_ids"])
                claim_room[claim] = self.max_length - rest - _JOIN_MARGIN
            if chunk not in chunk_tokens:
                encoded = self.tokenizer(chunk, add_special_tokens=False, return_offsets_mapping=True)
                chunk_tokens[chunk] = encoded["offset_mapping"]
            room, offsets = claim_room[claim], chunk_tokens[chunk]
            too_long = len(offsets) > room
            if too_long:
                chunk = chunk[: offsets[room - 1][1]] if room > 0 else ""
            texts.append(self.input_prefix + chunk + joiner + claim)
            cut.append(too_long)
        return texts, cut

    @torch.inference_mode()
    def support(self, pairs: Sequence[tuple[str, str]]) -> torch.Tensor:
        """(pairs, 2): each (chunk, claim)'s support probability, and 1.0 where the chunk was cut."""
        texts, cut = self._texts(pairs)
        rows = []
        for start in range(0, len(texts), self.batch_size):
            encoded = self.tokenizer(
                texts[start : start + self.batch_size],
                padding=True,
                truncation=True,
                max_length=self.max_length,
                return_tensors="pt",
            ).to(self.device)
            rows.append(self._support(encoded).float().cpu())
        support = torch.cat(rows) if rows else torch.empty(0)
        return torch.stack([support, torch.tensor(cut, dtype=torch.float32)], dim=1)

    def score(self, batch: Sequence[ScoringInput]) -> list[dict[str, Any]]:
        results: list[dict[str, Any]] = []
        for grid in score_grids(batch, self.chunks, self.split_claims, self.support):
            if grid is None:  # nothing claimed, nothing unsupported
                results.append({self.name: 1.0, f"{self.name}.min_sentence": 1.0, f"{self.name}.truncated": 0.0})
                continue
            best = grid[..., 0].max(dim=1).values  # per claim, its best chunk
            results.append(
                {
                    self.name: float(best.mean()),
                    f"{self.name}.min_sentence": float(best.min()),
                    f"{self.name}.truncated": float(grid[..., 1].sum()),
                }
            )
        return results

    def decide(self, premise: str, hypothesis: str) -> str:
        """A clause verdict: "entailment" when the premise supports the hypothesis (probability above
        one half), else "neutral"; a support checker cannot tell a contradiction from a gap."""
        return "entailment" if float(self.support([(premise, hypothesis)])[0, 0]) > 0.5 else "neutral"


class ClassifierChecker(SupportChecker):
    """MiniCheck-RoBERTa/DeBERTa: the probability of the "supported" class (``supported_label``: a
    label name or class id; by default a class named supported, support, entailment or 1)."""

    kind = "classifier"

    def __init__(self, model: str, *, supported_label: str | int | None = None, **options: Any) -> None:
        super().__init__(model, **options)
        id2label = dict(self.model.config.id2label or {})
        found = find_label_id(id2label, _SUPPORTED_NAMES, supported_label)
        if found is None:
            raise ModelLoadError(
                f"checker model {model!r}: cannot find the supported class in config.id2label={id2label}; "
                "pass metrics.nli.supported_label=<label name or class id>"
            )
        self.supported_id = found

    def _load(self, model: str, trust_remote_code: bool) -> Any:
        return AutoModelForSequenceClassification.from_pretrained(model, trust_remote_code=trust_remote_code)

    def _support(self, encoded: BatchEncoding) -> torch.Tensor:
        return self.model(**encoded).logits.float().softmax(-1)[:, self.supported_id]

    def _label_settings(self) -> dict[str, str]:
        return {"supported": str(self.supported_id)}


class Seq2SeqChecker(SupportChecker):
    """MiniCheck-Flan-T5: ``label_words`` are the answers (unsupported, supported); each is read as the
    first token the tokenizer gives it."""

    kind = "seq2seq"

    def __init__(self, model: str, *, label_words: Sequence[str] = ("0", "1"), **options: Any) -> None:
        super().__init__(model, **options)
        if len(label_words) != 2:
            raise ConfigError(f"metrics.nli.label_words={list(label_words)}: expected [unsupported, supported]")
        ids = []
        for word in label_words:
            tokens = self.tokenizer(word, add_special_tokens=False)["input_ids"]
            if not tokens:
                raise ConfigError(f"metrics.nli.label_words: {word!r} is no token of {model!r}'s tokenizer")
            ids.append(int(tokens[0]))
        if ids[0] == ids[1]:
            raise ConfigError(
                f"metrics.nli.label_words={list(label_words)}: both start with token {ids[0]} in {model!r}'s "
                "tokenizer, so the answers cannot be told apart"
            )
        self.label_words = tuple(label_words)
        self.label_ids = ids
        start = self.model.config.decoder_start_token_id
        if start is None:
            raise ModelLoadError(f"checker model {model!r}: config.decoder_start_token_id is not set")
        self.decoder_start = int(start)

    def _load(self, model: str, trust_remote_code: bool) -> Any:
        return AutoModelForSeq2SeqLM.from_pretrained(model, trust_remote_code=trust_remote_code)

    def _support(self, encoded: BatchEncoding) -> torch.Tensor:
        start = torch.full((encoded["input_ids"].shape[0], 1), self.decoder_start, device=self.device)
        logits = self.model(
            input_ids=encoded["input_ids"], attention_mask=encoded["attention_mask"], decoder_input_ids=start
        ).logits[:, 0, self.label_ids]
        return logits.float().softmax(-1)[:, 1]

    def _label_settings(self) -> dict[str, str]:
        return {"answers": f"{'/'.join(self.label_words)}={self.label_ids[0]}/{self.label_ids[1]}"}
