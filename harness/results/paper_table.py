"""Tables for papers (``harness table --format latex|markdown``): per comparable group, one row per run,
each cell the value ± half its 95% CI, the best value per column in bold (by the metric's direction)
and a dagger where a run differs from a named baseline run in sacrebleu's paired bootstrap test."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from harness.core.errors import InputError
from harness.results.compare import check_same_examples, compare_metrics
from harness.results.metric_meta import higher_is_better
from harness.results.significance import DEFAULT_BOOTSTRAP_SAMPLES, DEFAULT_SEED
from harness.results.table import Group
from harness.runfolder.load import Run
from harness.runfolder.schema import Aggregate
from harness.runfolder.summary import markdown_text


@dataclass(frozen=True)
class Cell:
    value: str  # "" for no value
    ci: str | None  # half the 95% CI, where known and not a single point
    best: bool
    significant: bool  # differs from the baseline: paired bootstrap p < alpha


@dataclass(frozen=True)
class PaperTable:
    title: str
    reasons: list[str]
    columns: list[str]
    higher_is_better: list[bool | None]  # None: a descriptive statistic (length), never bold
    rows: list[tuple[str, list[Cell]]]  # row label, a cell per column
    baseline: str | None  # the baseline's row label, when it is in this group
    marker_rule: str  # how markers were decided, or why there are none ("" without --baseline)
    untested: dict[str, str]  # metric -> why its column has no markers (too few examples)

    @property
    def headers(self) -> list[str]:
        """Each column's metric with its direction: ↑ higher is better, ↓ lower, none for a descriptive one."""
        arrows = {True: " ↑", False: " ↓", None: ""}
        return [name + arrows[up] for name, up in zip(self.columns, self.higher_is_better, strict=True)]

    def note(self, escape: Callable[[str], str]) -> str:
        """The caption, with ``escape`` applied to the one part that comes from a run folder."""
        text = (
            "Mean or corpus score ± half its 95% bootstrap CI; best per column in bold (↑ higher is better, ↓ lower)."
        )
        if None in self.higher_is_better:
            text += " Columns without an arrow describe the outputs (no value is better)."
        if self.baseline is not None:
            text = f"{text} † differs from {escape(self.baseline)}: {self.marker_rule}."
        else:
            text = f"{text} {self.marker_rule}".rstrip()
        by_reason: dict[str, list[str]] = {}
        for name, reason in self.untested.items():
            by_reason.setdefault(reason, []).append(escape(name))
        return " ".join([text, *(f"No markers for {', '.join(names)}: {why}." for why, names in by_reason.items())])


def _half_width(aggregate: Aggregate) -> float | None:
    ci = aggregate.get("ci")
    if not ci or len(ci) != 2 or any(b is None or math.isnan(b) for b in ci) or ci[0] == ci[1]:
        return None
    return (ci[1] - ci[0]) / 2


def _significant(
    group: Group, runs: dict[Path, Run], baseline: Run, alpha: float, samples: int, seed: int
) -> tuple[set[tuple[str, str]], dict[str, str]]:
    """(row path, metric) pairs that differ from the baseline: paired-bootstrap p below ``alpha`` and a
    95% CI of the difference that excludes 0; and the metrics left untested, with the reason."""
    others = [row for row in group.rows if Path(row.path) != baseline.path]
    if not others:
        return set(), {}
    base_row = next(row for row in group.rows if Path(row.path) == baseline.path)
    check_same_examples([baseline, *(runs[Path(row.path)] for row in others)])
    comparisons, _skipped = compare_metrics(
        [base_row.path, *(row.path for row in others)],
        [base_row.cells, *(row.cells for row in others)],
        [baseline.scores_by_id(), *(runs[Path(row.path)].scores_by_id() for row in others)],
        [example["id"] for example in baseline.examples],
        bootstrap_samples=samples,
        ar_trials=0,
        seed=seed,
    )
    marked = {
        (s.run, c.name)
        for c in comparisons
        for s in c.systems
        if s.p_bootstrap is not None and s.p_bootstrap < alpha and (s.delta_ci[0] > 0 or s.delta_ci[1] < 0)
    }
    return marked, {c.name: c.too_few for c in comparisons if c.too_few}


def _best_values(group: Group, directions: Sequence[bool | None]) -> dict[str, float]:
    """The best value of each column that has a direction and at least two runs' values."""
    best = {}
    for name, higher in zip(group.columns, directions, strict=True):
        values = [row.cells[name]["value"] for row in group.rows if row.cells.get(name, {}).get("value") is not None]
        if higher is not None and len(values) > 1:
            best[name] = max(values) if higher else min(values)
    return best


def _cell(aggregate: Aggregate | None, digits: int, best: float | None, significant: bool) -> Cell:
    if aggregate is None or aggregate.get("value") is None:
        return Cell("", None, False, False)
    half = _half_width(aggregate)
    return Cell(
        f"{aggregate['value']:.{digits}f}",
        None if half is None else f"{half:.{digits}f}",
        best == aggregate["value"],
        significant,
    )


