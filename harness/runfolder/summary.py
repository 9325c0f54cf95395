"""Human-readable views of run results: the table printed at the end of a run and ``summary.md``."""

from __future__ import annotations

import html
import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

from harness.runfolder.schema import Aggregate, MetricsFile

_HEADLINE = (
    "rouge1",
    "rouge2",
    "rougeL",
    "rougeLsum",
    "bertscore_f1",
    "bleu",
    "chrf",
    "chrf++",
    "ter",
    "facts.recall",
    "facts.contradiction_rate",
    "auto_facts.unsupported_rate",
    "auto_facts.unsupported_numbers",
    "auto_facts.unsupported_entities",
    "faithfulness",
    "language.on_target",
    "length",
    "coverage",
    "density",
)


def headline_metrics(names: Sequence[str]) -> list[str]:
    """The well-known metrics among ``names``, in a fixed order (all of them if none is well known)."""
    known = [n for n in _HEADLINE if n in names]
    return known or sorted(names)


def table_columns(aggregates: Mapping[str, Aggregate]) -> list[str]:
    """The columns of the end-of-run table: the well-known keys, then every key of each metric that has
    none of them (an LLM judge's scores), so that every metric asked for is shown."""
    known = [n for n in _HEADLINE if n in aggregates]
    headlined = {aggregates[n].get("metric") for n in known}
    return known + sorted(n for n, a in aggregates.items() if n not in known and a.get("metric") not in headlined)


def all_metrics(names: Sequence[str]) -> list[str]:
    """Headline metrics first, then the others; per-item keys (two dots, e.g. one key fact) left out."""
    names = [n for n in names if n.count(".") < 2]
    first = headline_metrics(names)
    return first + sorted(n for n in names if n not in first)


# What makes inline Markdown of untrusted text: escapes, code spans, links and images, emphasis and
# strikethrough, table cells, raw HTML and entities, and line breaks (a new line can start a heading).
_MARKDOWN_SPECIAL = re.compile(r"[\\`*~\[\]|<>&]|_+|\r\n|[\r\n]")


def markdown_text(text: str) -> str:
    """Untrusted text (run, model, dataset and metric names, signatures, ids, outputs) as inline Markdown that
    renders as itself, in a table cell or anywhere in a line but its start: the only function that puts
    untrusted text into Markdown (no code span holds any: inside one a backtick cannot be escaped).
    Markdown renderers pass raw HTML through, so ``<``, ``>`` and ``&`` become entities; a line break
    becomes a space; underscores inside a word, which cannot start emphasis, stay as they are."""
    return _MARKDOWN_SPECIAL.sub(_escape_special, text)


def _escape_special(match: re.Match[str]) -> str:
    special, start, end = match[0], match.start(), match.end()
    if special in "<>&":
        return html.escape(special)
    if special[0] in "\r\n":
        return " "
    text = match.string
    if special[0] == "_" and start > 0 and end < len(text) and text[start - 1].isalnum() and text[end].isalnum():
        return special
    return "".join("\\" + char for char in special)


def format_aggregate(aggregate: Aggregate | None, digits: int = 4) -> str:
    """``value [low, high]``; the CI only where it is known and not a single point; "" for no value."""
    if aggregate is None or aggregate.get("value") is None:
        return ""
    text = f"{aggregate['value']:.{digits}f}"
    ci = aggregate.get("ci")
    if ci and len(ci) == 2 and not any(math.isnan(x) for x in ci) and ci[0] != ci[1]:
        text += f" [{ci[0]:.{digits}f}, {ci[1]:.{digits}f}]"
    if aggregate.get("n_failed"):
        text += f" ({aggregate['n_failed']} failed)"
    return text


