"""An output that states both the right and a wrong value of one fact contradicts it: the run's
verdict for the fact is `contradicted` whichever comes first (contradiction wins over support)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from testkit import read_json, read_jsonl

SEED_ID = "russia-dprk-pact-2024"
RIGHT = "The pact was signed in Pyongyang on 19 June 2024."
WRONG = "Russia and North Korea signed the treaty on 20 June 2024."


@pytest.mark.parametrize("output", [f"{RIGHT} {WRONG}", f"{WRONG} {RIGHT}"], ids=["right-first", "wrong-first"])
def test_right_and_wrong_date_together_is_a_contradiction(output: str, run_eval, tmp_path: Path) -> None:
    path = tmp_path / "predictions.jsonl"
    path.write_text(json.dumps({"id": SEED_ID, "output": output}) + "\n", encoding="utf-8")
    run_dir = run_eval("model=predictions", f"model.path={path}", "metrics.names=[facts]")
    assert read_json(run_dir / "metrics.json")["tables"]["facts"]["treaty_date"] == {
        "supported": 0,
        "contradicted": 1,
        "absent": 0,
    }
    [record] = read_jsonl(run_dir / "scores.jsonl")
    verdict = next(v for v in record["details"]["facts.verdicts"] if v["fact_id"] == "treaty_date")
    assert verdict["verdict"] == "contradicted" and "20 June" in verdict["text"]


def test_the_right_date_alone_is_supported(run_eval, tmp_path: Path) -> None:
    path = tmp_path / "predictions.jsonl"
    path.write_text(json.dumps({"id": SEED_ID, "output": RIGHT}) + "\n", encoding="utf-8")
    run_dir = run_eval("model=predictions", f"model.path={path}", "metrics.names=[facts]")
    assert read_json(run_dir / "metrics.json")["tables"]["facts"]["treaty_date"]["supported"] == 1


def lead_verdicts(run_eval, data: Path, rows: list[dict], *overrides: str) -> tuple[Path, dict[str, str]]:
    """``model=lead`` with the facts metric over ``rows`` (``key``, ``doc``, ``facts``) written to
    ``data``: the run folder and each row's verdict of its first fact."""
    data.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    run_dir = run_eval(
        "dataset=files",
        f"dataset.path={data}",
        "dataset.source_column=doc",
        "dataset.reference_column=null",
        "dataset.id_column=key",
        "dataset.facts_column=facts",
        "model=lead",
        "metrics.names=[facts]",
        *overrides,
    )
    verdicts = {r["id"]: r["details"]["facts.verdicts"][0]["verdict"] for r in read_jsonl(run_dir / "scores.jsonl")}
    return run_dir, verdicts


def test_weekdays_resolve_against_the_published_column(run_eval, tmp_path: Path) -> None:
    """``dataset.published_column`` anchors "on Wednesday": the day before a Thursday 20 June 2024
    dateline is the signing date (supported); a week later it is another day (contradicted)."""
    fact = {
        "id": "signed",
        "kind": "date",
        "value": "2024-06-19",
        "evidence": "signed on Wednesday",
        "cues": {"en": ["signed"]},
    }
    rows = [
        {"key": key, "doc": "The treaty was signed on Wednesday in Pyongyang.", "dateline": dateline, "facts": [fact]}
        for key, dateline in [("thu", "2024-06-20"), ("next-week", "2024-06-28")]
    ]
    run_dir, verdicts = lead_verdicts(run_eval, tmp_path / "dated.jsonl", rows, "dataset.published_column=dateline")
    assert verdicts == {"thu": "supported", "next-week": "contradicted"}
    published = {e["id"]: e["meta"]["published"] for e in read_jsonl(run_dir / "examples.jsonl")}
    assert published["thu"].startswith("2024-06-20") and published["next-week"].startswith("2024-06-28")


def test_an_approximate_quantity_allows_its_tolerance_when_hedged(run_eval, tmp_path: Path) -> None:
    """value 200 tonnes, approximate, tolerance 10%: "about 220" is within (the bound included),
    "about 221" is not, and an unhedged 220 is another figure."""
    fact = {
        "id": "aid",
        "kind": "quantity",
        "value": 200,
        "unit": "tonne",
        "approximate": True,
        "evidence": "200 tonnes of aid",
        "cues": {"en": ["aid"]},
    }
    docs = {
        "bound": "About 220 tonnes of aid arrived.",
        "beyond": "About 221 tonnes of aid arrived.",
        "unhedged": "Exactly 220 tonnes of aid arrived.",
        "same": "Around 200 tonnes of aid arrived.",
    }
    rows = [{"key": k, "doc": d, "facts": [fact]} for k, d in docs.items()]
    _, verdicts = lead_verdicts(run_eval, tmp_path / "aid.jsonl", rows)
    assert verdicts == {"bound": "supported", "beyond": "contradicted", "unhedged": "contradicted", "same": "supported"}
