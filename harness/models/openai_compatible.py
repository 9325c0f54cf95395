"""An OpenAI-compatible chat-completions endpoint (vLLM, llama.cpp server, TGI, OpenAI itself).

Requests run concurrently up to ``model.concurrency``; a timeout, a connection error, 429 or a 5xx
is retried with exponential backoff, other errors fail that example only. The API key is read from
the environment variable named by ``model.api_key_env`` and never appears in the run's records: a server
may echo it in an error body, so every error text is redacted before it leaves this module.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Sequence
from typing import Any

import httpx
from omegaconf import OmegaConf

from harness.data.example import Example
from harness.models.base import Generation, Model, ModelLoadError
from harness.models.config import OpenAICompatibleConfig
from harness.models.prompting import chat_messages, prompt_template
from harness.task import TaskSpec

RETRY_STATUS = frozenset({408, 409, 429, 500, 502, 503, 504})


class RequestFailed(RuntimeError):
    """A request that retrying will not fix, or that ran out of retries."""


class OpenAICompatibleModel(Model[OpenAICompatibleConfig]):
    def __init__(self, cfg: OpenAICompatibleConfig, task: TaskSpec) -> None:
        super().__init__(cfg, task)
        if OmegaConf.is_missing(cfg, "model_name"):
            raise ModelLoadError("model=openai_compatible needs model.model_name (the name the server expects)")
        if cfg.concurrency < 1 or cfg.max_retries < 0:
            raise ModelLoadError("model.concurrency must be at least 1 and model.max_retries at least 0")
        self.template = prompt_template(cfg.prompt, task)
        self.url = cfg.base_url.rstrip("/") + "/chat/completions"
        key = os.environ.get(cfg.api_key_env) if cfg.api_key_env else None
        self._headers = {"Authorization": f"Bearer {key}"} if key else {}
        self._key = key
        self._check_reachable()

    def _check_reachable(self) -> None:
        """Fail before any work when nothing answers at ``base_url`` (any HTTP answer will do)."""
        try:
            httpx.get(self.cfg.base_url.rstrip("/") + "/models", headers=self._headers, timeout=self.cfg.timeout_s)
        except httpx.HTTPError as error:
            raise ModelLoadError(
                self._redact(f"model.base_url={self.cfg.base_url!r} is not reachable: {error}")
            ) from None

    def _redact(self, text: str) -> str:
        """``text`` without the API key's value."""
        return text.replace(self._key, "[api key redacted]") if self._key else text

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
        timeout = httpx.Timeout(self.cfg.timeout_s)
        async with httpx.AsyncClient(headers=self._headers, timeout=timeout) as client:
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
                output = await self._request(client, body)
            except RequestFailed as error:
                return Generation(output=None, error=self._redact(str(error)), seconds=time.perf_counter() - start)
            return Generation(output=output.strip(), seconds=time.perf_counter() - start)

    async def _request(self, client: httpx.AsyncClient, body: dict[str, Any]) -> str:
        problem = ""
        for attempt in range(self.cfg.max_retries + 1):
            if attempt:
                await asyncio.sleep(self.cfg.backoff_s * 2 ** (attempt - 1))
            try:
                response = await client.post(self.url, json=body)
            except httpx.TransportError as error:  # timeouts and connection errors
                problem = f"{type(error).__name__}: {error}"
                continue
            if response.status_code in RETRY_STATUS:
                problem = f"HTTP {response.status_code}: {response.text[:200]}"
                continue
            if response.status_code != 200:
                raise RequestFailed(f"HTTP {response.status_code}: {response.text[:200]}")
            try:
                content = response.json()["choices"][0]["message"]["content"]
            except (ValueError, KeyError, IndexError, TypeError) as error:
                raise RequestFailed(f"unexpected response ({error!r}): {response.text[:200]}") from error
            if not isinstance(content, str):
                raise RequestFailed(f"the response has no text content: {response.text[:200]}")
            return content
        raise RequestFailed(f"gave up after {self.cfg.max_retries + 1} attempts; last: {problem}")
