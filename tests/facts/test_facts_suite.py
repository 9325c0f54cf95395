"""The labelled suite (tests/facts/facts_suite/*.yaml): every verdict of every fact for 277 outputs in en, es and pl."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache

import pytest

from facts_suite import SEED, Case, load_cases
from harness.facts import check_facts, load_fact_spec
from harness.metrics.support.embedder import sentence_similarity

ANCHOR = datetime(2024, 6, 20, 7, 52)


@lru_cache(maxsize=1)
def facts() -> tuple:
    return load_fact_spec(SEED)


CASES = load_cases([f.id for f in facts()])


def test_the_suite_is_large_varied_and_complete() -> None:
    assert len(CASES) >= 100
    assert {c.lang for c in CASES} == {"en", "es", "pl"}
    for fact in facts():
        seen = {c.expected[fact.id] for c in CASES}
        assert seen == {"supported", "contradicted", "absent"} or fact.kind == "entity" and "supported" in seen, fact.id


@pytest.mark.parametrize(
    "case",
    [pytest.param(c, marks=pytest.mark.xfail(strict=True, reason=c.gap)) if c.gap else c for c in CASES],
    ids=[c.id for c in CASES],
)
def test_every_verdict_of_the_case(case: Case) -> None:
    verdicts = check_facts(case.output, facts(), anchor=ANCHOR, lang=case.lang, similarity=sentence_similarity)
    got = {v.fact_id: v.verdict for v in verdicts}
    assert got == case.expected
    for v in verdicts:
        assert v.reason  # every verdict says why
        if v.span is not None:
            assert case.output[v.span[0] : v.span[1]] == v.text
