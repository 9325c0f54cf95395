"""An OpenAI-compatible chat-completions endpoint (vLLM, llama.cpp server, TGI, OpenAI itself).

Requests run concurrently up to ``model.concurrency``; a timeout, a connection error, 429 or a 5xx
is retried with exponential backoff, other errors fail that example only. The API key is read from
the environment variable named by ``model.api_key_env`` and never appears in the run's records, even
where a server echoes it (see :mod:`harness.models.chat_endpoint`).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from typing import Any

import httpx
from omegaconf import OmegaConf

from harness.core.task import TaskSpec
from harness.data.example import Example
from harness.models.base import Generation, Model, ModelLoadError
from harness.models.chat_endpoint import ChatEndpoint, RequestFailed, message_content
from harness.models.config import OpenAICompatibleConfig
from harness.models.prompting import chat_messages, prompt_template


class OpenAICompatibleModel(Model[OpenAICompatibleConfig]):
    def __init__(self, cfg: OpenAICompatibleConfig, task: TaskSpec) -> None:
        super().__init__(cfg, task)
        if OmegaConf.is_missing(cfg, "model_name"):
            raise ModelLoadError("model=openai_compatible needs model.model_name (the name the server expects)")
        if cfg.concurrency < 1 or cfg.max_retries < 0:
            raise ModelLoadError("model.concurrency must be at least 1 and model.max_retries at least 0")
        self.template = prompt_template(cfg.prompt, task)
        self.endpoint = ChatEndpoint(cfg.base_url, cfg.api_key_env, cfg.timeout_s, cfg.max_retries, cfg.backoff_s)
        self.endpoint.check_reachable()

    def identity(self) -> dict[str, Any]:
        return {
            "name": self.cfg.name,
            "backend": "openai_compatible",
            "path": f"{self.cfg.base_url} {self.cfg.model_name}",
            "params": {
                "model": self.cfg.model_name,
                "prompt": self.template,
                "system_prompt": self.cfg.system_prompt,
                "temperature": self.cfg.temperature,
                "max_tokens": self.cfg.max_tokens,
            },
        }

    def generate(self, examples: Sequence[Example]) -> list[Generation]:
        return asyncio.run(self._generate_all(examples))

    async def _generate_all(self, examples: Sequence[Example]) -> list[Generation]:
        limit = asyncio.Semaphore(self.cfg.concurrency)
        async with self.endpoint.client() as client:
            return list(await asyncio.gather(*(self._generate_one(client, limit, e) for e in examples)))

    async def _generate_one(self, client: httpx.AsyncClient, limit: asyncio.Semaphore, example: Example) -> Generation:
        body = {
            "model": self.cfg.model_name,
            "messages": chat_messages(self.template, self.cfg.system_prompt, example.source, self.task),
            "temperature": self.cfg.temperature,
            "max_tokens": self.cfg.max_tokens,
        }
        async with limit:
            start = time.perf_counter()
            try:
                output = message_content(await self.endpoint.post(client, body))
            except RequestFailed as error:
                return Generation(output=None, error=str(error), seconds=time.perf_counter() - start)
            return Generation(output=output.strip(), seconds=time.perf_counter() - start)
