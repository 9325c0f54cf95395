"""The leaderboard: one row per run, one column per metric, grouped so that only comparable
numbers share a column.

Runs are grouped by task, dataset and dataset fingerprint (the examples themselves); within those,
runs whose metrics were computed with different settings (signatures) are split into separate
groups. Every group says why it stands apart.
"""

from __future__ import annotations

import csv
import html
import io
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from fnmatch import fnmatch
from typing import Any

from harness.core.errors import InputError
from harness.results.compare import has_value, metric_stats
from harness.results.metric_meta import corpus_hook_of, higher_is_better, is_per_fact
from harness.results.significance import (
    DEFAULT_BOOTSTRAP_SAMPLES,
    DEFAULT_SEED,
    PairedBootstrap,
    percentile_ci,
)
from harness.results.spreadsheet import spreadsheet_cell
from harness.runfolder.load import Run
from harness.runfolder.schema import Aggregate
from harness.runfolder.summary import format_aggregate, markdown_text


@dataclass(frozen=True)
class Row:
    run: str  # folder name
    path: str
    model: str
    n: str  # scored / examples
    cells: dict[str, Aggregate]


@dataclass
class Group:
    task: str
    dataset: str
    fingerprint: str | None
    signatures: dict[str, str]
    rows: list[Row] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)

    @property
    def title(self) -> str:
        fingerprint = f" (fingerprint {self.fingerprint})" if self.fingerprint else ""
        return f"task {self.task} · dataset {self.dataset}{fingerprint}"

    @property
    def columns(self) -> list[str]:
        return list(dict.fromkeys(name for row in self.rows for name in row.cells))


def filter_runs(
    runs: Sequence[Run],
    task: str | None = None,
    model: str | None = None,
    dataset: str | None = None,
) -> list[Run]:
    """Runs whose task, model and dataset names match the given glob patterns."""
    wanted = [(task, "task"), (model, "model"), (dataset, "dataset")]
    return [
        run for run in runs if all(pattern is None or fnmatch(getattr(run, attr), pattern) for pattern, attr in wanted)
    ]


def shown(name: str, patterns: Sequence[str] | None) -> bool:
    """Whether a metric is a column: it matches one of the glob patterns or, without patterns,
    is not a per-fact indicator (those are in the per-fact table)."""
    if patterns:
        return any(fnmatch(name, pattern) for pattern in patterns)
    return not is_per_fact(name)


def corpus_cis(run: Run, cells: dict[str, Aggregate]) -> dict[str, Aggregate]:
    """``cells`` with a bootstrap CI for every corpus metric stored without one, resampled from its
    sentence statistics with the run's bootstrap settings."""
    missing = [n for n, a in cells.items() if not a.get("ci") and corpus_hook_of(a) is not None]
    if not missing:
        return cells
    records = run.scores_by_id()
    bootstrap = run.metrics.get("bootstrap", {})
    resamplers: dict[int, PairedBootstrap] = {}
    filled = dict(cells)
    for name in missing:
        ids = [i for i, record in records.items() if has_value(name, cells[name], record)]
        if not ids:
            continue
        if len(ids) not in resamplers:
            resamplers[len(ids)] = PairedBootstrap(
                len(ids),
                bootstrap.get("samples", DEFAULT_BOOTSTRAP_SAMPLES),
                bootstrap.get("seed", DEFAULT_SEED),
            )
        samples = resamplers[len(ids)].samples(metric_stats(name, cells[name], records, ids))
        filled[name] = Aggregate(**{**cells[name], "ci": list(percentile_ci(samples))})
    return filled


def _row(run: Run, metrics: Sequence[str] | None) -> Row:
    cells = corpus_cis(
        run,
        {name: agg for name, agg in run.metrics["metrics"].items() if shown(name, metrics)},
    )
    n = f"{run.metrics.get('n_scored', '?')}/{run.metrics.get('n_examples', '?')}"
    return Row(run=run.label, path=str(run.path), model=run.model_label, n=n, cells=cells)


