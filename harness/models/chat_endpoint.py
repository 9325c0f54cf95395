"""The HTTP side of an OpenAI-compatible chat-completions server, shared by the ``openai_compatible``
backend and the LLM judges: the URL, the API key (read from an environment variable, never stored),
retries with exponential backoff on timeouts, connection errors, 429 and 5xx, and error texts that
quote the server's answer. The key is registered with :mod:`harness.core.redaction` as it is read, so that
nothing the harness writes or prints holds it (a server may echo it, in an error or in an answer), and
answers are redacted before they are cut to a quotable length.
"""

from __future__ import annotations

import asyncio
import os
from typing import Any

import httpx

from harness.core.redaction import clip, register_secret
from harness.models.base import ModelLoadError

RETRY_STATUS = frozenset({408, 409, 429, 500, 502, 503, 504})


class RequestFailed(RuntimeError):
    """A request that retrying will not fix, or that ran out of retries."""


class ChatEndpoint:
    """``POST {base_url}/chat/completions`` with retries; ``option`` names the config node in errors."""

    def __init__(
        self,
        base_url: str,
        api_key_env: str | None,
        timeout_s: float,
        max_retries: int,
        backoff_s: float,
        option: str = "model",
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.url = self.base_url + "/chat/completions"
        self.timeout_s = timeout_s
        self.max_retries = max_retries
        self.backoff_s = backoff_s
        self.option = option
        key = os.environ.get(api_key_env) if api_key_env else None
        register_secret(key)
        self.headers = {"Authorization": f"Bearer {key}"} if key else {}

    def check_reachable(self) -> None:
        """Fail before any work when nothing answers at the base URL (any HTTP answer will do)."""
        try:
            httpx.get(self.base_url + "/models", headers=self.headers, timeout=self.timeout_s)
        except httpx.HTTPError as error:
            raise ModelLoadError(f"{self.option}.base_url={self.base_url!r} is not reachable: {error}") from None

    def client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(headers=self.headers, timeout=httpx.Timeout(self.timeout_s))

    async def post(self, client: httpx.AsyncClient, body: dict[str, Any]) -> dict[str, Any]:
        """The server's JSON answer; :class:`RequestFailed` when it cannot be had."""
        problem = ""
        for attempt in range(self.max_retries + 1):
            if attempt:
                await asyncio.sleep(self.backoff_s * 2 ** (attempt - 1))
            try:
                response = await client.post(self.url, json=body)
            except httpx.TransportError as error:  # timeouts and connection errors
                problem = f"{type(error).__name__}: {error}"
                continue
            if response.status_code in RETRY_STATUS:
                problem = f"HTTP {response.status_code}: {clip(response.text, 200)}"
                continue
            if response.status_code != 200:
                raise RequestFailed(f"HTTP {response.status_code}: {clip(response.text, 200)}")
            try:
                answer = response.json()
            except ValueError as error:
                raise RequestFailed(f"the answer is not JSON ({error}): {clip(response.text, 200)}") from None
            if not isinstance(answer, dict):
                raise RequestFailed(f"the answer is not a JSON object: {clip(response.text, 200)}")
            return answer
        raise RequestFailed(f"gave up after {self.max_retries + 1} attempts; last: {problem}")


def message_content(answer: dict[str, Any]) -> str:
    """The text of the first choice of a chat-completions answer."""
    try:
        content = answer["choices"][0]["message"]["content"]
    except (KeyError, IndexError, TypeError) as error:
        raise RequestFailed(f"unexpected response ({error!r}): {clip(str(answer), 200)}") from error
    if not isinstance(content, str):
        raise RequestFailed(f"the response has no text content: {clip(str(answer), 200)}")
    return content
