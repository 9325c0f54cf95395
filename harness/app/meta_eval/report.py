"""The tables of a meta-evaluation: the metric and its baselines, per figure and subset, for the
reported rows of one split, with a line for each figure where the metric does not beat a baseline.

Two kinds of metric:

- a score (higher: more faithful): FRANK data gets partial Pearson and Spearman with
  ``human_factuality`` (system controlled) and the balanced accuracy of "factual"
  (``human_factuality == 1``); labelled data gets Spearman with ``label`` and the balanced accuracy
  of "consistent" (``label == 1``). Thresholds come from the fitting rows (dev / val).
- a detector (a flag and a graded error score, :data:`DETECTORS`): precision, recall and balanced
  accuracy of its flag for "erroneous" (``human_factuality < 1`` / ``label == 0``), ROC AUC of its
  graded score (FRANK: also for entity and circumstance errors, ``human_errors`` EntE / CircE < 1),
  and on labelled data the precision of its flagged spans (a span that overlaps an annotated error
  span). A baseline flags a summary below the threshold of its best balanced accuracy on the
  fitting rows; its AUC is that of its negated score.

Only balanced accuracy, correlations and AUCs are compared with the baselines (precision and recall
trade against each other, so neither alone says which is better).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from harness.app.meta_eval.data import FRANK, DataFormat
from harness.app.meta_eval.figures import (
    annotated_spans,
    auc,
    balanced_accuracy,
    fitted_threshold,
    overlaps,
    partial_pearson_spearman,
    precision_recall,
    spearman,
)

SUBSETS: dict[str, str | None] = {"all": None, "cnndm": "cnndm", "bbc": "bbc"}


@dataclass(frozen=True)
class Detector:
    """The keys of a metric that flags erroneous outputs."""

    flag: str  # 1.0 flagged
    graded: str  # higher: more likely erroneous
    spans: str  # [{"span": [start, end], ...}, ...]: where in the output the flag points


DETECTORS = {"auto_facts": Detector("auto_facts.flagged", "auto_facts.worst_gap", "auto_facts.flagged_spans")}


@dataclass(frozen=True)
class Column:
    """One row of every table: the metric, its previous version or a baseline, per data row."""

    name: str
    score: np.ndarray  # higher: more faithful (a detector's graded score negated); nan: no value
    flag: np.ndarray | None = None  # a detector's flag (erroneous)
    spans: Sequence[Sequence[tuple[int, int]]] | None = None  # a detector's flagged spans
    compared: bool = True  # a baseline the metric must beat


@dataclass(frozen=True)
class Table:
    title: str
    subsets: list[tuple[str, int]]
    values: dict[str, list[float]]  # column name -> one value per subset
    compared: bool


@dataclass(frozen=True)
class Rows:
    """The data rows of one subset: reported (``report``) and fitting (``fit``) masks over the data."""

    data: Sequence[dict[str, Any]]
    report: np.ndarray
    fit: np.ndarray


def factual(data_format: DataFormat, rows: Sequence[dict[str, Any]]) -> np.ndarray:
    if data_format is FRANK:
        return np.array([float(r["human_factuality"]) >= 1.0 for r in rows], dtype=bool)
    return np.array([int(r["label"]) == 1 for r in rows], dtype=bool)


def _figure(
    title: str,
    columns: Sequence[Column],
    subsets: dict[str, Rows],
    compute: Callable[[Column, Rows], float],
    compared: bool = True,
) -> Table:
    return Table(
        title,
        [(name, int(rows.report.sum())) for name, rows in subsets.items()],
        {c.name: [compute(c, rows) for rows in subsets.values()] for c in columns},
        compared,
    )


def score_tables(
    data_format: DataFormat, columns: Sequence[Column], subsets: dict[str, Rows], fit_name: str
) -> list[Table]:
    def correlation(which: int) -> Callable[[Column, Rows], float]:
        def compute(column: Column, rows: Rows) -> float:
            data = [r for r, keep in zip(rows.data, rows.report, strict=True) if keep]
            human = np.array([float(r["human_factuality"]) for r in data])
            return partial_pearson_spearman(column.score[rows.report], human, [str(r["system"]) for r in data])[which]

        return compute

    def accuracy(column: Column, rows: Rows) -> float:
        truth = factual(data_format, rows.data)
        threshold = fitted_threshold(column.score, truth, rows.fit)
        return balanced_accuracy(column.score[rows.report], truth[rows.report], threshold)

    def label_spearman(column: Column, rows: Rows) -> float:
        return spearman(column.score[rows.report], factual(data_format, rows.data)[rows.report].astype(float))

    positive = "factual (human_factuality 1)" if data_format is FRANK else "consistent (label 1)"
    accuracy_table = _figure(
        f"balanced accuracy of {positive}, threshold chosen on the {fit_name} rows", columns, subsets, accuracy
    )
    if data_format is FRANK:
        return [
            _figure("partial Pearson with human_factuality (system controlled)", columns, subsets, correlation(0)),
            _figure("partial Spearman with human_factuality (system controlled)", columns, subsets, correlation(1)),
            accuracy_table,
        ]
    return [_figure("Spearman with label", columns, subsets, label_spearman), accuracy_table]


def _flags(column: Column, rows: Rows, truth: np.ndarray) -> np.ndarray:
    """The column's flags of erroneous outputs, all rows: its own, or a baseline's below its fitted threshold."""
    if column.flag is not None:
        return column.flag
    return column.score < fitted_threshold(column.score, ~truth, rows.fit)


def detector_tables(
    data_format: DataFormat, columns: Sequence[Column], subsets: dict[str, Rows], fit_name: str
) -> list[Table]:
    def flag_figure(which: str) -> Callable[[Column, Rows], float]:
        def compute(column: Column, rows: Rows) -> float:
            erroneous = ~factual(data_format, rows.data)
            flagged = _flags(column, rows, erroneous)[rows.report]
            truth = erroneous[rows.report]
            if which == "accuracy":
                return balanced_accuracy(flagged.astype(float), truth, 0.5)
            return precision_recall(flagged, truth)[0 if which == "precision" else 1]

        return compute

    def area(error: str | None) -> Callable[[Column, Rows], float]:
        def compute(column: Column, rows: Rows) -> float:
            if error is None:
                truth = ~factual(data_format, rows.data)
            else:
                truth = np.array([float(r["human_errors"][error]) < 1 for r in rows.data], dtype=bool)
            return auc(-column.score[rows.report], truth[rows.report])

        return compute

    def span_precision(column: Column, rows: Rows) -> float:
        if column.spans is None:
            return float("nan")
        hits = total = 0
        for row, spans, keep in zip(rows.data, column.spans, rows.report, strict=True):
            if keep and spans:
                truth = annotated_spans(str(row["summary"]), row["error_spans"], int(row["label"]) == 0)
                hits += sum(overlaps(tuple(span), truth) for span in spans)  # type: ignore[arg-type]
                total += len(spans)
        return hits / total if total else float("nan")

    what = "erroneous (human_factuality < 1)" if data_format is FRANK else "erroneous (label 0)"
    baseline_flag = f"a baseline flags below the threshold of its best balanced accuracy on the {fit_name} rows"
    tables = [
        _figure(f"precision of flagged for {what}; {baseline_flag}", columns, subsets, flag_figure("precision"), False),
        _figure(f"recall of flagged for {what}", columns, subsets, flag_figure("recall"), False),
        _figure(f"balanced accuracy of flagged for {what}", columns, subsets, flag_figure("accuracy")),
        _figure(f"ROC AUC of the graded score for {what}", columns, subsets, area(None)),
    ]
    if data_format is FRANK:
        tables += [
            _figure("ROC AUC for entity errors (human_errors.EntE < 1)", columns, subsets, area("EntE")),
            _figure("ROC AUC for circumstance errors (human_errors.CircE < 1)", columns, subsets, area("CircE")),
        ]
    else:
        with_spans = [c for c in columns if c.spans is not None]
        tables.append(
            _figure(
                "span precision: flagged spans that overlap an annotated error span (the whole summary where "
                "its annotation is a comment)",
                with_spans,
                subsets,
                span_precision,
                False,
            )
        )
    return tables


def _number(value: float) -> str:
    return "-" if np.isnan(value) else f"{value:.3f}"


def format_table(table: Table) -> list[str]:
    header = " | ".join(f"{name} (n={n})" for name, n in table.subsets)
    lines = [f"{table.title}:", "", f"| score | {header} |", "|---|" + "---:|" * len(table.subsets)]
    lines += [f"| {name} | {' | '.join(_number(v) for v in values)} |" for name, values in table.values.items()]
    return lines + [""]


def losses(table: Table, metric: str, baselines: Sequence[str]) -> list[str]:
    """A line per subset and baseline where the metric's figure is not above the baseline's."""
    if not table.compared:
        return []
    out = []
    ours = table.values[metric]
    for name in baselines:
        for (subset, _), mine, theirs in zip(table.subsets, ours, table.values[name], strict=True):
            if not mine > theirs:
                out.append(
                    f"DOES NOT BEAT {name}: {table.title.split(';')[0].split(',')[0]}, {subset}: "
                    f"{_number(mine)} vs {_number(theirs)}"
                )
    return out
