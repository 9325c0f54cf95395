"""Data and facts files that load but are wrong: a JSON Lines line that is no object, a text cell that is no
string, facts that could never be checked; and the ``n`` of corpus scores (issue 25 item 3)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from test_bad_inputs_data import ROWS, expect_fact_refusal, expect_refusal, files_run, write_jsonl

from bad_input import assert_one_line_error
from testkit import harness_cli, read_json, run_harness

Cli = Callable[..., tuple[int, str, str]]


def test_a_jsonl_line_that_is_no_object_is_named(cli: Cli, tmp_path: Path) -> None:
    """``[[1,2,3]]`` gave "no column 'source'"."""
    data = write_jsonl(tmp_path / "data.jsonl", [ROWS[0], [[1, 2, 3]], ROWS[2]])
    expect_refusal(cli, tmp_path, files_run(data), f"dataset.path: {data} line 2", "expected a JSON object")


def test_a_malformed_line_prints_no_library_log(tmp_path: Path) -> None:
    """``datasets`` logged "Failed to load JSON ..." before the one line (as a user runs it: its own process)."""
    data = tmp_path / "data.jsonl"
    data.write_text(json.dumps(ROWS[0]) + '\n{"id": "d1", "source": \n', encoding="utf-8")
    done = harness_cli(*files_run(data), check=False)
    assert_one_line_error(done.returncode, done.stderr, f"dataset.path: {data} line 2: not JSON")


@pytest.mark.parametrize(
    ("column", "value"), [("source", ["a", "b"]), ("source", {"text": "a"}), ("reference", [["a"], "b"]), ("source", 7)]
)
def test_a_text_cell_that_is_no_string_names_file_line_and_column(
    cli: Cli, tmp_path: Path, column: str, value: object
) -> None:
    """A list in the source column was scored as the text ``"['a', 'b']"``."""
    rows = [dict(row) for row in ROWS]
    rows[1][column] = value
    data = write_jsonl(tmp_path / "data.jsonl", rows)
    expect_refusal(cli, tmp_path, files_run(data), f"{data} line 2", f"column {column!r}", "expected text")


def test_a_fact_id_that_matches_no_example_warns_with_the_count(cli: Cli, tmp_path: Path) -> None:
    data = write_jsonl(tmp_path / "data.jsonl", ROWS)
    facts = tmp_path / "facts.yaml"
    facts.write_text(
        "d0:\n  - {id: ships, kind: entity, value: ships, evidence: ships sailed}\n"
        "d7:\n  - {id: ships, kind: entity, value: ships, evidence: ships sailed}\n"
        "d8:\n  - {id: ships, kind: entity, value: ships, evidence: ships sailed}\n",
        encoding="utf-8",
    )
    status, stderr, _ = cli(*files_run(data, f"dataset.facts_file={facts}"))
    assert status == 0, stderr
    warning = [line for line in stderr.splitlines() if "harness: warning:" in line]
    assert len(warning) == 1 and "2 example ids" in warning[0] and "d7" in warning[0], stderr
    assert f"dataset.facts_file: {facts}" in warning[0] and "dataset.facts_strict=true" in warning[0]
    expect_refusal(
        cli,
        tmp_path,
        files_run(data, f"dataset.facts_file={facts}", "dataset.facts_strict=true"),
        f"dataset.facts_file: {facts}",
        "2 example ids",
        "d7",
    )


@pytest.mark.parametrize(
    "fact",
    [
        "{id: n, kind: quantity, value: 3}",
        "{id: when, kind: date, value: '2024-06-19'}",
        "{id: who, kind: entity, value: [Russia, North Korea]}",
    ],
)
def test_a_fact_with_neither_cues_nor_evidence_is_refused(cli: Cli, tmp_path: Path, fact: str) -> None:
    """It could never be bound to a mention, so it was always ``absent``, even stated word for word."""
    expect_fact_refusal(cli, tmp_path, fact, "{facts}[d0]: fact", "neither 'evidence' nor 'cues'")


@pytest.mark.parametrize("metric", ["bleu", "chrf", "ter"])
def test_a_corpus_score_counts_the_examples_it_was_computed_on(tmp_path: Path, metric: str) -> None:
    rows = [{**ROWS[0], "reference": ROWS[0]["source"]}, {**ROWS[1], "reference": None}, {**ROWS[2], "reference": ""}]
    data = write_jsonl(tmp_path / "data.jsonl", rows)
    run_dir = run_harness(tmp_path / "results", *files_run(data, f"metrics.names=[{metric}]")[2:])
    assert read_json(run_dir / "metrics.json")["metrics"][metric]["n"] == 1
