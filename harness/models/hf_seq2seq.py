"""Any ``AutoModelForSeq2SeqLM`` (BART, PEGASUS, T5, Marian, NLLB, M2M100, mBART) by hub name or local path."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch
from transformers import AutoConfig, AutoModelForSeq2SeqLM, AutoTokenizer, PreTrainedTokenizerBase

from harness.data.example import Example
from harness.models.base import Generation, Model, ModelLoadError, TaskSpec
from harness.models.registry import register_backend

_DTYPES = {"float32": torch.float32, "float16": torch.float16, "bfloat16": torch.bfloat16}
_UNBOUNDED = 100_000  # tokenizers report a huge model_max_length when they do not know it


def resolve_device(requested: str) -> str:
    if requested == "auto":
        if torch.cuda.is_available():
            return "cuda"
        if torch.backends.mps.is_available():
            return "mps"
        return "cpu"
    if requested == "cuda" and not torch.cuda.is_available():
        raise ModelLoadError("model.device=cuda but CUDA is not available on this machine")
    if requested == "mps" and not torch.backends.mps.is_available():
        raise ModelLoadError("model.device=mps but MPS is not available on this machine")
    if requested not in {"cpu", "cuda", "mps"} and not requested.startswith("cuda:"):
        raise ModelLoadError(f"model.device={requested!r}; expected auto, cpu, cuda, cuda:N or mps")
    return requested


def resolve_dtype(requested: str, device: str) -> torch.dtype:
    if requested == "auto":
        return torch.float32 if device == "cpu" else torch.float16
    if requested not in _DTYPES:
        raise ModelLoadError(f"model.dtype={requested!r}; expected auto or one of {sorted(_DTYPES)}")
    return _DTYPES[requested]


def load_pretrained(loader: Any, cfg: Any, **kwargs: Any) -> Any:
    """``loader.from_pretrained`` with errors that say which model failed and why."""
    try:
        return loader.from_pretrained(
            cfg.name_or_path, revision=cfg.revision, trust_remote_code=cfg.trust_remote_code, **kwargs
        )
    except Exception as error:  # transformers raises OSError, ValueError, KeyError, ...
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        if "trust_remote_code" in str(error) and not cfg.trust_remote_code:
            reason = (
                "it needs custom code from its repository; set model.trust_remote_code=true "
                "only if you trust that code"
            )
        raise ModelLoadError(f"model.name_or_path={cfg.name_or_path!r} could not be loaded: {reason}") from error


def weights_hash(path: str) -> str | None:
    """sha256 over a local model folder's weight files, in name order; None for hub names."""
    folder = Path(path)
    if not folder.is_dir():
        return None
    digest = hashlib.sha256()
    files = sorted(p for p in folder.iterdir() if p.suffix in {".safetensors", ".bin"})
    for file in files:
        digest.update(file.name.encode())
        with file.open("rb") as stream:
            for block in iter(lambda: stream.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()[:16] if files else None


def input_limit(tokenizer: PreTrainedTokenizerBase, model_config: Any, configured: int | None) -> int:
    """The input length in tokens: the configured limit, else the tokenizer's, else the model's positions."""
    if configured is not None:
        return configured
    if 0 < tokenizer.model_max_length < _UNBOUNDED:
        return int(tokenizer.model_max_length)
    for key in ("max_position_embeddings", "n_positions"):
        value = getattr(model_config, key, None)
        if isinstance(value, int) and value > 0:
            return value
    return 512


@register_backend("hf_seq2seq")
class HFSeq2SeqModel(Model):
    def __init__(self, cfg: Any, task: TaskSpec) -> None:
        super().__init__(cfg, task)
        self._device = resolve_device(cfg.device)
        dtype = resolve_dtype(cfg.dtype, self._device)
        if cfg.cpu_threads and self._device == "cpu":
            torch.set_num_threads(cfg.cpu_threads)
        config = load_pretrained(AutoConfig, cfg)  # first: it names remote-code and missing-model problems
        self.tokenizer = load_pretrained(AutoTokenizer, cfg)
        self.model = load_pretrained(AutoModelForSeq2SeqLM, cfg, config=config, dtype=dtype).to(self._device).eval()
        self.max_input_tokens = input_limit(self.tokenizer, self.model.config, cfg.max_input_tokens)
        if cfg.src_lang_code:
            self.tokenizer.src_lang = cfg.src_lang_code
        self.generate_kwargs = self._generate_kwargs()
        # M2M100 tokenizers do not count their __xx__ language tokens as special: drop them when decoding.
        self.language_ids = frozenset(getattr(self.tokenizer, "lang_token_to_id", {}).values())

    @property
    def device(self) -> str:
        return self._device

    def _generate_kwargs(self) -> dict[str, Any]:
        kwargs: dict[str, Any] = {
            "num_beams": self.cfg.num_beams,
            "max_new_tokens": self.cfg.max_new_tokens,
            "min_new_tokens": self.cfg.min_new_tokens,
            "length_penalty": self.cfg.length_penalty,
            "no_repeat_ngram_size": self.cfg.no_repeat_ngram_size,
            "do_sample": False,
        }
        if self.cfg.tgt_lang_code:
            kwargs["forced_bos_token_id"] = self._language_token_id(self.cfg.tgt_lang_code)
        return kwargs

    def _language_token_id(self, code: str) -> int:
        get_lang_id = getattr(self.tokenizer, "get_lang_id", None)  # M2M100 tokenizers
        try:
            token_id = get_lang_id(code) if get_lang_id else self.tokenizer.convert_tokens_to_ids(code)
        except KeyError:
            token_id = None
        if token_id is None or token_id == self.tokenizer.unk_token_id:
            raise ModelLoadError(f"model.tgt_lang_code={code!r} is not a language token of {self.cfg.name_or_path}")
        return int(token_id)

    def identity(self) -> dict[str, Any]:
        identity: dict[str, Any] = {
            "name": self.cfg.name,
            "backend": self.cfg.backend,
            "path": self.cfg.name_or_path,
            "params": {"max_input_tokens": self.max_input_tokens, "prefix": self.cfg.prefix, **self.generate_kwargs},
        }
        revision = self.cfg.revision or getattr(self.model.config, "_commit_hash", None)
        if revision:
            identity["revision"] = revision
        digest = weights_hash(self.cfg.name_or_path)
        if digest:
            identity["weights_hash"] = digest
        return identity

    def generate(self, examples: Sequence[Example]) -> list[Generation]:
        texts = [self.cfg.prefix + example.source for example in examples]
        lengths = [len(ids) for ids in self.tokenizer(texts, add_special_tokens=True)["input_ids"]]
        order = sorted(range(len(texts)), key=lambda i: lengths[i], reverse=True)
        results: list[Generation | None] = [None] * len(texts)
        for start in range(0, len(order), self.cfg.batch_size):
            batch = order[start : start + self.cfg.batch_size]
            for index, generation in zip(batch, self._generate_batch([texts[i] for i in batch]), strict=True):
                generation.truncated = lengths[index] > self.max_input_tokens
                results[index] = generation
        return [r for r in results if r is not None]

    def _generate_batch(self, texts: list[str]) -> list[Generation]:
        start = time.perf_counter()
        try:
            outputs = self._decode(texts)
        except Exception as error:  # one failing input must not lose the batch: retry one by one
            if len(texts) == 1:
                return [Generation(output=None, error=f"{type(error).__name__}: {error}")]
            return [g for text in texts for g in self._generate_batch([text])]
        seconds = (time.perf_counter() - start) / len(texts)
        return [Generation(output=output, seconds=seconds) for output in outputs]

    def _decode(self, texts: list[str]) -> list[str]:
        encoded = self.tokenizer(
            texts, max_length=self.max_input_tokens, truncation=True, padding=True, return_tensors="pt"
        ).to(self._device)
        with torch.inference_mode():
            generated = self.model.generate(**encoded, **self.generate_kwargs).tolist()
        if self.language_ids:
            generated = [[token for token in row if token not in self.language_ids] for row in generated]
        return [text.strip() for text in self.tokenizer.batch_decode(generated, skip_special_tokens=True)]
