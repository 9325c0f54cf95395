"""The evaluation pipeline: load the model, load the data, generate, score, write the run folder."""

from __future__ import annotations

import platform
import subprocess
import time
from contextlib import ExitStack, suppress
from datetime import datetime
from pathlib import Path
from typing import Any, cast

from omegaconf import DictConfig, OmegaConf

from harness.core.errors import RunFailed, one_line
from harness.core.paths import PROJECT_ROOT
from harness.core.task import TaskSpec, task_spec
from harness.core.versions import package_version
from harness.data.columns import DatasetError
from harness.data.loading import Examples, fingerprint, load_selection, take_shard
from harness.metrics.registry import build_metrics
from harness.models.base import Model
from harness.models.registry import build_model
from harness.pipeline import resume
from harness.pipeline.cache import CACHE_FILE, GenerationCache, cache_policy, disabled_info, model_key
from harness.pipeline.generation import GenerationReport, generate_all
from harness.pipeline.score_cache import SCORE_CACHE_FILE, ScoreCache
from harness.pipeline.scoring import check_failures, score_run
from harness.pipeline.timing import Timings
from harness.runfolder.folder import RunFolder
from harness.runfolder.schema import CacheInfo, ModelIdentity, RunInfo
from harness.runfolder.summary import summary_markdown

_PACKAGES = (
    "harness",
    "torch",
    "transformers",
    "datasets",
    "evaluate",
    "hydra-core",
    "rouge-score",
    "bert-score",
    "sacrebleu",
)


def run(cfg: DictConfig) -> Path:
    """Run one evaluation, or finish an interrupted one (``run.resume``); returns the run folder.

    Bad models, data or metric names fail before any work.
    """
    started, clock, timings = datetime.now().astimezone(), time.perf_counter(), Timings()
    task = task_spec(cfg)
    with timings.stage("load"):
        model = build_model(cfg.model, task)
        selection = load_selection(cfg.dataset, task)
        examples = take_shard(selection, cfg.dataset.num_shards, cfg.dataset.shard_index)
        n_examples = len(examples)
        if n_examples == 0:
            raise DatasetError(
                f"dataset={cfg.dataset.name}: no example to evaluate after the selection (dataset.where="
                f"{OmegaConf.to_container(cfg.dataset.where)}, dataset.limit={cfg.dataset.limit}, shard "
                f"{cfg.dataset.shard_index} of {cfg.dataset.num_shards})"
            )
        data_fingerprint = fingerprint(examples)
        chosen = cfg.dataset
        model.validate(examples, whole_dataset=not (chosen.where or chosen.limit or chosen.num_shards > 1))
        metrics = build_metrics(cfg.metrics, task, list(cfg.task.default_metrics))
        identity = model.identity()

    previous = resume.find_resumable(cfg)
    with ExitStack() as stack:
        # The caches open before the run folder is made: one that cannot be opened leaves no folder behind.
        cache, cache_info = _open_cache(cfg, model, identity, task)
        score_cache = ScoreCache(Path(cfg.run.cache_dir) / SCORE_CACHE_FILE) if cfg.run.cache else None
        for opened in (cache, score_cache):
            if opened is not None:
                stack.callback(opened.close)
        folder = (
            previous
            if previous is not None
            else RunFolder.create(cfg.run.output_root, task.name, cfg.model.name, cfg.dataset.name, started)
        )
        stack.enter_context(folder.locked())  # before anything is read or repaired: a live run is refused
        if previous is None:
            info = _run_info(cfg, model, identity, n_examples, data_fingerprint, selection, folder, started)
            folder.write_config(cfg)
            state = resume.ResumeState()
        else:
            info = _resumed_info(folder, data_fingerprint, started)
            state = resume.prepare(folder)
        info["cache"] = cache_info
        devices = {metric.name: str(metric.device) for metric in metrics if metric.device is not None}
        if devices:
            info["metric_devices"] = devices
        folder.write_json("run.json", info)
        try:
            with timings.stage("generate"):
                report = generate_all(
                    model, examples, folder, cfg.run.chunk_size, cache, state.done, state.listed, n_examples
                )
            if cache:
                info["cache"] = cache.info()
            _check_error_rate(report, n_examples, cfg.run.max_error_rate, folder)
            metrics_file = score_run(metrics, examples, n_examples, folder, cfg.metrics, score_cache, timings)
            info["n_truncated"] = metrics_file["n_truncated"]
            usage = {metric.name: metric.usage() for metric in metrics if metric.usage()}
            if usage:
                info["metric_usage"] = usage
            if score_cache:
                info["score_cache"] = score_cache.info()
            check_failures(metrics_file, folder)
        except BaseException as error:
            info.update({"status": "failed", "finished": datetime.now().astimezone().isoformat()})
            info["error"] = one_line(error)
            with suppress(OSError):  # a full disk may refuse this too: the error is still reported
                folder.write_json("run.json", info)
            raise
        finally:
            folder.close()
        wall = time.perf_counter() - clock
        info.update(
            {
                "status": "complete",
                "finished": datetime.now().astimezone().isoformat(),
                "wall_seconds": wall,
                "examples_per_second": n_examples / wall if wall > 0 else None,
                "timings": timings.as_dict(),
            }
        )
        folder.write_json("run.json", info)
        folder.write_text("summary.md", summary_markdown(dict(info), metrics_file))
    return folder.path


