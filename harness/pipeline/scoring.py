"""Scoring: every metric over the run's outputs, chunk by chunk, optionally across processes.

The outputs stream from ``predictions.jsonl`` in dataset order; per-example records go straight to
``scores.jsonl``. What stays in memory is one float64 per example and numeric score (for the means and
their bootstrap intervals), plus whatever a metric's corpus fold or ``tables`` asks for (see
:class:`~harness.metrics.base.Metric`). Metrics with ``parallel = True`` score chunks in
``metrics.workers`` processes; chunks are reassembled in order, so results equal a one-process run.

An example that a metric could not score carries the reason under a details key ending in ``.error``
(``llm_judge.consistency.error``); its prefix names the part of the metric that failed, whose score
keys are that prefix and the keys under it. Each part's failures are counted in ``metrics.json``
(``failures``, and ``n_failed`` on the aggregates of its keys); :func:`check_failures` warns of a part
that failed on some examples and fails the run for one that scored none.
"""

from __future__ import annotations

import math
import sys
import time
from array import array
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import numpy as np

from harness.core.errors import RunFailed
from harness.core.progress import bar
from harness.data.example import Example
from harness.metrics.base import Metric, ScoringInput
from harness.metrics.metadata import KeyMeta
from harness.metrics.support.aggregate import aggregate_columns
from harness.pipeline.generation import chunked
from harness.pipeline.score_cache import ScoreCache
from harness.pipeline.scoring_pool import Scorer, Timed, score_directly, score_in_pool, timed
from harness.pipeline.timing import Timings
from harness.runfolder.folder import RunFolder
from harness.runfolder.predictions_index import PredictionsIndex
from harness.runfolder.schema import Aggregate, MetricFailures, MetricsFile, ScoreRecord

Results = list[list[dict[str, Any]]]  # per metric, one dict per input of a chunk
ERROR_SUFFIX = ".error"  # of the details key that holds why a metric (or a part of it) failed on an example


class ScoreColumns:
    """Numeric per-example scores as one float64 array per key, NaN where an example has no value."""

    def __init__(self) -> None:
        self.columns: dict[str, array[float]] = {}
        self.rows = 0

    def add(self, scores: dict[str, float]) -> None:
        for key, value in scores.items():
            column = self.columns.get(key)
            if column is None:
                column = self.columns[key] = array("d", [math.nan]) * self.rows
            column.append(value)
        self.rows += 1
        for column in self.columns.values():
            if len(column) < self.rows:
                column.append(math.nan)

    def arrays(self) -> dict[str, np.ndarray]:
        return {key: np.frombuffer(column, dtype=np.float64) for key, column in self.columns.items()}


def score_run(
    metrics: Sequence[Metric],
    examples: Iterable[Example],
    total: int,
    folder: RunFolder,
    cfg: Any,
    cache: ScoreCache | None = None,
    timings: Timings | None = None,
) -> MetricsFile:
    """Score the examples that have an output; write ``scores.jsonl`` and ``metrics.json``."""
    timings = timings or Timings()
    errors: dict[str, str] = {}
    counts = {"n_truncated": 0, "n_blank_references": 0}

    def scorable() -> Iterator[ScoringInput]:
        for example in examples:
            record = predictions[example.id]
            counts["n_truncated"] += bool(record.get("truncated"))
            counts["n_blank_references"] += bool(example.meta.get("blank_references"))
            if record["output"] is None:
                errors[example.id] = record["error"] or "no output"
            else:
                yield ScoringInput(example, record["output"])

    with PredictionsIndex(folder.path / "predictions.jsonl") as predictions:
        metrics_file = score_stream(metrics, scorable(), total, folder, cfg, cache, timings)
    metrics_file.update(
        {
            "n_errors": len(errors),
            "errors": errors,
            "n_truncated": counts["n_truncated"],
            "n_blank_references": counts["n_blank_references"],
        }
    )
    with timings.stage("write"):
        folder.write_json("metrics.json", metrics_file)
    return metrics_file


