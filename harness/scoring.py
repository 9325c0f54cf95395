"""Scoring: every metric over the run's outputs, chunk by chunk, optionally across processes.

The outputs stream from ``predictions.jsonl`` in dataset order; per-example records go straight to
``scores.jsonl``. What stays in memory is one float64 per example and numeric score (for the means and
their bootstrap intervals), plus whatever a metric's corpus fold or ``tables`` asks for (see
:class:`~harness.metrics.base.Metric`). Metrics with ``parallel = True`` score chunks in
``metrics.workers`` processes; chunks are reassembled in order, so results equal a one-process run.
"""

from __future__ import annotations

import math
import multiprocessing
import time
from array import array
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any

import numpy as np

from harness.data.example import Example
from harness.generation import chunked
from harness.metrics.aggregate import aggregate_columns
from harness.metrics.base import Metric, ScoringInput
from harness.metrics.metadata import KeyMeta
from harness.progress import bar
from harness.runfolder.folder import RunFolder
from harness.runfolder.predictions_index import PredictionsIndex
from harness.runfolder.schema import Aggregate, MetricsFile, ScoreRecord
from harness.score_cache import ScoreCache
from harness.timing import Timings

Results = list[list[dict[str, Any]]]  # per metric, one dict per input of a chunk
Scorer = Callable[[Metric, Sequence[ScoringInput]], list[dict[str, Any]]]
Timed = tuple[list[dict[str, Any]], float]  # one metric's results for a chunk, and the seconds they took


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
    corpus_states: list[list[Any]] = [[] for _ in metrics]
    table_results: list[list[dict[str, Any]]] = [[] for _ in metrics]
    keeps_results = [type(m).tables is not Metric.tables for m in metrics]
    progress = bar(total, "score")
    scored = 0
    score = cache.score if cache else _score
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
    tables: dict[str, Any] = {}
    for metric, state, kept in zip(metrics, corpus_states, table_results, strict=True):
        start = time.perf_counter()
        corpus = metric.corpus_finish(state)
        settings = metric.settings()  # after the corpus scores: sacrebleu knows nrefs then
        for key, value in corpus.items():
            aggregates[key] = Aggregate(value=value, n=scored, signature=_signature(metric, key))
            aggregates[key].update(_key_meta(metric, key, corpus=True).fields())  # type: ignore[typeddict-item]
            if key in settings:
                aggregates[key]["settings"] = settings[key]
        tables.update(metric.tables(kept))
        timings.add_metric(metric.name, time.perf_counter() - start)
    elsewhere = sum(timings.stages.get(k, 0.0) - before[k] for k in before)
    timings.add_stage("score", time.perf_counter() - started - elsewhere)
    return MetricsFile(
        n_examples=total,
        n_scored=scored,
        n_errors=0,
        errors={},
        bootstrap={"samples": cfg.bootstrap_samples, "seed": cfg.bootstrap_seed},
        metrics=aggregates,
        tables=tables,
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


def _score(metric: Metric, chunk: Sequence[ScoringInput]) -> list[dict[str, Any]]:
    return metric.score(chunk)


def _timed(score: Scorer, metric: Metric, chunk: Sequence[ScoringInput]) -> Timed:
    start = time.perf_counter()
    return score(metric, chunk), time.perf_counter() - start


def _unzip(timed: list[Timed]) -> tuple[Results, list[float]]:
    return [results for results, _ in timed], [seconds for _, seconds in timed]


def _score_chunks(
    metrics: Sequence[Metric],
    items: Iterable[ScoringInput],
    chunk_size: int,
    workers: int,
    score: Scorer,
) -> Iterator[tuple[list[ScoringInput], Results, list[float]]]:
    """Each chunk with its results and the seconds each metric took, in order; parallel metrics run
    ahead in a process pool, the others are scored here through ``score`` (the score cache, where
    there is one)."""
    parallel = [i for i, m in enumerate(metrics) if m.parallel] if workers > 1 else []
    if not parallel:
        for chunk in chunked(items, chunk_size):
            yield chunk, *_unzip([_timed(score, metric, chunk) for metric in metrics])
        return
    context = multiprocessing.get_context("spawn")  # no fork of a process that may hold torch threads
    pool_metrics = [metrics[i] for i in parallel]
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_init_worker, initargs=(pool_metrics,)) as pool:
        pending: deque[tuple[list[ScoringInput], Future[list[Timed]]]] = deque()
        for chunk in chunked(items, chunk_size):
            pending.append((chunk, pool.submit(_score_in_worker, chunk)))
            if len(pending) > 2 * workers:  # bounded read-ahead keeps memory flat
                yield _collect(metrics, parallel, score, *pending.popleft())
        while pending:
            yield _collect(metrics, parallel, score, *pending.popleft())


def _collect(
    metrics: Sequence[Metric],
    parallel: list[int],
    score: Scorer,
    chunk: list[ScoringInput],
    future: Future[list[Timed]],
) -> tuple[list[ScoringInput], Results, list[float]]:
    from_pool = dict(zip(parallel, future.result(), strict=True))
    timed = [from_pool[i] if i in from_pool else _timed(score, metric, chunk) for i, metric in enumerate(metrics)]
    return chunk, *_unzip(timed)


_WORKER_METRICS: list[Metric] = []


def _init_worker(metrics: list[Metric]) -> None:
    _WORKER_METRICS[:] = metrics


def _score_in_worker(chunk: list[ScoringInput]) -> list[Timed]:
    return [_timed(_score, metric, chunk) for metric in _WORKER_METRICS]
