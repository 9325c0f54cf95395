"""Any ``AutoModelForSeq2SeqLM`` (BART, PEGASUS, T5, Marian, NLLB, M2M100, mBART) by hub name or local path."""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from typing import Any

import torch
from lingua import IsoCode639_3, Language
from transformers import AutoModelForSeq2SeqLM

from harness.core.task import TaskSpec
from harness.data.example import Example
from harness.models.base import Generation, ModelLoadError
from harness.models.config import HFSeq2SeqConfig
from harness.models.pretrained import PretrainedModel, input_limit


def language_pair_mismatch(cfg: HFSeq2SeqConfig, task: TaskSpec) -> str | None:
    """Why the model translates another language pair than the task asks for, or None.

    The pair is the preset's ``language_pair`` or else its language codes (ISO 639-1 as M2M100 takes
    them, or FLORES-200 names such as ``spa_Latn`` as NLLB takes them)."""
    if task.name != "translate":
        return None
    wanted = f"{task.source_lang}-{task.target_lang}"
    pair = cfg.language_pair
    if pair is None and cfg.src_lang_code and cfg.tgt_lang_code:
        pair = f"{_iso_639_1(cfg.src_lang_code)}-{_iso_639_1(cfg.tgt_lang_code)}"
    if pair is None or pair == wanted or "?" in pair:
        return None
    return (
        f"model {cfg.name} translates {pair}, but the task is {wanted}: outputs will be judged as "
        f"{task.target_lang} (set task.source_lang/task.target_lang, or the model's language codes)"
    )


def _iso_639_1(code: str) -> str:
    """``es`` for ``es``, ``spa_Latn`` or ``spa``; ``?`` when the code is not recognised."""
    base = code.split("_")[0].lower()
    if len(base) == 2:
        return base
    try:
        return Language.from_iso_code_639_3(IsoCode639_3.from_str(base)).iso_code_639_1.name.lower()
    except ValueError:
        return "?"


class HFSeq2SeqModel(PretrainedModel[HFSeq2SeqConfig]):
    def __init__(self, cfg: HFSeq2SeqConfig, task: TaskSpec) -> None:
        mismatch = language_pair_mismatch(cfg, task)
        if mismatch:
            print(f"harness: warning: {mismatch}", file=sys.stderr)
        super().__init__(cfg, task)
        self.model = self.load_model(AutoModelForSeq2SeqLM)
        self.max_input_tokens = input_limit(self.tokenizer, self.model.config, cfg.max_input_tokens)
        if cfg.src_lang_code:
            self.tokenizer.src_lang = cfg.src_lang_code
        self.generate_kwargs = self._generate_kwargs()
        # M2M100 tokenizers do not count their __xx__ language tokens as special: drop them when decoding.
        self.language_ids = frozenset(getattr(self.tokenizer, "lang_token_to_id", {}).values())

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

    def params(self) -> dict[str, Any]:
        return {"max_input_tokens": self.max_input_tokens, "prefix": self.cfg.prefix, **self.generate_kwargs}

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
