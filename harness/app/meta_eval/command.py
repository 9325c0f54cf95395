"""``harness meta-eval``: score a meta-evaluation file with a metric and its baselines, print the tables."""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from harness.app.meta_eval.data import check_split, fitting_rows, load_rows, split_rows
from harness.app.meta_eval.report import (
    DETECTORS,
    SUBSETS,
    Column,
    Rows,
    detector_tables,
    format_table,
    losses,
    score_tables,
)
from harness.app.meta_eval.scoring import baseline_scores, load_previous, previous_file, row_key, score_rows
from harness.core.errors import InputError
from harness.metrics.base import Metric
from harness.pipeline.score_cache import SCORE_CACHE_FILE, ScoreCache


def _floats(values: Sequence[Any]) -> np.ndarray:
    return np.array([np.nan if v is None else float(v) for v in values])


def metric_column(name: str, results: Sequence[dict[str, Any]], key: str, compared: bool = False) -> Column:
    """The metric's (or its previous version's) column: a score under ``key``, or a detector's keys."""
    detector = DETECTORS.get(key)
    if detector is None:
        return Column(name, _floats([r.get(key) for r in results]), compared=compared)
    return Column(
        name,
        -_floats([r.get(detector.graded) for r in results]),
        flag=np.array([r.get(detector.flag) == 1.0 for r in results], dtype=bool),
        spans=[[tuple(s["span"]) for s in r.get(detector.spans, [])] for r in results],
        compared=compared,
    )


def previous_column(metric: Metric, key: str, rows: Sequence[dict[str, Any]]) -> tuple[Column | None, str]:
    """The previous shipped version's column, from its frozen scores, and a line saying what it is."""
    frozen = load_previous(metric.name)
    path = previous_file(metric.name)
    if frozen is None:
        return None, f"previous version: none (no frozen scores at {path})"
    if frozen["signature"] == metric.signature():
        return None, f"previous version: none (the frozen scores at {path} are of this same version)"
    by_row = frozen["rows"]
    results = [by_row.get(row_key(row), {}) for row in rows]
    found = sum(bool(r) for r in results)
    name = f"previous: {frozen['version']}"
    line = (
        f"{name}: frozen scores at {path}, by commit {frozen['commit'][:12]} ({found} of {len(rows)} rows"
        + ("; the others are left out of every column" if found < len(rows) else "")
        + ")"
    )
    return metric_column(name, results, key, compared=True), line


def run_meta_eval(
    data: Path,
    split: str | None,
    metric_name: str,
    key: str | None,
    overrides: Sequence[str],
    limit: int | None,
    batch_size: int,
) -> str:
    """Compose the metric with ``overrides``, score the rows and their baselines, return the report."""
    from harness.app.hydra_app import compose_config
    from harness.core.task import task_spec
    from harness.metrics.registry import build_metrics

    data_format, rows = load_rows(data, limit)
    split = split or data_format.fit_split
    check_split(data_format, split, data)
    report = np.zeros(len(rows), dtype=bool)
    report[split_rows(data_format, rows, split)] = True
    fit = np.zeros(len(rows), dtype=bool)
    fit[fitting_rows(data_format, rows)] = True
    if not report.any():
        raise InputError(f"--split {split}: {data} has no {split} rows")
    cfg = compose_config([f"metrics.names=[{metric_name}]", *overrides])
    metric = build_metrics(cfg.metrics, task_spec(cfg), [metric_name])[0]
    key = key or metric_name
    cache = ScoreCache(Path(cfg.run.cache_dir) / SCORE_CACHE_FILE) if cfg.run.cache else None
    try:
        start = time.perf_counter()
        results = score_rows(metric, rows, cache, batch_size)
        seconds = time.perf_counter() - start
        expected = DETECTORS[key].flag if key in DETECTORS else key
        if all(expected not in r for r in results):
            found = sorted({k for r in results for k, v in r.items() if isinstance(v, float)})
            raise InputError(
                f"--key {key}: the metric gave no such value; its numeric keys: {', '.join(found) or 'none'}"
            )
        baselines = baseline_scores(rows, cache)
    finally:
        if cache:
            cache.close()

    columns = [metric_column(f"{metric_name} (this version)", results, key)]
    previous, previous_line = previous_column(metric, key, rows)
    columns += [previous] if previous else []
    columns += [Column(name, _floats(values)) for name, values in baselines.items()]
    valid = np.logical_and.reduce([np.isfinite(c.score) for c in columns])
    subsets = {}
    for subset, dataset in SUBSETS.items():
        chosen = valid & np.array([dataset is None or r["dataset"] == dataset for r in rows], dtype=bool)
        if (report & chosen).sum() >= 3:
            subsets[subset] = Rows(rows, report & chosen, fit & chosen)

    fit_name = data_format.fit_split
    in_sample = split == fit_name
    lines = [
        f"metric: {metric.signature()}",
        f"key: {key}; data: {data} ({data_format.name}); split: {split} ({int(report.sum())} of {len(rows)} rows)"
        + (" -- IN SAMPLE: thresholds are chosen on these same rows" if in_sample else ""),
        f"{len(rows)} summaries scored in {seconds:.1f} s; {int((report & ~valid).sum())} reported rows without a "
        "value in some column (left out of every column)",
        previous_line,
        "baselines: ROUGE-1 / ROUGE-2 precision and BERTScore precision (MiniLM; bert-score truncates the "
        "article to 512 tokens) of the summary against its article",
        "",
    ]
    make = detector_tables if key in DETECTORS else score_tables
    tables = make(data_format, columns, subsets, fit_name)
    compared = [c.name for c in columns[1:] if c.compared]
    lost = []
    for table in tables:
        lines += format_table(table)
        lost += losses(table, columns[0].name, compared)
    lines += lost or [f"{columns[0].name} beats every baseline on every compared figure"]
    return "\n".join(lines)
