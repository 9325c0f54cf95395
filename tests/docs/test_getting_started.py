"""docs/getting-started.md, the ten-minute tutorial: its commands run as written, in order, in a fresh
working directory, and every table row the page shows (a ``text`` block after a ``bash`` block, trimmed
to some columns) is in the output of that block's commands, with the same values in those columns."""

from __future__ import annotations

from pathlib import Path

import pytest

from doc_blocks import blocks, commands, shell
from testkit import ROOT

PAGE = ROOT / "docs" / "getting-started.md"


def table_rows(text: str) -> list[dict[str, str]]:
    """The rows of every Markdown table in ``text``, each as {column: cell}."""
    rows: list[dict[str, str]] = []
    header: list[str] | None = None
    for line in text.splitlines():
        if not line.startswith("|"):
            header = None
            continue
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if header is None:
            header = cells
        elif not all(set(cell) <= set("-:") for cell in cells):
            rows.append(dict(zip(header, cells, strict=False)))
    return rows


def test_shown_rows_are_found_only_with_their_values() -> None:
    output = "| run | n | rouge1 |\n|---|---|---|\n| a | 1/1 | 0.5 |\n"
    shown = table_rows("| run | rouge1 |\n|---|---|\n| a | 0.5 |\n")
    wrong = table_rows("| run | rouge1 |\n|---|---|\n| a | 0.6 |\n")
    assert all(row.items() <= real.items() for row in shown for real in table_rows(output))
    assert not any(row.items() <= real.items() for row in wrong for real in table_rows(output))


@pytest.mark.slow
def test_the_tutorial_runs_and_shows_what_it_prints(tmp_path: Path) -> None:
    output = ""
    checked = 0
    for block in blocks(PAGE.read_text(encoding="utf-8")):
        if block.lang == "bash":
            output = "".join(shell(tmp_path, command) for command in commands(block.text))
        elif block.lang == "text":
            real = table_rows(output)
            for row in table_rows(block.text):
                assert any(row.items() <= found.items() for found in real), f"not in the output: {row}\n{output}"
                checked += 1
    assert checked == 7  # the rows shown in steps 1, 3 and 4
