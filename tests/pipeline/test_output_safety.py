"""Output that can hurt whoever opens it (issue 25 item 5): Markdown that an untrusted name breaks out of,
``-o`` through a symlink into a run folder, spreadsheet formulas in CSV, and rounded JSONL scores."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from bad_input import assert_one_line_error, tree_digest
from harness.runfolder.summary import summary_markdown
from runfolders import write_run

Cli = Callable[..., tuple[int, str, str]]

# A backtick that would close a code span, raw HTML, a link, emphasis, a table pipe and a line break.
EVIL = "x` <img src=x onerror=alert(1)> `[a](http://e.example) *b* _c_ | d\n# e"
EXAMPLES = [{"id": f"e{i}", "source": f"Source {i}.", "references": [f"R {i}."], "meta": {}} for i in range(4)]


class _Rendered(HTMLParser):
    """The tags and text runs of rendered HTML."""

    def __init__(self, html_text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.texts: list[str] = []
        self.feed(html_text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)

    def handle_data(self, data: str) -> None:
        self.texts.append(" ".join(data.split()))


def assert_renders_literally(markdown: str, *untrusted: str, bold: bool = False) -> None:
    """Rendered as CommonMark with tables (as GitHub does), each untrusted string is plain text: no tag of
    its own (image, link, code, emphasis, heading) and no table cell split; the string shows as itself.
    ``bold``: the output bolds values of its own (the paper table's best)."""
    rendered = _Rendered(MarkdownIt("commonmark").enable(["table", "strikethrough"]).render(markdown))
    forbidden = {"img", "script", "a", "code", "em", "s"} | (set() if bold else {"strong"})
    assert not forbidden & set(rendered.tags) and rendered.tags.count("h1") <= 1, rendered.tags  # "# Run ..."
    for text in untrusted:
        flat = " ".join(text.split())
        assert any(flat in run for run in rendered.texts), (flat, rendered.texts)


def _run(root: Path, model: str, stamp: str, **kwargs: object) -> Path:
    arguments: dict = {
        "task": "summarise",
        "dataset": "seed",
        "examples": EXAMPLES,
        "outputs": ["out"] * 4,
        "scores": [{"rouge1": 0.3 + 0.01 * i} for i in range(4)],
        "signatures": {"rouge1": "rouge|stem:yes"},
    }
    return write_run(root, model=model, stamp=stamp, **{**arguments, **kwargs})


def test_table_markdown_shows_untrusted_names_literally(cli: Cli, tmp_path: Path) -> None:
    for stamp, model in (("12-00-00", EVIL), ("13-00-00", "t5")):
        _run(tmp_path, model, f"2026-01-01/{stamp}", dataset=EVIL, signatures={"rouge1": f"judge:{EVIL}"})
    for output_format in ("md", "markdown"):
        status, stderr, out = cli("table", str(tmp_path), "--format", output_format)
        assert status == 0, stderr
        assert_renders_literally(out, EVIL, bold=output_format == "markdown")


def test_compare_markdown_shows_untrusted_names_literally(cli: Cli, tmp_path: Path) -> None:
    signatures = {"rouge1": f"judge:{EVIL}"}
    base = _run(tmp_path, "lead", "2026-01-01/12-00-00", signatures=signatures)
    other = _run(
        tmp_path, EVIL, "2026-01-01/13-00-00", signatures=signatures, scores=[{"rouge1": 0.5}] * 4, outputs=[EVIL] * 4
    )
    status, stderr, out = cli("compare", str(base), str(other), "--trials", "0", "--samples", "10")
    assert status == 0, stderr
    assert_renders_literally(out, f"judge:{EVIL}", EVIL)


def test_summary_markdown_shows_untrusted_names_literally(tmp_path: Path) -> None:
    folder = _run(tmp_path, EVIL, "2026-01-01/12-00-00", dataset=EVIL, signatures={"rouge1": f"judge:{EVIL}"})
    info = json.loads((folder / "run.json").read_text(encoding="utf-8"))
    info["model"]["path"] = EVIL
    metrics = json.loads((folder / "metrics.json").read_text(encoding="utf-8"))
    metrics["errors"] = {EVIL: f"generation failed: {EVIL}"}
    metrics["tables"] = {"facts": {EVIL: {"supported": 1, EVIL: EVIL}}}
    metrics["metrics"][EVIL] = metrics["metrics"]["rouge1"]
    info["timings"] = {"stages": {EVIL: 1.0}, "metrics": {EVIL: 0.5}}
    text = summary_markdown(info, metrics)
    assert_renders_literally(text, EVIL, f"judge:{EVIL}", f"generation failed: {EVIL}")


@pytest.mark.parametrize("command", ["table", "report", "export"])
@pytest.mark.parametrize("link_to", ["metrics.json", "."])
def test_output_through_a_link_into_a_run_folder_is_refused(
    cli: Cli, tmp_path: Path, command: str, link_to: str
) -> None:
    """``ln -s <run>/metrics.json latest.md; harness table results -o latest.md`` (or a link to the run
    folder itself, written through as ``link/new.md``) must not replace or add a run's file."""
    results = tmp_path / "results"
    run_dir = _run(results, "lead", "2026-01-01/12-00-00")
    link = tmp_path / "latest.md"
    link.symlink_to(run_dir / link_to)
    output = link if link_to != "." else link / "new.md"
    before = tree_digest(results)
    status, stderr, _ = cli(command, str(results), "-o", str(output))
    assert_one_line_error(status, stderr, f"-o {output}", f"inside the run folder {run_dir}")
    assert tree_digest(results) == before


FORMULAS = ['=HYPERLINK("http://e.example","x")', "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\tx", "\rx"]


def _formula_run(root: Path) -> Path:
    """A run whose model name, dataset, example ids, outputs and metric names all start like a formula."""
    examples = [{**example, "id": formula} for example, formula in zip(EXAMPLES, FORMULAS, strict=False)]
    return _run(
        root,
        FORMULAS[0],
        "2026-01-01/12-00-00",
        dataset=FORMULAS[1],
        examples=examples,
        outputs=FORMULAS[2:6],
        scores=[{"=rouge1": -0.25 + i} for i in range(4)],
        signatures={"=rouge1": "@sig"},
    )


def _csv_cells(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text, newline="")) for cell in row]