def paper_tables(
    groups: Sequence[Group],
    runs: Sequence[Run],
    baseline: Path | None = None,
    *,
    alpha: float = 0.05,
    digits: int = 3,
    samples: int = DEFAULT_BOOTSTRAP_SAMPLES,
    seed: int = DEFAULT_SEED,
) -> list[PaperTable]:
    """One table per group; markers only in the group holding ``baseline`` (a run folder among ``runs``)."""
    by_path = {run.path: run for run in runs}
    base = None
    if baseline is not None:
        base = next((run for run in runs if run.path.resolve() == baseline.resolve()), None)
        if base is None:
            raise InputError(f"--baseline {baseline}: not one of the runs in the table; name a run folder it shows")
    tables = []
    for group in groups:
        group_base = base if base is not None and any(Path(row.path) == base.path for row in group.rows) else None
        marked, untested = (
            _significant(group, by_path, group_base, alpha, samples, seed) if group_base and alpha > 0 else (set(), {})
        )
        directions = [
            higher_is_better(name, *(r.cells[name] for r in group.rows if name in r.cells)) for name in group.columns
        ]
        best = _best_values(group, directions)
        models = [row.model for row in group.rows]
        rows, base_label = [], ""
        for row in group.rows:
            label = row.model if models.count(row.model) == 1 else row.run
            if group_base is not None and Path(row.path) == group_base.path:
                base_label, label = label, f"{label} (baseline)"
            cells = [
                _cell(row.cells.get(name), digits, best.get(name), (row.path, name) in marked) for name in group.columns
            ]
            rows.append((label, cells))
        if group_base is not None and alpha == 0:
            group_base, rule = None, "No significance markers (--alpha 0)."
        elif group_base is not None:
            rule = (
                f"paired bootstrap p < {alpha} ({samples} resamples, seed {seed}) "
                "and the difference's 95% CI excludes 0"
            )
        else:
            rule = "No significance markers: the baseline run is not in this group." if base is not None else ""
        tables.append(
            PaperTable(
                group.title,
                group.reasons,
                group.columns,
                directions,
                rows,
                base_label if group_base else None,
                rule,
                untested,
            )
        )
    return tables


_LATEX_SPECIAL = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    "<": r"\textless{}",
    ">": r"\textgreater{}",
}
_LATEX_SYMBOLS = {
    "±": r"$\pm$",
    "↑": r"$\uparrow$",
    "↓": r"$\downarrow$",
    "†": r"$^\dagger$",
    "·": r"\textperiodcentered{}",
}


def latex_text(text: str) -> str:
    """Text from run folders (names, metric names) as LaTeX that typesets it literally."""
    return "".join(_LATEX_SPECIAL.get(c, _LATEX_SYMBOLS.get(c, c)) for c in text)


@dataclass(frozen=True)
class _Markup:
    empty: str  # a cell without a value
    bold: str  # a format string for the best value
    plus_minus: str
    dagger: str


_LATEX = _Markup("--", r"\textbf{{{}}}", r" $\pm$ ", r"$^\dagger$")
_MARKDOWN = _Markup("", "**{}**", " ± ", " †")


def _cell_text(cell: Cell, markup: _Markup) -> str:
    if not cell.value:
        return markup.empty
    text = markup.bold.format(cell.value) if cell.best else cell.value
    if cell.ci is not None:
        text += markup.plus_minus + cell.ci
    return text + (markup.dagger if cell.significant else "")


def render_latex(tables: Sequence[PaperTable]) -> str:
    """booktabs tables (``\\usepackage{booktabs}``), one ``table`` float per group."""
    lines = ["% harness table --format latex: needs \\usepackage{booktabs}"]
    for index, table in enumerate(tables, 1):
        lines += [f"% {' '.join(text.split())}" for text in (f"Group {index}: {table.title}", *table.reasons)]
        header = ["Model", *table.headers]
        lines += [
            r"\begin{table}[t]",
            r"\centering",
            r"\begin{tabular}{l" + "r" * len(table.columns) + "}",
            r"\toprule",
            " & ".join(map(latex_text, header)) + r" \\",
            r"\midrule",
        ]
        lines += [
            " & ".join([latex_text(label), *(_cell_text(cell, _LATEX) for cell in cells)]) + r" \\"
            for label, cells in table.rows
        ]
        lines += [
            r"\bottomrule",
            r"\end{tabular}",
            rf"\caption{{{latex_text(table.note(lambda text: text))}}}",
            r"\end{table}",
            "",
        ]
    return "\n".join(lines)


def render_markdown(tables: Sequence[PaperTable]) -> str:
    """The same tables in Markdown, with the same bold and markers."""
    lines: list[str] = []
    for index, table in enumerate(tables, 1):
        lines += [f"## Group {index}: {markdown_text(table.title)}", ""]
        lines += [f"- {markdown_text(reason)}" for reason in table.reasons] + ([""] if table.reasons else [])
        lines += [
            "| model | " + " | ".join(map(markdown_text, table.headers)) + " |",
            "|---|" + "---:|" * len(table.columns),
        ]
        lines += [
            f"| {markdown_text(label)} | " + " | ".join(_cell_text(cell, _MARKDOWN) for cell in cells) + " |"
            for label, cells in table.rows
        ]
        lines += ["", table.note(markdown_text), ""]
    return "\n".join(lines)