def markdown_table(rows: Sequence[tuple[str, MetricsFile]], columns: Sequence[str] | None = None) -> str:
    """One row per run (label, metrics), a column per metric, each cell the value with its 95% CI."""
    if columns is None:
        seen: dict[str, Aggregate] = {}
        for _, metrics in rows:
            seen.update(metrics["metrics"])
        columns = table_columns(seen)
    truncation = any(metrics.get("n_truncated") for _, metrics in rows)
    header = ["run", "n", *(["truncated"] if truncation else []), *columns]
    lines = ["| " + " | ".join(map(markdown_text, header)) + " |", "|" + "|".join("---" for _ in header) + "|"]
    for label, metrics in rows:
        cells = [markdown_text(label), f"{metrics['n_scored']}/{metrics['n_examples']}"]
        cells += [str(metrics.get("n_truncated", 0))] if truncation else []
        cells += [format_aggregate(metrics["metrics"].get(c)) for c in columns]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def facts_matrix(rows: Sequence[tuple[str, MetricsFile]]) -> str | None:
    """Per key fact (rows) and run (columns): the verdict of a one-example run, else the counts."""
    runs = [(label, metrics["tables"]["facts"]) for label, metrics in rows if metrics["tables"].get("facts")]
    if not runs:
        return None
    fact_ids: dict[str, None] = {}
    for _, table in runs:
        fact_ids.update(dict.fromkeys(table))
    header = " | ".join(markdown_text(label) for label, _ in runs)
    lines = [f"| fact | {header} |", "|---|" + "|".join("---" for _ in runs) + "|"]
    for fact_id in fact_ids:
        cells = [markdown_text(_verdict_cell(table.get(fact_id))) for _, table in runs]
        lines.append(f"| {markdown_text(fact_id)} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _verdict_cell(counts: dict[str, int] | None) -> str:
    if not counts:
        return ""
    present = [verdict for verdict, n in counts.items() if n]
    if sum(counts.values()) == 1:
        return present[0]
    return ", ".join(f"{n} {verdict}" for verdict, n in counts.items() if n)


def summary_markdown(run_info: dict[str, Any], metrics: MetricsFile) -> str:
    model, dataset, md = run_info["model"], run_info["dataset"], markdown_text
    lines = [
        f"# Run {md(run_info['run_id'])}",
        "",
        f"- task: {md(run_info['task']['name'])}",
        f"- model: {md(str(model.get('name')))} ({md(str(model.get('backend')))}, {md(model.get('path', ''))})",
        f"- dataset: {md(dataset['name'])} (fingerprint {md(str(dataset['fingerprint']))})",
        f"- examples: {metrics['n_examples']}, scored: {metrics['n_scored']}, errors: {metrics['n_errors']}, "
        f"truncated inputs: {metrics.get('n_truncated', 0)}, blank references dropped: "
        f"{metrics.get('n_blank_references', 0)}",
        f"- wall time: {run_info['wall_seconds']:.1f} s, device: {run_info['device']}",
        "",
        "## Metrics (mean, 95% bootstrap CI)",
        "",
        "| metric | value | n | signature |",
        "|---|---|---|---|",
    ]
    for name in all_metrics(list(metrics["metrics"])):
        aggregate = metrics["metrics"][name]
        cells = [md(name), format_aggregate(aggregate), str(aggregate["n"]), md(aggregate["signature"])]
        lines.append("| " + " | ".join(cells) + " |")
    if run_info.get("timings"):
        lines += ["", "## Where the time went", "", _timings_table(run_info["timings"])]
    if metrics["errors"]:
        lines += ["", "## Errors (excluded from the averages)", ""]
        lines += [f"- {md(example_id)}: {md(reason)}" for example_id, reason in metrics["errors"].items()]
    for table_name, table in metrics["tables"].items():
        lines += ["", f"## {md(table_name)}", "", _dict_table(table)]
    return "\n".join(lines) + "\n"


def _timings_table(timings: dict[str, dict[str, float]]) -> str:
    lines = ["| stage or metric | seconds |", "|---|---:|"]
    lines += [f"| {markdown_text(stage)} | {seconds:.2f} |" for stage, seconds in timings["stages"].items()]
    lines += [f"| metric {markdown_text(name)} | {seconds:.2f} |" for name, seconds in timings["metrics"].items()]
    return "\n".join(lines)


def _dict_table(table: dict[str, dict[str, Any]]) -> str:
    columns: dict[str, None] = {}
    for row in table.values():
        columns.update(dict.fromkeys(row))
    header = " | ".join(map(markdown_text, columns))
    lines = [f"| id | {header} |", "|---|" + "|".join("---" for _ in columns) + "|"]
    lines += [
        f"| {markdown_text(key)} | " + " | ".join(markdown_text(str(row.get(c, ""))) for c in columns) + " |"
        for key, row in table.items()
    ]
    return "\n".join(lines)
