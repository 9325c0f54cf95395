"""``llm_judge``: scores from a chat model acting as judge, through any chat backend
(``metrics.llm_judge.backend``: an OpenAI-compatible server or a local ``hf_causal`` model), with the
rubrics selected from ``configs/judge/`` (``+judge=geval``, ``+judge=[key_facts,mqm]``).

Each score key's signature names the judge model, the rubric's prompt hash and how answers become
numbers. Requests, tokens and cost go to ``metrics.json`` (``tables.llm_judge``) and ``run.json``
(``metric_usage.llm_judge``); answers are cached (:mod:`harness.metrics.support.judges.client`).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from harness.core.errors import ConfigError
from harness.core.task import TaskSpec
from harness.metrics.base import Metric, ScoringInput
from harness.metrics.metadata import HIGHER, LOWER
from harness.metrics.signature import Signature
from harness.metrics.support.judges.backends import build_backend
from harness.metrics.support.judges.client import JUDGE_CACHE_FILE, JudgeCache, JudgeClient
from harness.metrics.support.judges.rubrics import RUBRICS, Rubric


class LLMJudgeMetric(Metric):
    name = "llm_judge"
    score_keys = {  # MQM error counts are better low; scores, completeness, faithfulness and -MQM high
        "llm_judge.*.minor": LOWER,
        "llm_judge.*.major": LOWER,
        "llm_judge.*.critical": LOWER,
        "llm_judge.*": HIGHER,
    }

    def __init__(self, client: JudgeClient, rubrics: list[Rubric], logprobs: bool) -> None:
        self.client = client
        self.rubrics = rubrics
        self.logprobs = logprobs
        self.device = client.backend.device
        identity = client.backend.identity
        self.judge = ":".join(
            [identity["type"], str(identity["model"])]
            + ([identity["weights_hash"]] if "weights_hash" in identity else [])
        )

    def signature(self) -> str:
        rubrics = ",".join(f"{r.name}:{r.prompt_hash}" for r in self.rubrics)
        settings = {"judge": self.judge, "t": self.client.backend.cfg.temperature, "rubrics": rubrics}
        return Signature("llm_judge", settings).format()

    def signatures(self) -> dict[str, str]:
        signatures = {}
        for rubric in self.rubrics:
            settings = {
                "judge": self.judge,
                "prompt": rubric.prompt_hash,
                "t": self.client.backend.cfg.temperature,
                "scoring": rubric.scoring(),
            }
            signature = Signature(rubric.key, settings, unnamed=["scoring"]).format()
            signatures.update(dict.fromkeys(rubric.score_keys(), signature))
        return signatures

    def score(self, batch: Sequence[ScoringInput]) -> list[dict[str, Any]]:
        results: list[dict[str, Any]] = [{} for _ in batch]
        for rubric in self.rubrics:
            for merged, result in zip(results, rubric.judge(self.client, batch, self.logprobs), strict=True):
                merged.update(result)
        return results

    def tables(self, results: Sequence[dict[str, Any]]) -> dict[str, Any]:
        """Per rubric, the examples judged, those whose judging failed and those whose log-probabilities
        were impossible (scored by the integer answer); the requests, tokens and cost."""
        per_rubric = {
            r.name: {
                "judged": sum(f"{r.key}.error" not in result for result in results),
                "failed": sum(f"{r.key}.error" in result for result in results),
                "invalid_logprobs": sum(f"{r.key}.invalid_logprobs" in result for result in results),
            }
            for r in self.rubrics
        }
        usage = {k: v for k, v in self.usage().items() if k not in ("judge", "prices_per_1m_tokens")}
        return {"llm_judge": per_rubric, "llm_judge.usage": {self.judge: usage}}

    def usage(self) -> dict[str, Any]:
        return self.client.report()


def build_llm_judge(cfg: Any, task: TaskSpec) -> Metric:
    judge = cfg.llm_judge
    if not judge.rubrics:
        raise ConfigError(
            "metric llm_judge needs at least one rubric: +judge=geval (consistency, relevance, coherence, "
            "fluency), +judge=key_facts, +judge=mqm (translation), or several: '+judge=[key_facts,fluency]'"
        )
    settings = {
        "score": {},
        "key_facts": {"max_facts": judge.max_facts},
        "mqm": {"mqm_weights": dict(judge.mqm_weights)},
    }
    rubrics = [RUBRICS[r.kind](name, r, task, settings[r.kind]) for name, r in judge.rubrics.items()]
    cache = JudgeCache(Path(judge.cache_dir) / JUDGE_CACHE_FILE) if judge.cache and judge.cache_dir else None
    backend = build_backend(judge.backend, cfg.device)
    prices = (judge.backend.prompt_price_per_1m, judge.backend.completion_price_per_1m)
    return LLMJudgeMetric(JudgeClient(backend, cache, prices), rubrics, judge.backend.logprobs)
