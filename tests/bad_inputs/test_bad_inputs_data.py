"""Bad data, predictions and facts files: one line naming the file (and line, byte or field), exit 2, no
run folder written and nothing changed (issue 10 items 2, 3, 12-16)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bad_input import assert_one_line_error, tree_digest
from testkit import read_json, read_jsonl, run_harness

Cli = Callable[..., tuple[int, str, str]]
QUICK = ("metrics.names=[rouge]", "metrics.bootstrap_samples=10", "run.cache=false")


def write_jsonl(path: Path, rows: list[Any]) -> Path:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


ROWS = [
    {"id": f"d{i}", "source": f"Article {i} says that {i} ships sailed. Then it rained.", "reference": f"{i} ships"}
    for i in range(3)
]


def files_run(data: Path, *overrides: str) -> list[str]:
    return [
        "run",
        f"run.output_root={data.parent / 'results'}",
        "dataset=files",
        f"dataset.path={data}",
        "dataset.id_column=id",
        "model=lead",
        *QUICK,
        *overrides,
    ]


def expect_refusal(cli: Cli, tmp_path: Path, args: list[str], *culprits: str) -> str:
    """Run ``args``; one line naming ``culprits``, exit 2, nothing under ``tmp_path`` changed or added."""
    before = tree_digest(tmp_path)
    status, stderr, _ = cli(*args)
    line = assert_one_line_error(status, stderr, *culprits)
    assert tree_digest(tmp_path) == before
    return line


def expect_fact_refusal(cli: Cli, tmp_path: Path, fact: str, *culprits: str) -> str:
    """A facts file with one fact (YAML flow mapping) for example ``d0``, refused naming ``culprits``."""
    data = write_jsonl(tmp_path / "data.jsonl", ROWS)
    facts = tmp_path / "facts.yaml"
    facts.write_text(f"d0:\n  - {fact}\n", encoding="utf-8")
    return expect_refusal(
        cli, tmp_path, files_run(data, f"dataset.facts_file={facts}"), *(c.format(facts=facts) for c in culprits)
    )


def test_non_utf8_dataset_file_names_line_and_byte(cli: Cli, tmp_path: Path) -> None:
    data = write_jsonl(tmp_path / "data.jsonl", ROWS)
    data.write_bytes(data.read_bytes() + b'{"id": "d9", "source": "caf\xe9", "reference": "x"}\n')
    line = expect_refusal(cli, tmp_path, files_run(data), f"dataset.path: {data} line 4", "not UTF-8")
    offset = data.read_bytes().index(b"\xe9")
    assert f"(byte {offset})" in line


def test_non_utf8_predictions_file(cli: Cli, tmp_path: Path) -> None:
    data = write_jsonl(tmp_path / "data.jsonl", ROWS)
    outputs = tmp_path / "system.txt"
    outputs.write_bytes(b"one\n\xff\xfetwo\nthree\n")
    expect_refusal(
        cli,
        tmp_path,
        files_run(data, "model=predictions", f"model.path={outputs}"),
        f"model.path: {outputs} line 2 (byte 4)",
        "not UTF-8",
    )


def test_non_utf8_reference_file(cli: Cli, tmp_path: Path) -> None:
    reference = tmp_path / "ref.de"
    reference.write_bytes(b"gut\nsch\xf6n\n")
    outputs = tmp_path / "system.de"
    outputs.write_text("gut\nschon\n", encoding="utf-8")
    args = [
        "run",
        f"run.output_root={tmp_path / 'results'}",
        "task=translate",
        "task.target_lang=de",
        "dataset=parallel_text",
        f"dataset.references=[{reference}]",
        "model=predictions",
        f"model.path={outputs}",
        "metrics.names=[bleu]",
    ]
    expect_refusal(cli, tmp_path, args, f"dataset.references: {reference} line 2 (byte 7)", "not UTF-8")


def test_non_utf8_facts_file(cli: Cli, tmp_path: Path) -> None:
    data = write_jsonl(tmp_path / "data.jsonl", ROWS)
    facts = tmp_path / "facts.yaml"
    facts.write_bytes(b'd0:\n  - {id: ships, kind: entity, value: "Se\xf1or"}\n')
    expect_refusal(cli, tmp_path, files_run(data, f"dataset.facts_file={facts}"), f"{facts} line 2", "not UTF-8")


def test_empty_dataset_file(cli: Cli, tmp_path: Path) -> None:
    data = tmp_path / "data.jsonl"
    data.write_text("", encoding="utf-8")
    expect_refusal(cli, tmp_path, files_run(data), f"dataset.path: {data} is empty")


def test_empty_predictions_file(cli: Cli, tmp_path: Path) -> None:
    data = write_jsonl(tmp_path / "data.jsonl", ROWS)
    outputs = tmp_path / "system.txt"
    outputs.write_text("\n\n", encoding="utf-8")
    expect_refusal(
        cli, tmp_path, files_run(data, "model=predictions", f"model.path={outputs}"), f"model.path: {outputs} is empty"
    )


def test_malformed_jsonl_line_is_named(cli: Cli, tmp_path: Path) -> None:
    data = tmp_path / "data.jsonl"
    data.write_text(json.dumps(ROWS[0]) + '\n{"id": "d1", "source": \n' + json.dumps(ROWS[2]) + "\n", encoding="utf-8")
    expect_refusal(cli, tmp_path, files_run(data), f"dataset.path: {data} line 2: not JSON")


def test_a_folder_as_dataset_path(cli: Cli, tmp_path: Path) -> None:
    folder = tmp_path / "data.jsonl"
    folder.mkdir()
    expect_refusal(cli, tmp_path, files_run(folder), f"dataset.path: {folder} is a folder")


def test_predictions_line_that_is_not_an_object(cli: Cli, tmp_path: Path) -> None:
    data = write_jsonl(tmp_path / "data.jsonl", ROWS)
    outputs = write_jsonl(tmp_path / "outputs.jsonl", [{"id": "d0", "output": "x"}, 7, {"id": "d2", "output": "y"}])
    expect_refusal(
        cli,
        tmp_path,
        files_run(data, "model=predictions", f"model.path={outputs}"),
        f"model.path: {outputs} line 2",
        "expected a JSON object",
    )


def test_predictions_text_file_longer_than_the_dataset(cli: Cli, tmp_path: Path) -> None:
    data = write_jsonl(tmp_path / "data.jsonl", ROWS)
    outputs = tmp_path / "system.txt"
    outputs.write_text("a\nb\nc\nd\n", encoding="utf-8")
    expect_refusal(
        cli,
        tmp_path,
        files_run(data, "model=predictions", f"model.path={outputs}"),
        f"model.path {outputs}",
        "has 4 lines but the dataset has 3 rows",
    )


def test_facts_column_holding_non_json(cli: Cli, tmp_path: Path) -> None:
    data = write_jsonl(tmp_path / "data.jsonl", [{**row, "facts": "[{id: x"} for row in ROWS])
    expect_refusal(
        cli,
        tmp_path,
        files_run(data, "dataset.facts_column=facts"),
        f"{data} column facts row 0",
        "expected a JSON list of facts",
    )


def test_facts_file_whose_ids_match_no_example(cli: Cli, tmp_path: Path) -> None:
    data = write_jsonl(tmp_path / "data.jsonl", ROWS)
    facts = tmp_path / "facts.yaml"
    facts.write_text("article-0:\n  - {id: ships, kind: entity, value: ships}\n", encoding="utf-8")
    expect_refusal(
        cli, tmp_path, files_run(data, f"dataset.facts_file={facts}"), f"dataset.facts_file: {facts}", "article-0", "d0"
    )


@pytest.mark.parametrize(
    ("fact", "field"),
    [
        ("{id: n, kind: quantity, value: 3, unit: tonne, aproximate: true}", "aproximate"),
        ("{id: n, kind: date, value: '2024-06-19', unti: '2024-06-20'}", "unti"),
    ],
)
def test_misspelt_fact_field_is_named(cli: Cli, tmp_path: Path, fact: str, field: str) -> None:
    expect_fact_refusal(cli, tmp_path, fact, f"{{facts}}[d0]: fact 'n': field '{field}': unknown field")


@pytest.mark.parametrize("unit", ["tones", "soldiers"])
def test_unknown_quantity_unit_lists_the_known_ones(cli: Cli, tmp_path: Path, unit: str) -> None:
    expect_fact_refusal(
        cli,
        tmp_path,
        f"{{id: n, kind: quantity, value: 3, unit: {unit}}}",
        f"{{facts}}[d0]: fact 'n': field 'unit': unknown unit '{unit}'",
        "kilogram",
        "tonne",
    )


def test_a_where_that_matches_nothing(cli: Cli, tmp_path: Path) -> None:
    data = write_jsonl(tmp_path / "data.jsonl", ROWS)
    expect_refusal(cli, tmp_path, files_run(data, "+dataset.where.id=nope"), "no example to evaluate", "where")


def test_no_column_error_lists_only_the_files_columns(cli: Cli, tmp_path: Path) -> None:
    data = write_jsonl(tmp_path / "data.jsonl", ROWS)
    line = expect_refusal(
        cli,
        tmp_path,
        files_run(data, "dataset.reference_column=summary"),
        "dataset.reference_column: no column 'summary'",
        "'source'",
    )
    assert "__harness_row__" not in line


@pytest.mark.parametrize("option", ["metrics.bertscore.model", "metrics.nli.name_or_path"])
def test_a_metric_model_that_does_not_exist(cli: Cli, tmp_path: Path, option: str) -> None:
    data = write_jsonl(tmp_path / "data.jsonl", ROWS)
    missing = tmp_path / "no-such-model"
    metric = "bertscore" if option == "metrics.bertscore.model" else "nli_faithfulness"
    expect_refusal(
        cli,
        tmp_path,
        files_run(data, f"metrics.names=[{metric}]", f"{option}={missing}"),
        f"{option}='{missing}' could not be loaded",
    )


def test_blank_references_are_dropped_and_counted(tmp_path: Path) -> None:
    """Scored, ROUGE 0 would pull the mean down: a blank reference is treated as a missing one."""
    rows = [{**ROWS[0], "reference": ROWS[0]["source"]}, {**ROWS[1], "reference": "  "}, {**ROWS[2], "reference": ""}]
    data = write_jsonl(tmp_path / "data.jsonl", rows)
    run_dir = run_harness(tmp_path / "results", *files_run(data)[2:])
    metrics = read_json(run_dir / "metrics.json")
    assert metrics["n_blank_references"] == 2
    assert metrics["metrics"]["rouge1"]["n"] == 1 and metrics["metrics"]["rouge1"]["value"] > 0.5
    assert [e["references"] for e in read_jsonl(run_dir / "examples.jsonl")] == [[rows[0]["reference"]], [], []]
    assert "blank references dropped: 2" in (run_dir / "summary.md").read_text(encoding="utf-8")


def test_a_facts_file_is_matched_against_the_whole_selection_not_the_shard(tmp_path: Path) -> None:
    data = write_jsonl(tmp_path / "data.jsonl", ROWS)
    facts = tmp_path / "facts.yaml"
    facts.write_text("d0:\n  - {id: ships, kind: entity, value: ships}\n", encoding="utf-8")
    run_dir = run_harness(
        tmp_path / "results",
        *files_run(data, f"dataset.facts_file={facts}", "dataset.num_shards=3", "dataset.shard_index=2")[2:],
    )
    assert [e["id"] for e in read_jsonl(run_dir / "examples.jsonl")] == ["d2"]


def test_published_column_that_is_no_iso_date_names_column_and_row(cli: Cli, tmp_path: Path) -> None:
    """The dateline anchors relative dates ("on Wednesday"): a value that is no date must stop the run at
    load, naming the column and row, not fail (or be skipped) example by example while scoring."""
    rows = [{**row, "published": "2024-06-20"} for row in ROWS]
    rows[1]["published"] = "June 20th, 2024"
    data = write_jsonl(tmp_path / "data.jsonl", rows)
    expect_refusal(
        cli,
        tmp_path,
        files_run(data, "dataset.published_column=published", "metrics.names=[facts]"),
        "column published row 1",
        "'June 20th, 2024'",
        "ISO date",
    )
