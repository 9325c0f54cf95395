"""Asking the judge: requests deduplicated, answered from the judge cache where possible, parsed
strictly, and counted (requests, tokens, cost).

The cache (``judge.sqlite`` under ``run.cache_dir``, opened as the other caches are, by
:mod:`harness.core.sqlite_store`) keys an answer by the judge's identity and the whole request
(messages, temperature, token limit, log-probabilities asked); only answers that parsed are stored, so
a failed or garbled answer is asked again next time. A re-run of the same configuration therefore sends
no request at all, and the key facts of a source are listed once, however many outputs share it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from harness.core.sqlite_store import open_sqlite, select_many, write_rows
from harness.core.versions import library_versions
from harness.metrics.support.judges.answers import BadAnswer
from harness.metrics.support.judges.backends import ChatBackend, ChatReply, Messages

JUDGE_CACHE_FILE = "judge.sqlite"  # under run.cache_dir
T = TypeVar("T")


@dataclass
class Failed:
    """Why one request has no usable answer (the request failed, or the answer did not parse)."""

    reason: str


@dataclass
class Usage:
    requests: int = 0  # sent to the judge (after the cache)
    cached: int = 0  # answered from the cache or from an identical request of this run
    failed: int = 0  # requests without a reply, or whose reply did not parse
    prompt_tokens: int = 0
    completion_tokens: int = 0


class JudgeCache:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._db = open_sqlite(
            path,
            "CREATE TABLE IF NOT EXISTS answers (judge TEXT NOT NULL, request TEXT NOT NULL, reply TEXT NOT NULL,"
            " PRIMARY KEY (judge, request)) WITHOUT ROWID",
            option="metrics.llm_judge.cache_dir",
        )

    def get(self, judge: str, requests: Sequence[str]) -> dict[str, ChatReply]:
        rows = select_many(
            self._db, "SELECT request, reply FROM answers WHERE judge = ? AND request IN ({})", judge, requests
        )
        return {request: ChatReply.from_json(json.loads(reply)) for request, reply in rows}

    def put(self, judge: str, replies: dict[str, ChatReply]) -> None:
        rows = [(judge, request, json.dumps(reply.as_json())) for request, reply in replies.items()]
        write_rows(self._db, "INSERT OR REPLACE INTO answers VALUES (?, ?, ?)", rows)

    def close(self) -> None:
        self._db.close()


def _digest(payload: Any) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()


class JudgeClient:
    """``ask`` a batch of conversations of one rubric; every answer goes through ``parse``."""

    def __init__(self, backend: ChatBackend, cache: JudgeCache | None, prices: tuple[float, float]) -> None:
        self.backend = backend
        self.cache = cache
        self.prices = prices  # per million prompt and completion tokens
        self.usage = Usage()
        versions = library_versions() if backend.identity["type"] != "openai_compatible" else {}
        self.judge_key = _digest({"identity": backend.identity, "libraries": versions})
        self._memory: dict[str, ChatReply] = {}  # answers that parsed, this run

    def ask(
        self, conversations: Sequence[Messages], logprobs: bool, parse: Callable[[ChatReply], T]
    ) -> list[T | Failed]:
        cfg = self.backend.cfg
        settings = {
            "temperature": cfg.temperature,
            "max_tokens": cfg.max_tokens,
            "top_logprobs": cfg.top_logprobs if logprobs else None,
        }
        keys = [_digest({"messages": c, **settings}) for c in conversations]
        known = {k: self._memory[k] for k in keys if k in self._memory}
        if self.cache is not None:
            known.update(self.cache.get(self.judge_key, [k for k in keys if k not in known]))
        todo = {k: c for k, c in zip(keys, conversations, strict=True) if k not in known}
        self.usage.cached += len(keys) - len(todo)
        fresh = dict(zip(todo, self.backend.chat(list(todo.values()), logprobs), strict=True)) if todo else {}
        self.usage.requests += len(fresh)
        for reply in fresh.values():
            self.usage.prompt_tokens += reply.prompt_tokens
            self.usage.completion_tokens += reply.completion_tokens
        outcomes: dict[str, T | Failed] = {}
        good: dict[str, ChatReply] = {}
        for key, reply in {**known, **fresh}.items():
            outcomes[key] = self._parse(reply, parse)
            if key in fresh and not isinstance(outcomes[key], Failed):
                good[key] = reply
        self.usage.failed += sum(isinstance(outcomes[k], Failed) for k in fresh)
        self._memory.update(good)
        if self.cache is not None:
            self.cache.put(self.judge_key, good)
        return [outcomes[k] for k in keys]

    @staticmethod
    def _parse(reply: ChatReply, parse: Callable[[ChatReply], T]) -> T | Failed:
        if reply.text is None:
            return Failed(f"the judge request failed: {reply.error}")
        try:
            return parse(reply)
        except BadAnswer as error:
            return Failed(str(error))

    def report(self) -> dict[str, Any]:
        """Requests, tokens and cost (at the configured prices) of this run's judging."""
        prompt_price, completion_price = self.prices
        cost = (self.usage.prompt_tokens * prompt_price + self.usage.completion_tokens * completion_price) / 1e6
        return {
            "judge": self.backend.identity,
            "requests": self.usage.requests,
            "cached": self.usage.cached,
            "failed": self.usage.failed,
            "prompt_tokens": self.usage.prompt_tokens,
            "completion_tokens": self.usage.completion_tokens,
            "cost": cost,
            "prices_per_1m_tokens": {"prompt": prompt_price, "completion": completion_price},
        }
