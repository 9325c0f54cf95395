"""Judge rubrics: what is asked of the judge for each (source, output) pair, and the scores made of its
answers. Kinds (``metrics.llm_judge.rubrics.<name>.kind``; presets in ``configs/judge/``):

- ``score``: a G-Eval-style 1-5 score, probability-weighted where the judge gives log-probabilities;
- ``key_facts``: the source's key facts listed once per source, then a verdict per fact for the output
  (``supported``, ``contradicted``, ``absent``: the vocabulary of :mod:`harness.facts`);
- ``mqm``: error spans with category and severity; the score is minus the weighted error count.

An example whose judge answer fails or does not parse gets no score for that rubric (it is left out of
the mean and counted), and the reason in ``details["llm_judge.<name>.error"]``.
"""

from __future__ import annotations

import hashlib
import json
import re
from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any, ClassVar

from omegaconf import OmegaConf

from harness.core.errors import ConfigError
from harness.core.task import TaskSpec
from harness.metrics.base import ScoringInput
from harness.metrics.support.judges.answers import (
    BadAnswer,
    FactList,
    FactVerdict,
    FactVerdicts,
    ImpossibleLogprobs,
    MQMAnswer,
    ScoreAnswer,
    parse_answer,
    weighted_score,
)
from harness.metrics.support.judges.backends import ChatReply, Messages
from harness.metrics.support.judges.client import Failed, JudgeClient
from harness.models.prompting import language_name

_PLACEHOLDER = re.compile(r"\{(source|output|facts|source_lang|target_lang|max_facts)\}")
Result = dict[str, Any]


def fill(template: str, **values: str) -> str:
    """``template`` with its known placeholders filled in; other braces (JSON examples) stay as written."""
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), template)


class Rubric(ABC):
    suffixes: ClassVar[tuple[str, ...]]  # of the numeric score keys, after ``llm_judge.<name>``

    def __init__(self, name: str, cfg: Any, task: TaskSpec, settings: dict[str, Any]) -> None:
        self.name = name
        self.key = f"llm_judge.{name}"
        self.cfg = cfg
        self.task = task
        option = f"metrics.llm_judge.rubrics.{name}"
        if task.name not in cfg.tasks:
            raise ConfigError(f"{option}.tasks={list(cfg.tasks)}: this rubric does not judge task={task.name}")
        for field, needed in self.placeholders().items():
            text = cfg[field]
            if not text or not all(f"{{{p}}}" in text for p in needed):
                raise ConfigError(f"{option}.{field} must contain {', '.join('{' + p + '}' for p in needed)}")
        payload = {"rubric": OmegaConf.to_container(cfg), "settings": settings}
        self.prompt_hash = hashlib.sha256(json.dumps(payload, sort_keys=True).encode("utf-8")).hexdigest()[:12]

    def score_keys(self) -> list[str]:
        return [self.key + suffix for suffix in self.suffixes]

    @abstractmethod
    def placeholders(self) -> dict[str, tuple[str, ...]]:
        """The placeholders each prompt field must contain."""

    @abstractmethod
    def judge(self, client: JudgeClient, batch: Sequence[ScoringInput], logprobs: bool) -> list[Result]:
        """One result dict per input."""

    def scoring(self) -> str:
        """How the answers become numbers (named in the signature)."""
        return self.cfg.kind

    def messages(self, template: str, item: ScoringInput | None, source: str, **extra: str) -> Messages:
        text = fill(
            template,
            source=source,
            output=item.output if item else "",
            source_lang=language_name(self.task.source_lang),
            target_lang=language_name(self.task.target_lang),
            **extra,
        )
        system = [{"role": "system", "content": self.cfg.system}] if self.cfg.system else []
        return [*system, {"role": "user", "content": text}]

    def failed(self, outcome: Failed) -> Result:
        return {f"{self.key}.error": outcome.reason}


class ScoreRubric(Rubric):
    suffixes = ("", ".integer")

    def __init__(self, name: str, cfg: Any, task: TaskSpec, settings: dict[str, Any]) -> None:
        super().__init__(name, cfg, task, settings)
        self.weighted = 0
        self.integer = 0

    def placeholders(self) -> dict[str, tuple[str, ...]]:
        return {"prompt": ("output",)}

    def judge(self, client: JudgeClient, batch: Sequence[ScoringInput], logprobs: bool) -> list[Result]:
        def parse(reply: ChatReply) -> tuple[int, float | None, str | None]:
            score = parse_answer(reply.text or "", ScoreAnswer).score
            try:
                return score, weighted_score(reply.tokens, score) if logprobs else None, None
            except ImpossibleLogprobs as error:
                return score, None, str(error)

        asked = [self.messages(self.cfg.prompt, item, item.example.source) for item in batch]
        results = []
        for outcome in client.ask(asked, logprobs, parse):
            if isinstance(outcome, Failed):
                results.append(self.failed(outcome))
                continue
            score, weighted, impossible = outcome
            self.weighted += weighted is not None
            self.integer += weighted is None
            result: Result = {
                self.key: weighted if weighted is not None else float(score),
                f"{self.key}.integer": float(score),
                f"{self.key}.weighted": weighted is not None,
            }
            if impossible:
                result[f"{self.key}.invalid_logprobs"] = impossible  # the integer score stands; counted
            results.append(result)
        return results

    def scoring(self) -> str:
        if self.integer and self.weighted:
            return f"score:1-5,prob-weighted:{self.weighted},integer:{self.integer}"
        return "score:1-5,integer" if self.integer else "score:1-5,prob-weighted"