def score_stream(
    metrics: Sequence[Metric],
    items: Iterable[ScoringInput],
    total: int,
    folder: RunFolder,
    cfg: Any,
    cache: ScoreCache | None = None,
    timings: Timings | None = None,
) -> MetricsFile:
    """Score ``items``, appending their records to ``scores.jsonl``; the errors are the caller's to fill in.

    ``timings`` receives the seconds of each metric (scoring, corpus fold, tables), of the bootstrap
    and of writing ``scores.jsonl``; stage ``score`` is the whole call less bootstrap and writing."""
    timings = timings or Timings()
    started, before = time.perf_counter(), {k: timings.stages.get(k, 0.0) for k in ("bootstrap", "write")}
    columns = ScoreColumns()
    owners: dict[str, Metric] = {}  # which metric gave each numeric key
    failures: dict[str, MetricFailures] = {}  # per failed part (an error key's prefix)
    corpus_states: list[list[Any]] = [[] for _ in metrics]
    table_results: list[list[dict[str, Any]]] = [[] for _ in metrics]
    keeps_results = [type(m).tables is not Metric.tables for m in metrics]
    progress = bar(total, "score")
    scored = 0
    score = cache.score if cache else score_directly
    for chunk, results, seconds in _score_chunks(metrics, items, cfg.chunk_size, cfg.workers, score):
        records = [ScoreRecord(id=item.example.id, scores={}, details={}) for item in chunk]
        for metric, state, kept, keep, per_example, spent in zip(
            metrics, corpus_states, table_results, keeps_results, results, seconds, strict=True
        ):
            start = time.perf_counter()
            for record, values in zip(records, per_example, strict=True):
                for key, value in values.items():
                    if isinstance(value, int | float) and not isinstance(value, bool):
                        record["scores"][key] = float(value)
                        owners.setdefault(key, metric)
                    else:
                        record["details"][key] = value
                        if key.endswith(ERROR_SUFFIX):
                            _count_failure(failures, metric, key.removesuffix(ERROR_SUFFIX), str(value))
            metric.corpus_update(state, chunk, per_example)
            if keep:
                kept.extend(per_example)
            timings.add_metric(metric.name, spent + time.perf_counter() - start)
        for record in records:
            columns.add(record["scores"])
        with timings.stage("write"):
            folder.append_jsonl("scores.jsonl", [dict(r) for r in records])
        scored += len(chunk)
        progress.update(len(chunk))
    progress.close()
    signatures = {key: _signature(metric, key) for key, metric in owners.items()}  # as of the last chunk
    with timings.stage("bootstrap"):
        aggregates: dict[str, Aggregate] = aggregate_columns(
            columns.arrays(), signatures, cfg.bootstrap_samples, cfg.bootstrap_seed
        )
    for key, aggregate in aggregates.items():
        aggregate.update(_key_meta(owners[key], key, corpus=False).fields())  # type: ignore[typeddict-item]
        aggregate["metric"] = owners[key].name
    tables: dict[str, Any] = {}
    for metric, state, kept in zip(metrics, corpus_states, table_results, strict=True):
        start = time.perf_counter()
        corpus = metric.corpus_finish(state)
        settings = metric.settings()  # after the corpus scores: sacrebleu knows nrefs then
        counted = metric.corpus_count(state)
        for key, value in corpus.items():
            n = scored if counted is None else counted
            aggregates[key] = Aggregate(value=value, n=n, signature=_signature(metric, key))
            aggregates[key].update(_key_meta(metric, key, corpus=True).fields())  # type: ignore[typeddict-item]
            aggregates[key]["metric"] = metric.name
            if key in settings:
                aggregates[key]["settings"] = settings[key]
        tables.update(metric.tables(kept))
        timings.add_metric(metric.name, time.perf_counter() - start)
    for part, failed in failures.items():
        for key in _part_keys(part, aggregates):
            aggregates[key]["n_failed"] = failed["n_failed"]
    elsewhere = sum(timings.stages.get(k, 0.0) - before[k] for k in before)
    timings.add_stage("score", time.perf_counter() - started - elsewhere)
    metrics_file = MetricsFile(
        n_examples=total,
        n_scored=scored,
        n_errors=0,
        errors={},
        bootstrap={"samples": cfg.bootstrap_samples, "seed": cfg.bootstrap_seed},
        metrics=aggregates,
        tables=tables,
    )
    if failures:
        metrics_file["failures"] = failures
    return metrics_file