def _open_cache(
    cfg: DictConfig, model: Model, identity: dict[str, Any], task: TaskSpec
) -> tuple[GenerationCache | None, CacheInfo]:
    """The generation cache for this model, or None and why it is not used."""
    refusal = "run.cache=false" if not cfg.run.cache else cache_policy(model, identity)
    if refusal:
        return None, disabled_info(refusal)
    cache = GenerationCache(Path(cfg.run.cache_dir) / CACHE_FILE, model_key(identity, task))
    return cache, cache.info()


def _check_error_rate(report: GenerationReport, n_examples: int, limit: float, folder: RunFolder) -> None:
    """Fail the run when every example failed, or more than ``limit`` of them (this invocation's failures)."""
    failed = sum(report.errors.values())
    if n_examples == 0 or (failed / n_examples <= limit and failed < n_examples):
        return
    reasons = "; ".join(f"{count} x {reason}" for reason, count in report.errors.most_common(3))
    rate = (
        "every example failed"
        if failed == n_examples
        else (f"{failed} of {n_examples} examples failed ({failed / n_examples:.1%} > run.max_error_rate={limit:.1%})")
    )
    raise RunFailed(
        f"{rate}: {reasons}. Fix the cause and finish the run with run.resume={folder.path}, "
        "which retries only the failed examples."
    )


def _resumed_info(folder: RunFolder, data_fingerprint: str, now: datetime) -> RunInfo:
    info = folder.info()
    if info["dataset"]["fingerprint"] != data_fingerprint:
        raise resume.ResumeError(
            f"run.resume={folder.path}: the dataset has changed since the run started "
            f"(fingerprint {info['dataset']['fingerprint']} there, {data_fingerprint} now)"
        )
    info.pop("error", None)
    info.update({"status": "running", "finished": None, "git_commit": _git_commit()})
    info["resumed"] = [*info.get("resumed", []), now.isoformat()]
    return info


def _run_info(
    cfg: DictConfig,
    model: Model,
    identity: dict[str, Any],
    n_examples: int,
    data_fingerprint: str,
    selection: Examples,
    folder: RunFolder,
    started: datetime,
) -> RunInfo:
    dataset: dict[str, Any] = {"name": cfg.dataset.name, "fingerprint": data_fingerprint, "n_examples": n_examples}
    if cfg.dataset.num_shards > 1:  # what every shard must share, for harness merge
        selected = {"fingerprint": fingerprint(selection), "n_examples": len(selection)}
        dataset.update(num_shards=cfg.dataset.num_shards, shard_index=cfg.dataset.shard_index, selection=selected)
    return RunInfo(
        run_id=f"{folder.path.parent.name}/{folder.path.name}",
        status="running",
        started=started.isoformat(),
        finished=None,
        git_commit=_git_commit(),
        versions={
            "python": platform.python_version(),
            **{p: package_version(p) or "not installed" for p in _PACKAGES},
        },
        task=dict(
            name=cfg.task.name, source_lang=cfg.task.source_lang, target_lang=cfg.task.target_lang, mode=cfg.task.mode
        ),
        model=cast(ModelIdentity, identity),
        dataset=dataset,
        seed=cfg.run.seed,
        device=model.device,
        wall_seconds=None,
        examples_per_second=None,
        cache={"enabled": False, "hits": 0, "misses": 0},
    )


def _git_commit() -> str | None:
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True, timeout=10
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return f"{commit}-dirty" if dirty else commit
