"""The results contract: what each file of a run folder holds.

A run folder is ``results/<YYYY-MM-DD>/<HH-MM-SS>_<task>_<model>_<dataset>/`` with

- ``config.yaml``      the resolved Hydra config of the run;
- ``run.json``         :class:`RunInfo`;
- ``examples.jsonl``   one line per example (id, source, references, meta), in dataset order;
- ``predictions.jsonl`` one :class:`PredictionRecord` per example, in dataset order, except that
  examples retried by a resumed run come after the others;
- ``scores.jsonl``     one :class:`ScoreRecord` per scored example, in dataset order;
- ``metrics.json``     :class:`MetricsFile`;
- ``summary.md``       a human-readable summary.
"""

from __future__ import annotations

from typing import Any, NotRequired, TypedDict


class ModelIdentity(TypedDict, total=False):
    name: str
    backend: str
    path: str
    revision: str
    weights_hash: str
    params: dict[str, Any]


class CacheInfo(TypedDict, total=False):
    enabled: bool
    hits: int  # examples whose output came from the generation cache
    misses: int  # examples generated (and stored when they succeeded)
    key: str  # the model key, first 16 hex digits (see harness.pipeline.cache)
    path: str
    reason: str  # why the cache was off


class RunTimings(TypedDict):
    stages: dict[str, float]  # wall seconds: load, generate, score, bootstrap, write (see harness.pipeline.timing)
    metrics: dict[str, float]  # seconds in each metric's scoring (summed over workers when parallel)


class RunInfo(TypedDict):
    run_id: str
    status: str  # "running" | "complete" | "failed"
    started: str  # ISO 8601
    finished: str | None
    git_commit: str | None
    versions: dict[str, str]
    task: dict[str, Any]
    model: ModelIdentity
    dataset: dict[str, Any]  # name, fingerprint, n_examples
    seed: int
    device: str
    wall_seconds: float | None
    examples_per_second: float | None
    cache: CacheInfo  # generation-cache use
    score_cache: NotRequired[CacheInfo]  # score-cache use of expensive metrics (see harness.pipeline.score_cache)
    resumed: NotRequired[list[str]]  # ISO 8601 times at which the run was resumed (see harness.pipeline.resume)
    merged_from: NotRequired[list[str]]  # run ids of the shard runs joined by `harness merge`
    error: NotRequired[str]  # why a failed run failed
    timings: NotRequired[RunTimings]  # where the time went; a resumed run's are this session's
    n_truncated: NotRequired[int]  # examples whose input the model cut to its limit
    metric_usage: NotRequired[dict[str, dict[str, Any]]]  # per metric, e.g. an LLM judge's requests, tokens, cost
    metric_devices: NotRequired[dict[str, str]]  # per model-based metric, the device it ran on (metrics.device)


class PredictionRecord(TypedDict):
    id: str
    source_hash: str
    output: str | None
    seconds: float
    truncated: bool
    error: str | None


class ScoreRecord(TypedDict):
    id: str
    scores: dict[str, float]  # numeric per-example values, e.g. rouge1, facts.recall
    details: dict[str, Any]  # non-numeric values, e.g. per-fact verdicts with spans


class Aggregate(TypedDict, total=False):
    value: float  # mean of per-example values, or the corpus-level score
    ci: list[float]  # [low, high], 95% bootstrap percentile interval
    n: int  # examples that contributed
    signature: str  # the metric's settings
    corpus: bool  # True when value is a corpus-level score (BLEU, chrF, TER)
    settings: dict[str, Any]  # corpus scores: keyword arguments that rebuild the scorer (sacrebleu)
    higher_is_better: bool | None  # as the metric declares it; None: descriptive (absent before metric metadata)
    corpus_hook: str  # corpus scores: the hook that recomputes them from per-example statistics
    metric: str  # the metric that gave the key (metrics.names; absent in runs made before it was stored)
    n_failed: int  # examples the metric failed on for this key (left out of n; see MetricsFile.failures)


class MetricFailures(TypedDict):
    """Examples that one part of a metric (a ``<part>.error`` details key) could not score."""

    metric: str
    n_failed: int
    first_error: str


class MetricsFile(TypedDict):
    n_examples: int
    n_scored: int
    n_errors: int
    errors: dict[str, str]  # example id -> reason it was excluded from the averages
    n_truncated: NotRequired[int]  # examples whose input the model cut to its limit (scored as they are)
    n_blank_references: NotRequired[int]  # examples with an empty reference, which was dropped
    bootstrap: dict[str, int]  # samples, seed
    metrics: dict[str, Aggregate]
    tables: dict[str, Any]  # e.g. "facts": per-fact verdict counts
    failures: NotRequired[dict[str, MetricFailures]]  # per failed part, e.g. "llm_judge.consistency"
