"""Edges of the key-fact verdicts that change them without another test failing (issue 25 item 6): the
tolerance of an approximate quantity shown in the reason, a mention tied between two facts, and clause
scores at and just below the threshold."""

from __future__ import annotations

from datetime import datetime

import pytest

from harness.facts import check_facts, parse_facts
from harness.facts.clauses import CLAUSE_THRESHOLD

ANCHOR = datetime(2024, 6, 20)
TONNAGE = {
    "id": "ammunition",
    "kind": "quantity",
    "value": 190,
    "unit": "tonne",
    "approximate": True,
    "evidence": "North Korea has sent Russia around 190 tonnes of ammunition",
    "cues": {"en": ["ammunition"]},
}


def _verdict(output: str, spec: list[dict], fact_id: str, **kwargs: object):
    facts = parse_facts(spec, "test")
    return next(v for v in check_facts(output, facts, anchor=ANCHOR, **kwargs) if v.fact_id == fact_id)


def test_a_hedged_number_within_the_tolerance_says_so_in_its_reason() -> None:
    """ "around 200 tonnes" for the approximate 190-tonne fact is supported through its 10% tolerance,
    and the reason says it; the exact figure needs no tolerance and says nothing of it."""
    near = _verdict("North Korea sent Russia around 200 tonnes of ammunition.", [TONNAGE], "ammunition")
    assert near.verdict == "supported"
    assert "within the 10% tolerance of the approximate 190 tonne" in near.reason, near.reason
    exact = _verdict("North Korea sent Russia around 190 tonnes of ammunition.", [TONNAGE], "ammunition")
    assert exact.verdict == "supported" and "tolerance" not in exact.reason, exact.reason
    tight = _verdict(
        "North Korea sent Russia around 200 tonnes of ammunition.", [{**TONNAGE, "tolerance": 0.05}], "ammunition"
    )
    assert tight.verdict == "contradicted" and "tolerance" not in tight.reason, tight.reason


def test_a_mention_tied_between_two_facts_of_one_kind_stays_unbound() -> None:
    """100 tonnes sits one content word from "rice" and one from "wheat": neither fact's event is
    closer, so the number decides nothing (bound to either, it would support or contradict it)."""
    spec = [
        {**TONNAGE, "id": "rice", "value": 100, "approximate": False, "evidence": "100 tonnes of rice",
         "cues": {"en": ["rice"]}},
        {**TONNAGE, "id": "wheat", "value": 300, "approximate": False, "evidence": "300 tonnes of wheat",
         "cues": {"en": ["wheat"]}},
    ]  # fmt: skip
    output = "The rice, 100 tonnes, wheat."
    for fact_id in ("rice", "wheat"):
        v = _verdict(output, spec, fact_id)
        assert v.verdict == "absent", (fact_id, v.verdict, v.reason)
    # Without the tie (wheat further away) the same number binds to rice and supports it.
    assert _verdict("The rice, 100 tonnes, and then the wheat.", spec, "rice").verdict == "supported"


CLAUSE = {
    "id": "defence",
    "kind": "clause",
    "statement": "Each party will assist the other if it is attacked.",
    "evidence": "a mutual defence clause",
    "keywords": {"en": [["ratified"]]},  # not in the output: the score is the similarity alone
}


@pytest.mark.parametrize(
    ("score", "expected"),
    [(CLAUSE_THRESHOLD, "supported"), (CLAUSE_THRESHOLD - 0.01, "absent"), (CLAUSE_THRESHOLD - 0.05, "absent")],
)
def test_a_clause_score_at_the_threshold_supports_and_just_below_it_is_absent(score: float, expected: str) -> None:
    """The clause's score (the similarity here, no keyword matches) is compared with ``>=``: exactly the
    threshold is about the clause, a near miss is not."""
    v = _verdict("The parties will help each other.", [CLAUSE], "defence", similarity=lambda text, ref: score)
    assert v.verdict == expected, v.reason