def group_runs(runs: Sequence[Run], metrics: Sequence[str] | None = None) -> list[Group]:
    """Comparable groups of runs, each with the reasons it is separate from the others.

    ``metrics``: glob patterns of the metric columns (default: all but per-fact indicators)."""
    groups: list[Group] = []
    for run in runs:
        row = _row(run, metrics)
        signatures = {name: agg.get("signature", "") for name, agg in row.cells.items()}
        key = (run.task, run.dataset, run.dataset_fingerprint)
        for group in groups:
            same_data = (group.task, group.dataset, group.fingerprint) == key
            if same_data and all(group.signatures.get(n, s) == s for n, s in signatures.items()):
                group.signatures.update(signatures)
                group.rows.append(row)
                break
        else:
            groups.append(Group(*key, signatures=dict(signatures), rows=[row]))
    for index, group in enumerate(groups):
        group.reasons = _reasons(group, index, groups)
    return groups


def _reasons(group: Group, index: int, groups: Sequence[Group]) -> list[str]:
    reasons = []
    for other_index, other in enumerate(groups):
        if other is group:
            continue
        label = f"group {other_index + 1}"
        if (other.task, other.dataset) != (group.task, group.dataset):
            continue  # different data is said once, in the title
        if other.fingerprint != group.fingerprint:
            reasons.append(f"same dataset name as {label} but different examples (fingerprint)")
            continue
        differing = [
            f"{name}: `{sig}` here, `{other.signatures[name]}` in {label}"
            for name, sig in group.signatures.items()
            if name in other.signatures and other.signatures[name] != sig
        ]
        reasons.append(f"metric settings differ from {label}: " + "; ".join(differing))
    return reasons


def sort_rows(groups: Sequence[Group], metric: str, reverse: bool = False) -> None:
    """Best first by ``metric`` (lowest first for error rates, highest first for a descriptive statistic
    such as length); runs without it go last."""

    def value(row: Row) -> float:
        number = row.cells.get(metric, {}).get("value")
        return math.nan if number is None else float(number)

    known = sorted({name for group in groups for name in group.columns})
    if metric not in known:
        raise InputError(f"--sort {metric}: no run has this metric; the metrics are {', '.join(known)}")
    for group in groups:
        ranked = [r for r in group.rows if not math.isnan(value(r))]
        declared = [row.cells[metric] for row in ranked]
        ranked.sort(key=value, reverse=(higher_is_better(metric, *declared) is not False) != reverse)
        group.rows = ranked + [r for r in group.rows if math.isnan(value(r))]


def render_markdown(groups: Sequence[Group]) -> str:
    lines: list[str] = []
    if len(groups) > 1:
        lines += [
            "Runs on different tasks or datasets, or scored with different metric settings, "
            "are in separate groups and never ranked together.",
            "",
        ]
    for index, group in enumerate(groups, 1):
        lines += [f"## Group {index}: {markdown_text(group.title)}", ""]
        lines += [f"- {markdown_text(reason)}" for reason in group.reasons]
        if group.reasons:
            lines.append("")
        columns = group.columns
        lines.append("| run | model | n | " + " | ".join(map(markdown_text, columns)) + " |")
        lines.append("|---|---|---|" + "---:|" * len(columns))
        for row in group.rows:
            cells = [format_aggregate(row.cells.get(name)) for name in columns]
            lines.append(
                f"| {markdown_text(row.run)} | {markdown_text(row.model)} | {row.n} | " + " | ".join(cells) + " |"
            )
        lines += ["", "Values are means or corpus scores with [95% CI]. Signatures:", ""]
        by_signature: dict[str, list[str]] = {}
        for name, signature in group.signatures.items():
            by_signature.setdefault(signature, []).append(name)
        lines += [f"- {markdown_text(', '.join(names))}: {markdown_text(sig)}" for sig, names in by_signature.items()]
        lines.append("")
    return "\n".join(lines)


