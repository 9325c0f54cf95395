"""The Hydra application behind ``harness run``: composes ``configs/`` and calls the runner."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

import hydra
from hydra import compose, initialize_config_dir
from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from omegaconf import DictConfig

from harness.cluster_jobs import in_cluster_job, record_failure
from harness.config import register_configs, reject_renamed_keys, validate_config
from harness.errors import ConfigError, InputError, RunFailed, report_input_error
from harness.results.load_metrics import print_run_table

CONFIG_DIR = str(Path(__file__).resolve().parents[1] / "configs")
RUN_POINTER = "harness_run.json"  # written into each multirun job's folder, read by the multirun table


@hydra.main(config_path=CONFIG_DIR, config_name="config", version_base="1.3")
def hydra_run(cfg: DictConfig) -> str | None:
    """One run; in a cluster job a failure is recorded for the launching process to report."""
    hydra_cfg = HydraConfig.get()
    try:
        validate_config(cfg)
        from harness.runner import run  # heavy imports after validation, so config errors come fast

        _quiet_libraries()
        run_dir = run(cfg)
    except Exception as error:
        if in_cluster_job():
            record_failure(error, Path(hydra_cfg.runtime.output_dir), list(hydra_cfg.overrides.task))
            return None
        if not isinstance(error, InputError | RunFailed) or os.environ.get("HYDRA_FULL_ERROR") == "1":
            raise
        sys.exit(report_input_error(error))
    if hydra_cfg.mode == RunMode.MULTIRUN:
        pointer = {"run_dir": str(run_dir.resolve()), "overrides": list(hydra_cfg.overrides.task)}
        (Path(hydra_cfg.runtime.output_dir) / RUN_POINTER).write_text(json.dumps(pointer), encoding="utf-8")
    else:
        print_run_table([run_dir])
    return str(run_dir)


def compose_config(overrides: Sequence[str] = ()) -> DictConfig:
    """The config ``harness run <overrides>`` would run with (for tests, benchmarks and scripts)."""
    reject_renamed_keys(overrides)
    register_configs()
    with initialize_config_dir(config_dir=CONFIG_DIR, version_base="1.3"):
        cfg = compose(config_name="config", overrides=list(overrides))
    validate_config(cfg)
    return cfg


def _quiet_libraries() -> None:
    import transformers

    from harness.progress import quiet_libraries

    quiet_libraries()
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    transformers.utils.logging.set_verbosity_error()
    transformers.utils.logging.disable_progress_bar()


def main(argv: list[str]) -> None:
    """Run the Hydra app with ``argv`` as its command line (overrides, ``-m``, ``--cfg job``, ...)."""
    try:
        reject_renamed_keys(arg for arg in argv if not arg.startswith("-"))
    except ConfigError as error:
        sys.exit(report_input_error(error))
    register_configs()
    saved = sys.argv
    sys.argv = ["harness run", *argv]
    try:
        hydra_run()
    finally:
        sys.argv = saved
