"""Strict parsing of a judge's answers: one JSON object matching the rubric's schema (pydantic), or a
:class:`BadAnswer` that says what was wrong and quotes the answer, never a default score.

A 1-5 score is also weighted by the judge's probabilities of the tokens 1..5 at the score's position
(G-Eval, Liu et al. 2023): ``sum_k p(k) * k / sum_k p(k)``, normalised over the five digits. Log-
probabilities that no distribution has (NaN, above 0, summing to more than 1, or no chance at all for
the digit answered) are :class:`ImpossibleLogprobs`: the integer score stands, and the fallback is counted.
"""

from __future__ import annotations

import json
import math
import re
from typing import Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, StrictInt, ValidationError

from harness.core.redaction import redact
from harness.metrics.support.judges.backends import SCORE_TOKENS, TokenChoice

Severity = Literal["minor", "major", "critical"]
Verdict = Literal["supported", "contradicted", "absent"]  # the vocabulary of harness.facts.checker
_FENCE = re.compile(r"^```(?:json)?\s*\n?(.*?)\n?```$", re.DOTALL)
_SCORE = re.compile(r'"score"\s*:\s*"?([1-5])')
Answer = TypeVar("Answer", bound=BaseModel)


class BadAnswer(ValueError):
    """The judge answered something that does not match the rubric's schema."""


class ImpossibleLogprobs(ValueError):
    """The log-probabilities at the score's token are not those of a distribution."""


_SLACK = 1e-3  # rounding the backend may add: log-probabilities up to this above 0, total mass up to 1 + this


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class ScoreAnswer(_Strict):
    score: StrictInt = Field(ge=1, le=5)
    reason: str | None = None


class FactList(_Strict):
    facts: list[str] = Field(min_length=1)


class FactVerdict(_Strict):
    fact: StrictInt = Field(ge=1)
    verdict: Verdict
    span: str = ""


class FactVerdicts(_Strict):
    verdicts: list[FactVerdict]


class ErrorSpan(_Strict):
    span: str
    category: str = Field(min_length=1)
    severity: Severity


class MQMAnswer(_Strict):
    errors: list[ErrorSpan]


def parse_answer(text: str, schema: type[Answer]) -> Answer:
    """The answer as ``schema``: one JSON object (a ```json fence around it is allowed), nothing else."""
    stripped = text.strip()
    fenced = _FENCE.match(stripped)
    body = fenced.group(1).strip() if fenced else stripped
    try:
        data = json.loads(body)
    except json.JSONDecodeError as error:
        raise BadAnswer(f"the judge's answer is not JSON ({error.msg} at char {error.pos}): {_quote(text)}") from None
    try:
        return schema.model_validate(data)
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'answer'}: {e['msg']}" for e in error.errors()[:3])
        raise BadAnswer(f"the judge's answer does not match {schema.__name__} ({problems}): {_quote(text)}") from None


def _check_distribution(top: dict[str, float], answered: str) -> None:
    """Raise :class:`ImpossibleLogprobs` unless ``top`` (alternative -> log-probability) is part of a
    distribution that gives the answered digit a chance."""
    impossible = {alt: lp for alt, lp in top.items() if math.isnan(lp) or lp > _SLACK}
    if impossible:
        raise ImpossibleLogprobs(f"log-probabilities {impossible} at the score's token")
    if sum(math.exp(lp) for lp in top.values()) > 1 + _SLACK:
        raise ImpossibleLogprobs(f"probabilities summing to more than 1 at the score's token: {top}")
    if not any(alt.strip() == answered and lp > -math.inf for alt, lp in top.items()):
        raise ImpossibleLogprobs(f"no chance for the answered digit {answered} at the score's token: {top}")


def _quote(text: str, limit: int = 160) -> str:
    text = redact(text)  # before the cut, which could leave a piece of an echoed key unrecognisable
    return json.dumps(text if len(text) <= limit else text[:limit] + "...", ensure_ascii=False)


def weighted_score(tokens: list[TokenChoice] | None, score: int) -> float | None:
    """``sum p(k) * k`` over the digits 1-5 at the position of the answer's score (probabilities
    normalised over the five digits); None when the token log-probabilities do not show them,
    :class:`ImpossibleLogprobs` when they are not a distribution in which the answer could be chosen."""
    if not tokens:
        return None
    match = _SCORE.search("".join(t.text for t in tokens))
    if match is None or int(match.group(1)) != score:
        return None
    offset = 0
    for token in tokens:
        if offset <= match.start(1) < offset + len(token.text):
            if token.text.strip() != match.group(1):
                return None  # the digit shares its token with other characters: no distribution over 1-5
            _check_distribution(token.top, match.group(1))
            mass = {k: sum(math.exp(lp) for alt, lp in token.top.items() if alt.strip() == k) for k in SCORE_TOKENS}
            return sum(int(k) * p for k, p in mass.items()) / sum(mass.values())
        offset += len(token.text)
    return None
