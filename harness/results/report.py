"""A self-contained static HTML report of runs.

Leaderboard, bar charts with confidence intervals (matplotlib PNGs embedded as data URIs), the
per-fact verdict table, and per-example outputs beside the source and references with
contradicted facts and unsupported items highlighted. Everything taken from a run folder is
untrusted and goes through :func:`html.escape`; the page's Content-Security-Policy also forbids
scripts and any network access, so it renders offline and inert.
"""

from __future__ import annotations

import base64
import html
import io
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from matplotlib.figure import Figure

from harness.results.compare import FACT_VERDICTS
from harness.results.table import Group, group_runs, render_html
from harness.runfolder.load import Run

UNSUPPORTED = "auto_facts.unsupported"  # details key: list of {type, text, span}
CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"
STYLE = """
body { font-family: sans-serif; margin: 2em; color: #222; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; font-size: 0.9em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.5em; vertical-align: top; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.scroll { overflow-x: auto; }
.text { white-space: pre-wrap; max-width: 60em; }
mark.contradicted { background: #f8b4b4; }
mark.unsupported { background: #fde68a; }
.example { border-top: 2px solid #888; margin-top: 1.5em; }
.error { color: #a00; }
img { max-width: 100%; }
"""


def esc(value: Any) -> str:
    return html.escape(str(value), quote=True)


def html_page(title: str, body: str) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        f"<title>{esc(title)}</title><style>{STYLE}</style></head>\n"
        f"<body>\n<h1>{esc(title)}</h1>\n{body}\n</body></html>\n"
    )


@dataclass(frozen=True)
class Highlight:
    start: int
    end: int
    css: str  # "contradicted" | "unsupported"
    note: str


def highlight(text: str, marks: Sequence[Highlight]) -> str:
    """Escaped ``text`` with each non-overlapping span wrapped in a ``<mark>``."""
    parts, position = [], 0
    for mark in sorted(marks, key=lambda m: (m.start, m.end)):
        start, end = max(mark.start, position), min(mark.end, len(text))
        if start >= end:
            continue
        parts.append(esc(text[position:start]))
        parts.append(f'<mark class="{esc(mark.css)}" title="{esc(mark.note)}">{esc(text[start:end])}</mark>')
        position = end
    parts.append(esc(text[position:]))
    return "".join(parts)


def _span(item: dict[str, Any]) -> tuple[int, int] | None:
    span = item.get("span")
    if isinstance(span, list | tuple) and len(span) == 2 and all(isinstance(x, int) for x in span):
        return int(span[0]), int(span[1])
    return None


def output_marks(details: dict[str, Any]) -> list[Highlight]:
    """Highlights for contradicted key facts and unsupported items of one output."""
    marks = []
    for fact in details.get(FACT_VERDICTS, []):
        span = _span(fact)
        if fact.get("verdict") == "contradicted" and span:
            marks.append(Highlight(*span, "contradicted", f"contradicts key fact {fact.get('fact_id')}"))
    for item in details.get(UNSUPPORTED, []):
        span = _span(item)
        if span:
            marks.append(Highlight(*span, "unsupported", f"{item.get('type', 'item')} not in the source"))
    return marks


def _png(figure: Figure) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=90, bbox_inches="tight")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def chart(group: Group) -> str:
    """Bar charts of every metric in a group, one panel per metric, with 95% CI error bars."""
    columns = group.columns
    if not columns:
        return ""
    models = [row.model for row in group.rows]
    labels = models if len(set(models)) == len(models) else [row.run for row in group.rows]
    ncols = min(3, len(columns))
    nrows = math.ceil(len(columns) / ncols)
    figure = Figure(figsize=(4.2 * ncols, 3.2 * nrows))
    for index, name in enumerate(columns):
        axes = figure.add_subplot(nrows, ncols, index + 1)
        values: list[float] = []
        errors: list[list[float]] = [[], []]
        for row in group.rows:
            cell = row.cells.get(name, {})
            value = cell.get("value", math.nan)
            ci = cell.get("ci") or [value, value]
            values.append(value)
            errors[0].append(max(0.0, value - ci[0]) if not math.isnan(value) else 0.0)
            errors[1].append(max(0.0, ci[1] - value) if not math.isnan(value) else 0.0)
        axes.bar(range(len(values)), values, yerr=errors, capsize=4, color="#4c72b0")
        axes.set_title(name)
        axes.set_xticks(range(len(values)), labels, rotation=30, ha="right", fontsize=8)
    figure.tight_layout()
    alt = f"bar charts of {', '.join(columns)} with 95% confidence intervals"
    return f'<img alt="{esc(alt)}" src="{_png(figure)}">'


