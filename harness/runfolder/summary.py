"""Human-readable views of run results: the table printed at the end of a run and ``summary.md``."""

from __future__ import annotations

import html
import math
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


def markdown_text(text: str) -> str:
    """Untrusted text (run names, outputs) inside Markdown: table pipes, code ticks and HTML neutralised,
    since Markdown renderers pass raw HTML through."""
    return html.escape(text, quote=False).replace("\\", "\\\\").replace("|", "\\|").replace("`", "\\`")


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
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    for label, metrics in rows:
        cells = [label, f"{metrics['n_scored']}/{metrics['n_examples']}"]
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
    lines = ["| fact | " + " | ".join(label for label, _ in runs) + " |", "|---|" + "|".join("---" for _ in runs) + "|"]
    for fact_id in fact_ids:
        cells = [_verdict_cell(table.get(fact_id)) for _, table in runs]
        lines.append(f"| {fact_id} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _verdict_cell(counts: dict[str, int] | None) -> str:
    if not counts:
        return ""
    present = [verdict for verdict, n in counts.items() if n]
    if sum(counts.values()) == 1:
        return present[0]
    return ", ".join(f"{n} {verdict}" for verdict, n in counts.items() if n)


def summary_markdown(run_info: dict[str, Any], metrics: MetricsFile) -> str:
    model = run_info["model"]
    lines = [
        f"# Run {run_info['run_id']}",
        "",
        f"- task: {run_info['task']['name']}",
        f"- model: {model.get('name')} ({model.get('backend')}, {model.get('path', '')})",
        f"- dataset: {run_info['dataset']['name']} (fingerprint {run_info['dataset']['fingerprint']})",
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
        lines.append(f"| {name} | {format_aggregate(aggregate)} | {aggregate['n']} | `{aggregate['signature']}` |")
    if run_info.get("timings"):
        lines += ["", "## Where the time went", "", _timings_table(run_info["timings"])]
    if metrics["errors"]:
        lines += ["", "## Errors (excluded from the averages)", ""]
        lines += [f"- `{example_id}`: {reason}" for example_id, reason in metrics["errors"].items()]
    for table_name, table in metrics["tables"].items():
        lines += ["", f"## {table_name}", "", _dict_table(table)]
    return "\n".join(lines) + "\n"


def _timings_table(timings: dict[str, dict[str, float]]) -> str:
    lines = ["| stage or metric | seconds |", "|---|---:|"]
    lines += [f"| {stage} | {seconds:.2f} |" for stage, seconds in timings["stages"].items()]
    lines += [f"| metric {name} | {seconds:.2f} |" for name, seconds in timings["metrics"].items()]
    return "\n".join(lines)


def _dict_table(table: dict[str, dict[str, Any]]) -> str:
    columns: dict[str, None] = {}
    for row in table.values():
        columns.update(dict.fromkeys(row))
    lines = ["| id | " + " | ".join(columns) + " |", "|---|" + "|".join("---" for _ in columns) + "|"]
    lines += [f"| {key} | " + " | ".join(str(row.get(c, "")) for c in columns) + " |" for key, row in table.items()]
    return "\n".join(lines)