def _count_failure(failures: dict[str, MetricFailures], metric: Metric, part: str, reason: str) -> None:
    failed = failures.setdefault(part, MetricFailures(metric=metric.name, n_failed=0, first_error=reason))
    failed["n_failed"] += 1


def _part_keys(part: str, aggregates: dict[str, Aggregate]) -> list[str]:
    """The score keys of a metric's part: the part's own name and the keys under it."""
    return [key for key in aggregates if key == part or key.startswith(part + ".")]


def check_failures(metrics_file: MetricsFile, folder: RunFolder) -> None:
    """Warn on stderr of each part of a metric that failed on some examples (with its counts and first
    error); raise :class:`RunFailed` naming the parts that scored none, since their keys are missing."""
    empty = []
    for part, failed in metrics_file.get("failures", {}).items():
        if _part_keys(part, metrics_file["metrics"]):
            print(
                f"harness: warning: metric {failed['metric']}: {part} failed on {failed['n_failed']} of "
                f"{metrics_file['n_scored']} examples (left out of its scores); first error: {failed['first_error']}",
                file=sys.stderr,
            )
        else:
            empty.append(
                f"metric {failed['metric']} scored none of the {metrics_file['n_scored']} examples: "
                f"{failed['n_failed']} failed ({part}); first error: {failed['first_error']}"
            )
    if empty:
        raise RunFailed(
            f"{'; '.join(empty)}. Fix the cause and score the run again with run.resume={folder.path}, which "
            "keeps its outputs."
        )


def _signature(metric: Metric, key: str) -> str:
    """The signature of one score key: its own where the metric gives several, else the metric's."""
    return metric.signatures().get(key, metric.signature())


def _key_meta(metric: Metric, key: str, corpus: bool) -> KeyMeta:
    """The metric's declaration of ``key``, which must agree with where the value came from (``corpus``
    or per-example ``score``); an undeclared key is taken as higher-is-better."""
    meta = metric.key_meta(key)
    if meta is None:
        return KeyMeta(corpus=corpus)
    if meta.corpus != corpus:
        declared, given = (
            ("a corpus score", "per example") if meta.corpus else ("a per-example value", "as a corpus score")
        )
        raise ValueError(f"metric {metric.name}: score key {key!r} is declared {declared} but was given {given}")
    return meta


def _unzip(each: list[Timed]) -> tuple[Results, list[float]]:
    return [results for results, _ in each], [seconds for _, seconds in each]


def _score_chunks(
    metrics: Sequence[Metric],
    items: Iterable[ScoringInput],
    chunk_size: int,
    workers: int,
    score: Scorer,
) -> Iterator[tuple[list[ScoringInput], Results, list[float]]]:
    """Each chunk with its results and the seconds each metric took, in order; parallel metrics are
    scored across ``workers`` processes (see :mod:`harness.pipeline.scoring_pool`), the others here through
    ``score`` (the score cache, where there is one)."""
    parallel = [i for i, m in enumerate(metrics) if m.parallel] if workers > 1 else []
    if not parallel:
        for chunk in chunked(items, chunk_size):
            yield chunk, *_unzip([timed(metric, chunk, score) for metric in metrics])
        return
    pool_metrics = [metrics[i] for i in parallel]
    for chunk, pooled in score_in_pool(pool_metrics, chunked(items, chunk_size), workers):
        from_pool = dict(zip(parallel, pooled, strict=True))
        both = [from_pool[i] if i in from_pool else timed(metric, chunk, score) for i, metric in enumerate(metrics)]
        yield chunk, *_unzip(both)