def fact_table(runs: Sequence[Run]) -> str:
    """Per-fact verdict counts (supported / contradicted / absent) for each run."""
    with_facts = [run for run in runs if run.metrics.get("tables", {}).get("facts")]
    if not with_facts:
        return "<p>No run has key-fact verdicts.</p>"
    kinds: dict[str, str] = {}
    for run in with_facts:
        for record in run.scores:
            for fact in record["details"].get(FACT_VERDICTS, []):
                kinds.setdefault(str(fact["fact_id"]), str(fact.get("kind", "")))
    fact_ids = list(dict.fromkeys(str(f) for run in with_facts for f in run.metrics["tables"]["facts"]))
    head = "".join(f"<th>{esc(run.label)}<br>S / C / A</th>" for run in with_facts)
    rows = []
    for fact_id in fact_ids:
        cells = []
        for run in with_facts:
            counts = run.metrics["tables"]["facts"].get(fact_id)
            cells.append(
                '<td class="num"></td>'
                if counts is None
                else f'<td class="num">{esc(counts.get("supported", 0))} / '
                f"{esc(counts.get('contradicted', 0))} / {esc(counts.get('absent', 0))}</td>"
            )
        rows.append(f"<tr><td>{esc(fact_id)}</td><td>{esc(kinds.get(fact_id, ''))}</td>" + "".join(cells) + "</tr>")
    return (
        "<table><thead><tr><th>fact</th><th>kind</th>"
        + head
        + "</tr></thead><tbody>"
        + "".join(rows)
        + "</tbody></table>"
    )


def _output_block(run: Run, prediction: Mapping[str, Any] | None, details: dict[str, Any]) -> str:
    if prediction is None or prediction.get("output") is None:
        error = (prediction or {}).get("error") or "no output"
        body = f'<div class="error">{esc(error)}</div>'
    else:
        body = f'<div class="text">{highlight(prediction["output"], output_marks(details))}</div>'
    unplaced = [f for f in details.get(FACT_VERDICTS, []) if f.get("verdict") == "contradicted" and not _span(f)]
    if unplaced:
        body += "<ul>" + "".join(f"<li>contradicts key fact {esc(f.get('fact_id'))}</li>" for f in unplaced) + "</ul>"
    return f"<tr><th>{esc(run.model_label)}<br><small>{esc(run.label)}</small></th><td>{body}</td></tr>"


def viewer_link(viewer_url: str, example_id: str) -> str:
    """The address of an example's page in ``harness view`` served at ``viewer_url``."""
    return f"{viewer_url.rstrip('/')}/example?{urlencode({'id': example_id})}"


def examples_section(runs: Sequence[Run], max_examples: int, viewer_url: str | None = None) -> str:
    """Outputs of every run beside the source and references, per dataset; each example's id links to its
    page in the viewer at ``viewer_url`` when given."""
    by_data: dict[tuple[str, str | None], list[Run]] = {}
    for run in runs:
        by_data.setdefault((run.dataset, run.dataset_fingerprint), []).append(run)
    parts = []
    for (dataset, _), members in by_data.items():
        predictions = [run.predictions_by_id() for run in members]
        scores = [run.scores_by_id() for run in members]
        examples = members[0].examples
        shown = examples[:max_examples]
        parts.append(f"<h3>{esc(dataset)}: {len(shown)} of {len(examples)} examples</h3>")
        for example in shown:
            references = "".join(
                f'<tr><th>reference</th><td class="text">{esc(ref)}</td></tr>' for ref in example.get("references", [])
            )
            outputs = "".join(
                _output_block(
                    run,
                    by_id.get(example["id"]),
                    details[example["id"]].get("details", {}) if example["id"] in details else {},
                )
                for run, by_id, details in zip(members, predictions, scores, strict=True)
            )
            heading = esc(example["id"])
            if viewer_url:
                heading = f'<a href="{esc(viewer_link(viewer_url, str(example["id"])))}">{heading}</a>'
            parts.append(
                f'<div class="example"><h4>{heading}</h4><table>'
                f"<tr><th>source</th><td><details><summary>{esc(len(example['source']))} "
                f'characters</summary><div class="text">{esc(example["source"])}</div>'
                f"</details></td></tr>{references}{outputs}</table></div>"
            )
    return "\n".join(parts)


def build_report(runs: Sequence[Run], max_examples: int = 50, viewer_url: str | None = None) -> str:
    """The whole report as one HTML document (examples linked to ``viewer_url``'s pages when given)."""
    groups = group_runs(runs)
    charts = "\n".join(f"<h3>Group {i}: {esc(group.title)}</h3>{chart(group)}" for i, group in enumerate(groups, 1))
    body = (
        '<p>Highlights: <mark class="contradicted">contradicts a key fact</mark> '
        '<mark class="unsupported">unsupported by the source</mark></p>'
        f'<h2>Leaderboard</h2><div class="scroll">{render_html(groups)}</div>'
        f"<h2>Charts</h2>{charts}"
        f"<h2>Key facts</h2>{fact_table(runs)}"
        f"<h2>Examples</h2>{examples_section(runs, max_examples, viewer_url)}"
    )
    return html_page(f"Evaluation report: {len(runs)} run(s)", body)
