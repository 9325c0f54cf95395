"""Key facts through the whole run: verdicts in scores.jsonl, recall and per-fact tables in metrics.json."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from harness.core.errors import InputError
from harness.facts.spec import FactSpecError
from testkit import FRANK, ROOT, read_json, read_jsonl, requires_shared

SEED_ID = "russia-dprk-pact-2024"
WRONG_DATE = "Russia and North Korea signed a mutual defence treaty in Pyongyang on 20 June 2024."


def predictions(tmp_path: Path, output: str) -> Path:
    path = tmp_path / "predictions.jsonl"
    path.write_text(json.dumps({"id": SEED_ID, "output": output}) + "\n", encoding="utf-8")
    return path


def test_a_wrong_signing_date_is_a_contradiction_in_the_run(run_eval, tmp_path: Path) -> None:
    run_dir = run_eval(
        "model=predictions", f"model.path={predictions(tmp_path, WRONG_DATE)}", "metrics.names=[rouge,facts]"
    )
    metrics = read_json(run_dir / "metrics.json")
    assert metrics["metrics"]["facts.treaty_date.contradicted"]["value"] == 1.0
    assert metrics["tables"]["facts"]["treaty_date"] == {"supported": 0, "contradicted": 1, "absent": 0}
    assert metrics["tables"]["facts"]["signing_place"]["supported"] == 1
    assert metrics["metrics"]["facts.contradiction_rate"]["value"] > 0
    [record] = read_jsonl(run_dir / "scores.jsonl")
    verdict = next(v for v in record["details"]["facts.verdicts"] if v["fact_id"] == "treaty_date")
    start, end = verdict["span"]
    assert (
        verdict["verdict"] == "contradicted"
        and WRONG_DATE[start:end] == verdict["text"]
        and "20 June" in verdict["text"]
    )


def test_lead_reports_fact_recall_and_contradictions(run_eval) -> None:
    metrics = read_json(run_eval("model=lead", "metrics.names=[facts,auto_facts]") / "metrics.json")
    assert {"facts.recall", "facts.contradiction_rate"} <= set(metrics["metrics"])
    assert 0 < metrics["metrics"]["facts.recall"]["value"] < 1
    assert set(metrics["tables"]["facts"]) == {
        f["id"] for f in yaml.safe_load((ROOT / "seeds/russia-dprk-pact.yaml").read_text())["facts"]
    }


def test_a_malformed_fact_spec_fails_at_load_naming_file_fact_and_field(run_eval, tmp_path: Path) -> None:
    spec = yaml.safe_load((ROOT / "seeds/russia-dprk-pact.yaml").read_text())
    spec["facts"][0]["value"] = "2024-13-45"
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(spec, allow_unicode=True))
    (tmp_path / spec["source_file"]).write_text((ROOT / "seeds" / spec["source_file"]).read_text())
    with pytest.raises(FactSpecError) as error:
        run_eval(f"dataset.spec={bad}")
    message = str(error.value)
    assert str(bad) in message and "treaty_date" in message and "value" in message
    assert not (tmp_path / "results").exists()


RAIN = {"id": "rain_date", "kind": "date", "value": "2024-06-19", "cues": {"en": ["rain"]}}
FLOOD = {
    "id": "flooded_streets",
    "kind": "quantity",
    "value": 12,
    "cues": {"en": ["streets"]},
    "evidence": "12 streets flooded",
}  # a count: no unit (units are measures: tonne, hour, ...)
RAIN_ROWS = [  # a date and a quantity fact in one column: Arrow gives each the other's fields as nulls
    {"key": "a", "doc": "Rain fell on 19 June 2024 in Paris. Then 12 streets flooded.", "facts": [RAIN, FLOOD]},
    {"key": "b", "doc": "Rain fell on 20 June 2024 in Paris. Then 12 streets flooded.", "facts": [RAIN]},
    {"key": "c", "doc": "Nothing happened in Paris.", "facts": []},
]


def _rain_dataset(tmp_path: Path, *, in_column: bool) -> list[str]:
    rows = [dict(r) if in_column else {k: v for k, v in r.items() if k != "facts"} for r in RAIN_ROWS]
    data = tmp_path / "rain.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    overrides = [
        "dataset=files",
        f"dataset.path={data}",
        "dataset.source_column=doc",
        "dataset.reference_column=null",
        "dataset.id_column=key",
        "model=lead",
        "model.k=1",
        "metrics.names=[facts]",
    ]
    if in_column:
        return [*overrides, "dataset.facts_column=facts"]
    side = tmp_path / "rain-facts.yaml"
    side_facts = yaml.safe_dump({r["key"]: r["facts"] for r in RAIN_ROWS if r["facts"]})
    side.write_text(side_facts.replace("'2024-06-19'", "2024-06-19"), encoding="utf-8")  # a YAML date, unquoted
    return [*overrides, f"dataset.facts_file={side}"]


@pytest.mark.parametrize("in_column", [False, True], ids=["facts_file", "facts_column"])
def test_dataset_facts_from_a_side_file_or_a_column(run_eval, tmp_path: Path, in_column: bool) -> None:
    run_dir = run_eval(*_rain_dataset(tmp_path, in_column=in_column))
    verdicts = {
        r["id"]: [v["verdict"] for v in r["details"].get("facts.verdicts", [])]
        for r in read_jsonl(run_dir / "scores.jsonl")
    }
    assert verdicts == {"a": ["supported", "absent"], "b": ["contradicted"], "c": []}
    recorded = {e["id"]: e["meta"].get("facts", []) for e in read_jsonl(run_dir / "examples.jsonl")}
    assert recorded == {r["key"]: r["facts"] for r in RAIN_ROWS}  # as written: no nulls, dates as strings
    assert read_json(run_dir / "metrics.json")["tables"]["facts"]["rain_date"] == {
        "supported": 1,
        "contradicted": 1,
        "absent": 0,
    }


def test_a_bad_facts_file_names_the_file_and_example(run_eval, tmp_path: Path) -> None:
    overrides = _rain_dataset(tmp_path, in_column=False)
    side = tmp_path / "rain-facts.yaml"
    side.write_text(yaml.safe_dump({"a": [RAIN], "b": [{**RAIN, "value": "19th of Junember"}]}), encoding="utf-8")
    with pytest.raises(FactSpecError) as error:
        run_eval(*overrides)
    assert f"{side}[b]" in str(error.value) and "rain_date" in str(error.value) and "value" in str(error.value)
    side.write_text("- just a list\n", encoding="utf-8")
    with pytest.raises(FactSpecError, match="mapping from example id"):
        run_eval(*overrides)
    with pytest.raises(InputError, match="dataset.facts_file"):
        run_eval(*overrides[:-1], f"dataset.facts_file={tmp_path / 'missing.yaml'}")
    assert not (tmp_path / "results").exists()


@requires_shared
@pytest.mark.slow
def test_frank_unsupported_rates_per_system(run_eval) -> None:
    rates = {}
    for system in ("bart", "BERTS2S"):
        run_dir = run_eval(
            "model=predictions",
            "model.column=summary",
            "dataset=frank",
            f"dataset.path={FRANK}",
            f"+dataset.where.system={system}",
            "metrics.names=[auto_facts]",
        )
        rates[system] = read_json(run_dir / "metrics.json")["metrics"]
    # XSum-style BERTS2S invents numbers and names far more often than CNN/DM BART (FRANK's human labels agree).
    assert (
        rates["BERTS2S"]["auto_facts.unsupported_rate"]["value"]
        > 3 * rates["bart"]["auto_facts.unsupported_rate"]["value"]
    )
    assert rates["BERTS2S"]["auto_facts.unsupported_numbers"]["n"] == 74


def test_clause_similarity_threshold_supports_a_paraphrase(run_eval, tmp_path: Path) -> None:
    spec = yaml.safe_load((ROOT / "seeds/russia-dprk-pact.yaml").read_text())
    clause = next(f for f in spec["facts"] if f["id"] == "other_agreements")
    paraphrase = "The two states also concluded pacts covering medicine, universities and research."
    output = predictions(tmp_path, paraphrase)

    def verdict(threshold: float | None) -> str:
        clause.pop("similarity", None)
        if threshold is not None:
            clause["similarity"] = threshold
        folder = tmp_path / f"spec-{threshold}"
        folder.mkdir()
        (folder / "spec.yaml").write_text(yaml.safe_dump(spec, allow_unicode=True))
        (folder / spec["source_file"]).write_text((ROOT / "seeds" / spec["source_file"]).read_text())
        run_dir = run_eval(
            f"dataset.spec={folder / 'spec.yaml'}", "model=predictions", f"model.path={output}", "metrics.names=[facts]"
        )
        return read_json(run_dir / "metrics.json")["tables"]["facts"]["other_agreements"]

    assert verdict(None) == {"supported": 0, "contradicted": 0, "absent": 1}  # no keyword matches
    assert verdict(0.3) == {"supported": 1, "contradicted": 0, "absent": 0}
    assert verdict(0.99) == {"supported": 0, "contradicted": 0, "absent": 1}