def render_csv(groups: Sequence[Group]) -> str:
    metrics = list(dict.fromkeys(name for group in groups for name in group.columns))
    header = ["group", "task", "dataset", "fingerprint", "run", "model", "n", "path"]
    for name in metrics:
        header += [name, f"{name}_ci_low", f"{name}_ci_high", f"{name}_signature"]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(map(spreadsheet_cell, header))
    for index, group in enumerate(groups, 1):
        for row in group.rows:
            values: list[Any] = [
                index,
                group.task,
                group.dataset,
                group.fingerprint or "",
                row.run,
                row.model,
                row.n,
                row.path,
            ]
            for name in metrics:
                agg = row.cells.get(name)
                ci: list[Any] = (agg or {}).get("ci") or ["", ""]
                values += [
                    "" if agg is None else agg.get("value", ""),
                    ci[0],
                    ci[1],
                    "" if agg is None else agg.get("signature", ""),
                ]
            writer.writerow(map(spreadsheet_cell, values))
    return out.getvalue()


def render_json(groups: Sequence[Group]) -> str:
    return json.dumps(
        [
            {
                "group": index,
                "title": group.title,
                "task": group.task,
                "dataset": group.dataset,
                "fingerprint": group.fingerprint,
                "reasons": group.reasons,
                "signatures": group.signatures,
                "rows": [row.__dict__ for row in group.rows],
            }
            for index, group in enumerate(groups, 1)
        ],
        indent=2,
        ensure_ascii=False,
    )


def render_html(groups: Sequence[Group]) -> str:
    """The groups as HTML tables (a fragment); every value from a run folder is escaped."""
    esc = html.escape
    parts = []
    for index, group in enumerate(groups, 1):
        parts.append(f"<h3>Group {index}: {esc(group.title)}</h3>")
        if group.reasons:
            parts.append("<ul>" + "".join(f"<li>{esc(r)}</li>" for r in group.reasons) + "</ul>")
        columns = group.columns
        head = "".join(f'<th title="{esc(group.signatures.get(c, ""))}">{esc(c)}</th>' for c in columns)
        parts.append(f"<table><thead><tr><th>run</th><th>model</th><th>n</th>{head}</tr></thead><tbody>")
        for row in group.rows:
            cells = "".join(f'<td class="num">{esc(format_aggregate(row.cells.get(c)))}</td>' for c in columns)
            parts.append(f"<tr><td>{esc(row.run)}</td><td>{esc(row.model)}</td><td>{esc(row.n)}</td>{cells}</tr>")
        parts.append("</tbody></table>")
    return "\n".join(parts)


def timing_rows(runs: Sequence[Run]) -> list[dict[str, Any]]:
    """Per run, where its time went (``run.json`` ``timings``): wall seconds, examples/s, seconds per
    stage and per metric; runs written before timings were recorded have only the wall time."""
    rows = []
    for run in runs:
        timings = run.info.get("timings") or {"stages": {}, "metrics": {}}
        row: dict[str, Any] = {
            "run": run.label,
            "model": run.model_label,
            "n": run.metrics.get("n_examples"),
            "wall_s": run.info.get("wall_seconds"),
            "examples_per_s": run.info.get("examples_per_second"),
        }
        row.update({f"{stage}_s": seconds for stage, seconds in timings["stages"].items()})
        row.update({f"{metric}_s": seconds for metric, seconds in timings["metrics"].items()})
        rows.append(row)
    return rows


def render_timings(runs: Sequence[Run], output_format: str) -> str:
    """:func:`timing_rows` as a Markdown table (stages, then metrics, in seconds), CSV or JSON."""
    rows = timing_rows(runs)
    if output_format == "json":
        return json.dumps(rows, indent=2, ensure_ascii=False)
    columns = list(dict.fromkeys(key for row in rows for key in row))
    if output_format == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(map(spreadsheet_cell, columns))
        writer.writerows([spreadsheet_cell(row.get(column, "")) for column in columns] for row in rows)
        return out.getvalue()
    lines = ["| " + " | ".join(map(markdown_text, columns)) + " |", "|---|---|" + "---:|" * (len(columns) - 2)]
    for row in rows:
        cells = [markdown_text(str(row["run"])), markdown_text(str(row["model"]))]
        cells += [_seconds(row.get(c)) for c in columns[2:]]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def _seconds(value: Any) -> str:
    if value is None:
        return ""
    return str(value) if isinstance(value, int) else f"{value:.2f}"
