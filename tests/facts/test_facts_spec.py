"""Fact spec loading and validation: malformed specs name file, fact id and field."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from harness.facts import FactSpecError, load_fact_spec, parse_facts, read_fact_sidefile
from harness.facts.dates import PartialDate
from harness.facts.spec import ClauseFact, DateFact, EntityFact, QuantityFact

SEED = Path(__file__).resolve().parents[2] / "seeds" / "russia-dprk-pact.yaml"

GOOD: dict[str, dict[str, Any]] = {
    "date": {"id": "d", "kind": "date", "value": "2024-06-19", "evidence": "signed on 19 June 2024"},
    "quantity": {
        "id": "q",
        "kind": "quantity",
        "value": 190,
        "unit": "tonne",
        "approximate": True,
        "cues": {"en": ["aid"]},
    },
    "entity": {"id": "e", "kind": "entity", "value": "Pyongyang", "aliases": ["Pjongjang"]},
    "clause": {"id": "c", "kind": "clause", "statement": "s", "keywords": {"en": [["a", "b"], ["c"]]}},
}


def test_seed_spec_loads_with_stable_ids() -> None:
    facts = load_fact_spec(SEED)
    assert [f.id for f in facts] == [
        "treaty_date",
        "treaty_parties",
        "treaty_kind",
        "signing_place",
        "mutual_defence_clause",
        "talks_duration",
        "ammunition_tonnage",
        "ammunition_estimate_source",
        "vladivostok_meeting",
        "invasion_year",
        "other_agreements",
        "military_technical_cooperation",
    ]
    by_id = {f.id: f for f in facts}
    assert isinstance(by_id["treaty_date"], DateFact) and by_id["treaty_date"].value == PartialDate(2024, 6, 19)
    assert by_id["vladivostok_meeting"].value == PartialDate(2023, 9)  # type: ignore[union-attr]
    tonnage = by_id["ammunition_tonnage"]
    assert isinstance(tonnage, QuantityFact) and (tonnage.value, tonnage.unit, tonnage.approximate) == (
        190,
        "tonne",
        True,
    )
    parties = by_id["treaty_parties"]
    assert isinstance(parties, EntityFact) and [n[0] for n in parties.names] == ["Russia", "North Korea"]
    clause = by_id["mutual_defence_clause"]
    assert isinstance(clause, ClauseFact) and set(clause.keywords) == {"en", "es", "pl"}
    assert set(clause.negations) == {"en", "es", "pl"}


def test_seed_extension_keeps_original_en_entries() -> None:
    raw = {f["id"]: f for f in yaml.safe_load(SEED.read_text())["facts"]}
    assert raw["mutual_defence_clause"]["keywords"]["en"][0][:3] == ["mutual", "each other", "both"]
    assert raw["treaty_parties"]["aliases"]["Russia"][:2] == ["Moscow", "Kremlin"]


@pytest.mark.parametrize("kind", sorted(GOOD))
def test_each_kind_parses(kind: str) -> None:
    (fact,) = parse_facts([GOOD[kind]], "x.yaml")
    assert fact.kind == kind


BAD: list[tuple[str, dict[str, Any], str, str]] = [
    ("unknown kind", {"id": "f1", "kind": "person", "value": "x"}, "f1", "kind"),
    ("missing kind", {"id": "f2", "value": "x"}, "f2", "kind"),
    ("missing date value", {"id": "f3", "kind": "date"}, "f3", "value"),
    ("unparseable date", {"id": "f4", "kind": "date", "value": "19 June 2024"}, "f4", "value"),
    ("impossible date", {"id": "f5", "kind": "date", "value": "2024-02-30"}, "f5", "value"),
    ("month 13", {"id": "f6", "kind": "date", "value": "2024-13"}, "f6", "value"),
    ("non-numeric quantity", {"id": "f7", "kind": "quantity", "value": "many"}, "f7", "value"),
    ("approximate not bool", {"id": "f8", "kind": "quantity", "value": 2, "approximate": "yes"}, "f8", "approximate"),
    ("entity without value", {"id": "f9", "kind": "entity"}, "f9", "value"),
    (
        "aliases for unknown name",
        {"id": "f10", "kind": "entity", "value": ["A", "B"], "aliases": {"C": ["c"]}},
        "f10",
        "aliases",
    ),
    ("clause without statement", {"id": "f11", "kind": "clause", "keywords": {"en": [["a"]]}}, "f11", "statement"),
    ("clause without keywords", {"id": "f12", "kind": "clause", "statement": "s"}, "f12", "keywords"),
    (
        "empty keyword group",
        {"id": "f13", "kind": "clause", "statement": "s", "keywords": {"es": [[]]}},
        "f13",
        "keywords.es",
    ),
    ("similarity out of range", {**GOOD["clause"], "id": "f14", "similarity": 1.5}, "f14", "similarity"),
    ("negations not a mapping", {**GOOD["clause"], "id": "f15", "negations": ["no"]}, "f15", "negations"),
    ("missing id", {"kind": "date", "value": "2024"}, "#0", "id"),
]


@pytest.mark.parametrize(("case", "raw", "fact_id", "field"), BAD, ids=[b[0] for b in BAD])
def test_malformed_spec_names_file_fact_and_field(
    tmp_path: Path, case: str, raw: dict, fact_id: str, field: str
) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump({"facts": [raw]}))
    with pytest.raises(FactSpecError) as err:
        load_fact_spec(path)
    assert (err.value.origin, err.value.fact_id, err.value.field_name) == (str(path), fact_id, field)
    assert str(path) in str(err.value) and repr(fact_id) in str(err.value) and repr(field) in str(err.value)


def test_duplicate_ids_rejected() -> None:
    with pytest.raises(FactSpecError, match="duplicate"):
        parse_facts([GOOD["date"], GOOD["date"]], "dup.yaml")


def test_side_file_keyed_by_example_id(tmp_path: Path) -> None:
    path = tmp_path / "facts.yaml"
    path.write_text(yaml.safe_dump({"ex1": [GOOD["date"]], "ex2": [GOOD["quantity"], {"id": "z", "kind": "x"}]}))
    with pytest.raises(FactSpecError) as err:
        read_fact_sidefile(path)
    assert "[ex2]" in err.value.origin and err.value.fact_id == "z"
    path.write_text(yaml.safe_dump({"ex1": [GOOD["date"]]}))
    assert read_fact_sidefile(path) == {"ex1": [GOOD["date"]]}