def _assert_no_formula(cells: list[str]) -> None:
    """OWASP's CSV injection advice: no text cell starts with = + - @ tab or CR (a quote goes first);
    numbers, negative ones included, stay numbers."""
    starts = [cell for cell in cells if cell[:1] in ("=", "+", "-", "@", "\t", "\r")]
    assert all(float(cell) < 0 for cell in starts), starts
    assert f"'{FORMULAS[0]}" in cells  # the model name, quoted


def test_csv_exports_neutralise_formulas(cli: Cli, tmp_path: Path) -> None:
    results = tmp_path / "results"
    _formula_run(results)
    status, stderr, out = cli("table", str(results), "--format", "csv")
    assert status == 0, stderr
    _assert_no_formula(_csv_cells(out))
    assert {"'=rouge1", "'@sig", f"'{FORMULAS[1]}"} <= set(_csv_cells(out))  # metric, signature, dataset
    status, stderr, out = cli("table", str(results), "--timings", "--format", "csv")
    assert status == 0, stderr
    _assert_no_formula(_csv_cells(out))
    status, stderr, _ = cli("export", str(results), "--format", "csv", "-o", str(tmp_path / "x.csv"))
    assert status == 0, stderr
    cells = _csv_cells((tmp_path / "x.csv").read_text(encoding="utf-8"))
    _assert_no_formula(cells)
    assert "-0.25" in cells and f"'{FORMULAS[2]}" in cells  # a negative score stays a number; text is quoted


def test_jsonl_export_keeps_full_precision(cli: Cli, tmp_path: Path) -> None:
    precise = [0.1 + 0.2, 1 / 3, 2.0**-40, 123456.78901234567]
    results = tmp_path / "results"
    _run(results, "lead", "2026-01-01/12-00-00", scores=[{"rouge1": value} for value in precise])
    status, stderr, _ = cli("export", str(results), "--format", "jsonl", "-o", str(tmp_path / "x.jsonl"))
    assert status == 0, stderr
    rows = [json.loads(line) for line in (tmp_path / "x.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [row["rouge1"] for row in rows] == precise


def test_check_markdown_shows_untrusted_metric_names_literally(tmp_path: Path) -> None:
    """``harness check`` prints a Markdown table of the baseline's metrics: a metric name from a run
    folder renders as itself there too."""
    from harness.results.gate import check_run, render_result, write_baseline
    from harness.runfolder.load import load_run

    scores = [{EVIL: 0.3 + 0.01 * i, "rouge1": 0.5} for i in range(4)]
    signatures = {EVIL: "s", "rouge1": "s"}
    base = _run(tmp_path, "lead", "2026-01-01/12-00-00", scores=scores, signatures=signatures)
    baseline = write_baseline(load_run(base), tmp_path / "b.json")
    unchecked = {f"x{EVIL}": "s"}  # a metric the baseline lacks
    run = _run(
        tmp_path,
        "t5",
        "2026-01-01/13-00-00",
        scores=[{**row, f"x{EVIL}": 0.1} for row in scores],
        signatures={**signatures, **unchecked},
    )
    text = render_result(check_run(load_run(run), json.loads(baseline.read_text(encoding="utf-8"))))
    assert_renders_literally(text, EVIL, f"x{EVIL}")
