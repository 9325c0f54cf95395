"""Decoder-only instruction models (Qwen2, Llama, Gemma, ...) through their tokenizer's chat template.

The prompt is rendered with the chat template, batches are left-padded so that every prompt ends where
generation starts, generation stops at the end of the assistant's turn, and the prompt is cut off the
output. A source too long for the input limit is shortened (token-wise, from the end) and the
generation is marked ``truncated``.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import torch
from transformers import AutoModelForCausalLM

from harness.core.task import TaskSpec
from harness.data.example import Example
from harness.models.base import Generation, ModelLoadError
from harness.models.config import HFCausalConfig
from harness.models.pretrained import PretrainedModel
from harness.models.prompting import chat_messages, prompt_template

# End-of-turn tokens of common chat templates; those in the vocabulary stop generation.
END_OF_TURN = ("<|im_end|>", "<|eot_id|>", "<end_of_turn>", "<|end|>", "<|endoftext|>")


class HFCausalModel(PretrainedModel[HFCausalConfig]):
    def __init__(self, cfg: HFCausalConfig, task: TaskSpec) -> None:
        super().__init__(cfg, task)
        self.template = prompt_template(cfg.prompt, task)
        if not getattr(self.tokenizer, "chat_template", None):
            raise ModelLoadError(
                f"model.name_or_path={cfg.name_or_path!r} has no chat template; use an instruction model"
            )
        self.tokenizer.padding_side = "left"
        if self.tokenizer.pad_token_id is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token
        self.model = self.load_model(AutoModelForCausalLM)
        positions = getattr(self.model.config, "max_position_embeddings", 2048)
        self.max_input_tokens = cfg.max_input_tokens or max(positions - cfg.max_new_tokens, 1)
        self.stop_ids = self._stop_ids()
        self.generate_kwargs: dict[str, Any] = {
            "max_new_tokens": cfg.max_new_tokens,
            "num_beams": cfg.num_beams,
            "do_sample": False,
            "eos_token_id": self.stop_ids,
            "pad_token_id": self.tokenizer.pad_token_id,
        }

    def _stop_ids(self) -> list[int]:
        vocab = self.tokenizer.get_vocab()
        ids = [self.tokenizer.eos_token_id] + [vocab[token] for token in END_OF_TURN if token in vocab]
        return sorted({i for i in ids if i is not None})

    def params(self) -> dict[str, Any]:
        return {
            "prompt": self.template,
            "system_prompt": self.cfg.system_prompt,
            "max_input_tokens": self.max_input_tokens,
            **{k: v for k, v in self.generate_kwargs.items() if k != "pad_token_id"},
        }

    def generate(self, examples: Sequence[Example]) -> list[Generation]:
        prompts = [self._prompt(example) for example in examples]
        results: list[Generation] = []
        for start in range(0, len(prompts), self.cfg.batch_size):
            batch = prompts[start : start + self.cfg.batch_size]
            results += self._generate_batch([text for text, _ in batch], [cut for _, cut in batch])
        return results

    def _prompt(self, example: Example) -> tuple[str, bool]:
        """The chat-formatted prompt, with the source shortened to fit ``max_input_tokens``."""
        prompt = self._render(example.source)
        excess = self._length(prompt) - self.max_input_tokens
        if excess <= 0:
            return prompt, False
        source_ids = self.tokenizer(example.source, add_special_tokens=False)["input_ids"]
        keep = len(source_ids)
        while excess > 0 and keep > 0:  # re-tokenising the shortened text may merge tokens differently
            keep = max(keep - excess, 0)
            prompt = self._render(self.tokenizer.decode(source_ids[:keep], skip_special_tokens=True))
            excess = self._length(prompt) - self.max_input_tokens
        return prompt, True

    def _length(self, prompt: str) -> int:
        return len(self.tokenizer(prompt, add_special_tokens=False)["input_ids"])

    def _render(self, source: str) -> str:
        messages = chat_messages(self.template, self.cfg.system_prompt, source, self.task)
        return self.tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)

    def _generate_batch(self, prompts: list[str], truncated: list[bool]) -> list[Generation]:
        start = time.perf_counter()
        try:
            outputs = self._decode(prompts)
        except Exception as error:  # one failing input must not lose the batch: retry one by one
            if len(prompts) == 1:
                return [Generation(output=None, error=f"{type(error).__name__}: {error}", truncated=truncated[0])]
            return [g for p, t in zip(prompts, truncated, strict=True) for g in self._generate_batch([p], [t])]
        seconds = (time.perf_counter() - start) / len(prompts)
        return [Generation(output=o, seconds=seconds, truncated=t) for o, t in zip(outputs, truncated, strict=True)]

    def _decode(self, prompts: list[str]) -> list[str]:
        # The chat template already holds the special tokens (BOS, turn markers).
        encoded = self.tokenizer(prompts, padding=True, add_special_tokens=False, return_tensors="pt").to(self._device)
        with torch.inference_mode():
            generated = self.model.generate(**encoded, **self.generate_kwargs)
        new_tokens = generated[:, encoded["input_ids"].shape[1] :]  # left padding: prompts end together
        return [text.strip() for text in self.tokenizer.batch_decode(new_tokens, skip_special_tokens=True)]
