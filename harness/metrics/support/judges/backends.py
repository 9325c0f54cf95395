"""The chat models a judge talks to: an OpenAI-compatible server (vLLM, llama.cpp, Ollama, OpenAI) or a
local ``hf_causal`` model (``tiny_causal`` in tests).

Both return, per conversation, the answer's text, the tokens spent and, when asked for, the
log-probabilities of the alternatives at each generated token (OpenAI's ``top_logprobs``; for a
local model the next-token distribution itself), from which a 1-5 score can be weighted.
"""

from __future__ import annotations

import asyncio
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

import httpx
import numpy as np
import torch
from omegaconf import OmegaConf

from harness.core.task import TaskSpec
from harness.metrics.support.device import scorer_device
from harness.models.base import ModelLoadError
from harness.models.chat_endpoint import ChatEndpoint, RequestFailed, message_content
from harness.models.config import HFCausalConfig, TinyCausalConfig
from harness.models.hf_causal import HFCausalModel

Messages = list[dict[str, str]]
SCORE_TOKENS = ("1", "2", "3", "4", "5")


@dataclass(frozen=True)
class TokenChoice:
    """One generated token and the log-probabilities of alternatives at its position (itself included)."""

    text: str
    top: dict[str, float]


@dataclass
class ChatReply:
    """The judge's answer to one conversation, or why there is none."""

    text: str | None
    error: str | None = None
    prompt_tokens: int = 0
    completion_tokens: int = 0
    tokens: list[TokenChoice] | None = None  # None: the backend gave no log-probabilities

    def as_json(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "tokens": None if self.tokens is None else [[t.text, t.top] for t in self.tokens],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ChatReply:
        tokens = data.get("tokens")
        return cls(
            text=data["text"],
            prompt_tokens=data["prompt_tokens"],
            completion_tokens=data["completion_tokens"],
            tokens=None if tokens is None else [TokenChoice(text, top) for text, top in tokens],
        )


class ChatBackend(ABC):
    """``identity`` names the judge model (in signatures and cache keys; never the URL or the key);
    ``device`` is where a local model runs (None for a server's)."""

    device: str | None = None

    def __init__(self, cfg: Any, identity: dict[str, Any]) -> None:
        self.cfg = cfg
        self.identity = identity

    @abstractmethod
    def chat(self, conversations: Sequence[Messages], logprobs: bool) -> list[ChatReply]:
        """One reply per conversation, in order; a failed request is a reply with ``error`` set."""


class OpenAIChatBackend(ChatBackend):
    def __init__(self, cfg: Any) -> None:
        if not cfg.model_name:
            raise ModelLoadError(
                "metrics.llm_judge.backend.model_name: no value given; set the name the server expects"
            )
        super().__init__(cfg, {"type": "openai_compatible", "model": cfg.model_name})
        self.endpoint = ChatEndpoint(
            cfg.base_url,
            cfg.api_key_env,
            cfg.timeout_s,
            cfg.max_retries,
            cfg.backoff_s,
            option="metrics.llm_judge.backend",
        )
        self.endpoint.check_reachable()

    def chat(self, conversations: Sequence[Messages], logprobs: bool) -> list[ChatReply]:
        return asyncio.run(self._chat_all(conversations, logprobs))

    async def _chat_all(self, conversations: Sequence[Messages], logprobs: bool) -> list[ChatReply]:
        limit = asyncio.Semaphore(self.cfg.concurrency)
        async with self.endpoint.client() as client:
            return list(await asyncio.gather(*(self._chat_one(client, limit, c, logprobs) for c in conversations)))

    async def _chat_one(
        self, client: httpx.AsyncClient, limit: asyncio.Semaphore, messages: Messages, logprobs: bool
    ) -> ChatReply:
        body: dict[str, Any] = {
            "model": self.cfg.model_name,
            "messages": messages,
            "temperature": self.cfg.temperature,
            "max_tokens": self.cfg.max_tokens,
        }
        if logprobs:
            body.update(logprobs=True, top_logprobs=self.cfg.top_logprobs)
        async with limit:
            try:
                answer = await self.endpoint.post(client, body)
                text = message_content(answer)
            except RequestFailed as error:
                return ChatReply(text=None, error=str(error))
        usage = answer.get("usage") or {}
        return ChatReply(
            text=text,
            prompt_tokens=int(usage.get("prompt_tokens") or 0),
            completion_tokens=int(usage.get("completion_tokens") or 0),
            tokens=_openai_tokens(answer) if logprobs else None,
        )


def _openai_tokens(answer: dict[str, Any]) -> list[TokenChoice] | None:
    """``choices[0].logprobs.content`` as token choices; None when the server sent none."""
    try:
        content = answer["choices"][0]["logprobs"]["content"]
        return [
            TokenChoice(
                str(entry["token"]),
                {str(alt["token"]): float(alt["logprob"]) for alt in entry.get("top_logprobs") or []}
                | {str(entry["token"]): float(entry["logprob"])},
            )
            for entry in content
        ]
    except (KeyError, IndexError, TypeError, ValueError):
        return None


class HFChatBackend(ChatBackend):
    """A local chat model through the ``hf_causal`` backend's loading and chat template; greedy; on
    ``device`` (resolved: :func:`harness.metrics.support.device.scorer_device`)."""

    def __init__(self, cfg: Any, device: str = "cpu") -> None:
        if cfg.temperature != 0:
            raise ModelLoadError(
                f"metrics.llm_judge.backend.temperature={cfg.temperature}: a local judge ({cfg.type}) decodes "
                "greedily; set it to 0"
            )
        common: dict[str, Any] = {
            "name": "llm_judge",
            "revision": cfg.revision,
            "trust_remote_code": cfg.trust_remote_code,
            "device": device,
            "dtype": cfg.dtype,
            "batch_size": cfg.batch_size,
            "max_new_tokens": cfg.max_tokens,
        }
        if cfg.type == "tiny_causal":
            from harness.models.tiny_causal import TinyCausalModel

            tiny: dict[str, Any] = {**common, "architecture": cfg.architecture, "build_seed": cfg.build_seed}
            node = OmegaConf.merge(OmegaConf.structured(TinyCausalConfig), tiny)  # a node of that schema
            self.model: HFCausalModel = TinyCausalModel(cast(TinyCausalConfig, node), TaskSpec())
        else:
            if not cfg.name_or_path:
                raise ModelLoadError("metrics.llm_judge.backend.name_or_path: no value given; set a chat model")
            named: dict[str, Any] = {**common, "name_or_path": cfg.name_or_path}
            node = OmegaConf.merge(OmegaConf.structured(HFCausalConfig), named)
            self.model = HFCausalModel(cast(HFCausalConfig, node), TaskSpec())
        self.device = self.model.device
        identity = self.model.identity()
        super().__init__(
            cfg,
            {
                "type": cfg.type,
                "model": identity["path"],
                **{k: identity[k] for k in ("revision", "weights_hash", "dtype") if k in identity},
            },
        )
        tokenizer = self.model.tokenizer
        self._score_ids = {}
        for digit in SCORE_TOKENS:
            ids = tokenizer.encode(digit, add_special_tokens=False)
            if len(ids) == 1:
                self._score_ids[ids[0]] = digit

    def chat(self, conversations: Sequence[Messages], logprobs: bool) -> list[ChatReply]:
        replies: list[ChatReply] = []
        for start in range(0, len(conversations), self.cfg.batch_size):
            batch = conversations[start : start + self.cfg.batch_size]
            try:
                replies += self._chat_batch(batch, logprobs)
            except Exception as error:  # noqa: BLE001 - a failing batch must not lose the run's other examples
                replies += [ChatReply(text=None, error=f"{type(error).__name__}: {error}") for _ in batch]
        return replies

    @torch.inference_mode()
    def _chat_batch(self, batch: Sequence[Messages], logprobs: bool) -> list[ChatReply]:
        model, tokenizer = self.model, self.model.tokenizer
        prompts = [tokenizer.apply_chat_template(m, add_generation_prompt=True, tokenize=False) for m in batch]
        encoded = tokenizer(prompts, padding=True, add_special_tokens=False, return_tensors="pt").to(model.device)
        generated = model.model.generate(
            **encoded, **model.generate_kwargs, output_logits=logprobs, return_dict_in_generate=True
        )
        width = encoded["input_ids"].shape[1]
        replies = []
        for row in range(len(batch)):
            new = generated.sequences[row, width:].tolist()
            stop = next((i for i, t in enumerate(new) if t in model.stop_ids), None)
            kept = new if stop is None else new[: stop + 1]
            text = tokenizer.decode(kept, skip_special_tokens=True).strip()
            tokens = None
            if logprobs:
                tokens = [self._choice(token, generated.logits[step][row]) for step, token in enumerate(kept)]
            replies.append(
                ChatReply(
                    text=text,
                    prompt_tokens=int(encoded["attention_mask"][row].sum()),
                    completion_tokens=len(kept),
                    tokens=tokens,
                )
            )
        return replies

    def _choice(self, token: int, logits: torch.Tensor) -> TokenChoice:
        """The generated token with the log-probabilities of the top 5 and of the score digits 1-5."""
        logprobs = logits.float().log_softmax(-1)
        ids = set(logprobs.topk(5).indices.tolist()) | set(self._score_ids) | {token}
        decode = self.model.tokenizer.decode
        top: dict[str, float] = {}
        for i in ids:
            text = self._score_ids.get(i) or decode([i])
            top[text] = float(np.logaddexp(top.get(text, -np.inf), float(logprobs[i])))  # ids with one text
        return TokenChoice(decode([token]), top)


def build_backend(cfg: Any, metrics_device: str) -> ChatBackend:
    """The backend of ``metrics.llm_judge.backend``; a local one on its own ``device`` when set (not ``auto``),
    else on ``metrics.device`` (``metrics_device``)."""
    if cfg.type == "openai_compatible":
        return OpenAIChatBackend(cfg)
    return HFChatBackend(cfg, device=scorer_device(metrics_device, cfg.device, "metrics.llm_judge.backend.device"))