class KeyFactsRubric(Rubric):
    suffixes = (".completeness", ".faithfulness")

    def __init__(self, name: str, cfg: Any, task: TaskSpec, settings: dict[str, Any]) -> None:
        super().__init__(name, cfg, task, settings)
        self.max_facts = settings["max_facts"]

    def placeholders(self) -> dict[str, tuple[str, ...]]:
        return {"facts_prompt": ("source",), "prompt": ("facts", "output")}

    def judge(self, client: JudgeClient, batch: Sequence[ScoringInput], logprobs: bool) -> list[Result]:
        sources = list(dict.fromkeys(item.example.source for item in batch))
        listed = client.ask(
            [self.messages(self.cfg.facts_prompt, None, s, max_facts=str(self.max_facts)) for s in sources],
            False,
            lambda reply: parse_answer(reply.text or "", FactList).facts[: self.max_facts],
        )
        facts_of = dict(zip(sources, listed, strict=True))
        pending = [(i, item, facts_of[item.example.source]) for i, item in enumerate(batch)]
        results: list[Result] = [{} for _ in batch]
        asked: list[tuple[int, list[str]]] = []
        conversations = []
        for i, item, facts in pending:
            if isinstance(facts, Failed):
                results[i] = self.failed(Failed(f"listing the source's key facts: {facts.reason}"))
                continue
            numbered = "\n".join(f"{n}. {fact}" for n, fact in enumerate(facts, 1))
            conversations.append(self.messages(self.cfg.prompt, item, item.example.source, facts=numbered))
            asked.append((i, facts))
        verdicts = client.ask(conversations, False, lambda reply: parse_answer(reply.text or "", FactVerdicts))
        for (i, facts), outcome in zip(asked, verdicts, strict=True):
            if isinstance(outcome, Failed):
                results[i] = self.failed(outcome)
                continue
            try:
                results[i] = self._result(facts, outcome.verdicts)
            except BadAnswer as error:
                results[i] = self.failed(Failed(str(error)))
        return results

    def _result(self, facts: list[str], verdicts: list[FactVerdict]) -> Result:
        numbers = sorted(v.fact for v in verdicts)
        if numbers != list(range(1, len(facts) + 1)):
            raise BadAnswer(f"the judge's verdicts name facts {numbers}; expected each of 1..{len(facts)} once")
        counts = {v: sum(x.verdict == v for x in verdicts) for v in ("supported", "contradicted", "absent")}
        return {
            f"{self.key}.completeness": counts["supported"] / len(facts),
            f"{self.key}.faithfulness": 1 - counts["contradicted"] / len(facts),
            f"{self.key}.verdicts": [
                {"fact": facts[v.fact - 1], "verdict": v.verdict, "span": v.span}
                for v in sorted(verdicts, key=lambda x: x.fact)
            ],
        }


class MQMRubric(Rubric):
    suffixes = ("", ".minor", ".major", ".critical")

    def __init__(self, name: str, cfg: Any, task: TaskSpec, settings: dict[str, Any]) -> None:
        super().__init__(name, cfg, task, settings)
        weights = dict(settings["mqm_weights"])
        if set(weights) != {"minor", "major", "critical"}:
            raise ConfigError(
                f"metrics.llm_judge.mqm_weights={weights}: expected weights for minor, major and critical"
            )
        self.weights = weights

    def placeholders(self) -> dict[str, tuple[str, ...]]:
        return {"prompt": ("source", "output")}

    def judge(self, client: JudgeClient, batch: Sequence[ScoringInput], logprobs: bool) -> list[Result]:
        asked = [self.messages(self.cfg.prompt, item, item.example.source) for item in batch]
        results = []
        for outcome in client.ask(asked, False, lambda reply: parse_answer(reply.text or "", MQMAnswer)):
            if isinstance(outcome, Failed):
                results.append(self.failed(outcome))
                continue
            errors = [e.model_dump() for e in outcome.errors]
            results.append(
                {
                    self.key: -sum(self.weights[e["severity"]] for e in errors),
                    **{f"{self.key}.{s}": float(sum(e["severity"] == s for e in errors)) for s in self.weights},
                    f"{self.key}.errors": errors,
                }
            )
        return results

    def scoring(self) -> str:
        return "mqm:-(" + ",".join(f"{k}*{v:g}" for k, v in sorted(self.weights.items())) + ")"


RUBRICS: dict[str, type[Rubric]] = {"score": ScoreRubric, "key_facts": KeyFactsRubric, "mqm": MQMRubric}
