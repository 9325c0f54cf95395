"""The evaluation pipeline: load the model, load the data, generate, score, write the run folder."""

from __future__ import annotations

import platform
import subprocess
import time
from collections.abc import Sequence
from datetime import datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from omegaconf import DictConfig

from harness.data.example import Example
from harness.data.loading import fingerprint, load_examples
from harness.metrics.aggregate import aggregate_means
from harness.metrics.base import Metric, ScoringInput
from harness.metrics.registry import build_metrics
from harness.models.base import Generation, Model, TaskSpec
from harness.models.registry import build_model
from harness.paths import PROJECT_ROOT
from harness.results.run_folder import RunFolder
from harness.results.schema import Aggregate, MetricsFile, PredictionRecord, RunInfo, ScoreRecord
from harness.results.summary import summary_markdown

_PACKAGES = ("harness", "torch", "transformers", "datasets", "evaluate", "hydra-core", "rouge-score",
             "bert-score", "sacrebleu")


def task_spec(cfg: DictConfig) -> TaskSpec:
    return TaskSpec(
        name=cfg.task.name, source_lang=cfg.task.source_lang, target_lang=cfg.task.target_lang, mode=cfg.task.mode
    )


def run(cfg: DictConfig) -> Path:
    """Run one evaluation; returns the run folder. Bad models, data or metric names fail before any work."""
    started, clock = datetime.now().astimezone(), time.perf_counter()
    task = task_spec(cfg)
    model = build_model(cfg.model, task)
    examples = load_examples(cfg.dataset, task)
    model.validate(examples)
    metrics = build_metrics(cfg.metrics, task, list(cfg.task.default_metrics))

    folder = RunFolder.create(cfg.run.output_root, task.name, cfg.model.name, cfg.dataset.name, started)
    info = _run_info(cfg, model, examples, folder, started)
    folder.write_config(cfg)
    folder.write_json("run.json", info)
    folder.append_jsonl("examples.jsonl", [_example_record(e) for e in examples])
    try:
        generations = generate_all(model, examples, folder, cfg.run.chunk_size)
        metrics_file = score_all(metrics, examples, generations, folder, cfg.metrics)
    except BaseException:
        info.update(status="failed", finished=datetime.now().astimezone().isoformat())
        folder.write_json("run.json", info)
        raise
    finally:
        folder.close()
    wall = time.perf_counter() - clock
    info.update(
        status="complete",
        finished=datetime.now().astimezone().isoformat(),
        wall_seconds=wall,
        examples_per_second=len(examples) / wall if wall > 0 else None,
    )
    folder.write_json("run.json", info)
    folder.write_text("summary.md", summary_markdown(dict(info), metrics_file))
    return folder.path


def generate_all(model: Model, examples: Sequence[Example], folder: RunFolder, chunk_size: int) -> list[Generation]:
    """Outputs for every example, appended to ``predictions.jsonl`` chunk by chunk."""
    generations: list[Generation] = []
    for start in range(0, len(examples), chunk_size):
        chunk = examples[start : start + chunk_size]
        valid = [e for e in chunk if e.source.strip() or e.meta.get("no_source")]
        produced = iter(model.generate(valid) if valid else [])
        results = [
            next(produced) if (e.source.strip() or e.meta.get("no_source")) else Generation(None, error="empty source")
            for e in chunk
        ]
        folder.append_jsonl("predictions.jsonl", [_prediction_record(e, g) for e, g in zip(chunk, results, strict=True)])
        generations += results
    return generations


def score_all(
    metrics: Sequence[Metric],
    examples: Sequence[Example],
    generations: Sequence[Generation],
    folder: RunFolder,
    cfg: Any,
) -> MetricsFile:
    """Score the examples that have an output; write ``scores.jsonl`` and ``metrics.json``."""
    errors = {e.id: g.error or "no output" for e, g in zip(examples, generations, strict=True) if g.output is None}
    scored = [ScoringInput(e, g.output) for e, g in zip(examples, generations, strict=True) if g.output is not None]
    records = [ScoreRecord(id=item.example.id, scores={}, details={}) for item in scored]
    signatures: dict[str, str] = {}
    corpus: dict[str, Aggregate] = {}
    tables: dict[str, Any] = {}
    for metric in metrics:
        results = metric.score(scored) if scored else []
        own_signatures = metric.signatures()
        for record, values in zip(records, results, strict=True):
            for key, value in values.items():
                if isinstance(value, int | float) and not isinstance(value, bool):
                    record["scores"][key] = float(value)
                    signatures[key] = own_signatures.get(key, metric.signature())
                else:
                    record["details"][key] = value
        corpus_values = metric.corpus(scored) if scored else {}
        corpus_signatures, settings = metric.signatures(), metric.settings()  # after corpus(): nrefs known
        for key, value in corpus_values.items():
            signature = corpus_signatures.get(key, metric.signature())
            corpus[key] = Aggregate(value=value, n=len(scored), signature=signature, corpus=True)
            if key in settings:
                corpus[key]["settings"] = settings[key]
        tables.update(metric.tables(results))
    folder.append_jsonl("scores.jsonl", [dict(r) for r in records])
    aggregates = aggregate_means(
        (r["scores"] for r in records), signatures, cfg.bootstrap_samples, cfg.bootstrap_seed
    )
    metrics_file = MetricsFile(
        n_examples=len(examples),
        n_scored=len(scored),
        n_errors=len(errors),
        errors=errors,
        bootstrap={"samples": cfg.bootstrap_samples, "seed": cfg.bootstrap_seed},
        metrics={**aggregates, **corpus},
        tables=tables,
    )
    folder.write_json("metrics.json", metrics_file)
    return metrics_file


def _example_record(example: Example) -> dict[str, Any]:
    meta = {k: v for k, v in example.meta.items() if k != "fields"}
    return {"id": example.id, "source": example.source, "references": list(example.references), "meta": meta}


def _prediction_record(example: Example, generation: Generation) -> PredictionRecord:
    return PredictionRecord(
        id=example.id,
        source_hash=example.source_hash,
        output=generation.output,
        seconds=generation.seconds,
        truncated=generation.truncated,
        error=generation.error,
    )


def _run_info(cfg: DictConfig, model: Model, examples: Sequence[Example], folder: RunFolder, started: datetime) -> RunInfo:
    return RunInfo(
        run_id=f"{folder.path.parent.name}/{folder.path.name}",
        status="running",
        started=started.isoformat(),
        finished=None,
        git_commit=_git_commit(),
        versions={"python": platform.python_version(), **{p: _version(p) for p in _PACKAGES}},
        task=dict(
            name=cfg.task.name, source_lang=cfg.task.source_lang, target_lang=cfg.task.target_lang, mode=cfg.task.mode
        ),
        model=model.identity(),
        dataset={"name": cfg.dataset.name, "fingerprint": fingerprint(list(examples)), "n_examples": len(examples)},
        seed=cfg.run.seed,
        device=model.device,
        wall_seconds=None,
        examples_per_second=None,
        cache={"hits": 0, "misses": 0},
    )


def _version(package: str) -> str:
    try:
        return version(package)
    except PackageNotFoundError:
        return "not installed"


def _git_commit() -> str | None:
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True, timeout=10
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"], cwd=PROJECT_ROOT, capture_output=True,
            text=True, check=True, timeout=10,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return f"{commit}-dirty" if dirty else commit
