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
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.errors import HydraException
from hydra.types import RunMode
from omegaconf import DictConfig

from harness.app.cluster_jobs import in_cluster_job, record_failure
from harness.core.errors import ConfigError, InputError, RunFailed, report_input_error
from harness.pipeline.config import config_error_from_hydra, register_configs, reject_renamed_keys, validate_config
from harness.results.load_metrics import print_run_table

CONFIG_DIR = str(Path(__file__).resolve().parents[2] / "configs")
RUN_POINTER = "harness_run.json"  # written into each multirun job's folder, read by the multirun table
OTHER_PRIMARY_CONFIG = ("-cn", "--config-name", "-cp", "--config-path", "-cd", "--config-dir")


@hydra.main(config_path=CONFIG_DIR, config_name="config", version_base="1.3")
def hydra_run(cfg: DictConfig) -> str | None:
    """One run; in a sweep job a failure is recorded for the launching process to report, so that the
    other jobs still run."""
    hydra_cfg = HydraConfig.get()
    try:
        validate_config(cfg)
        from harness.pipeline.runner import run  # heavy imports after validation, so config errors come fast

        _quiet_libraries()
        run_dir = run(cfg)
    except Exception as error:
        if hydra_cfg.mode == RunMode.MULTIRUN or in_cluster_job():
            job_dir = Path(hydra_cfg.runtime.output_dir)
            record_failure(error, job_dir, hydra_cfg.job.num, list(hydra_cfg.overrides.task))
            return None
        if not isinstance(error, InputError | RunFailed | OSError) or os.environ.get("HYDRA_FULL_ERROR") == "1":
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
    try:
        with initialize_config_dir(config_dir=CONFIG_DIR, version_base="1.3"):
            cfg = compose(config_name="config", overrides=list(overrides))
    except HydraException as error:
        raise config_error_from_hydra(error) from error
    validate_config(cfg)
    return cfg


def check_every_job(argv: Sequence[str]) -> None:
    """Compose and validate each value of each sweep once before Hydra starts a job, so that a bad option,
    config or value is one :class:`ConfigError` line, not Hydra's multi-line report after some jobs ran.
    A command line that names another primary config is left to Hydra, but for flat metric keys of
    earlier versions."""
    lines = [arg for arg in argv if not arg.startswith("-") and ("=" in arg or arg.startswith("~"))]
    reject_renamed_keys(lines)
    if any(arg.partition("=")[0] in OTHER_PRIMARY_CONFIG for arg in argv):
        return
    try:
        overrides = OverridesParser.create().parse_overrides(lines)
        sweeps = {
            index: list(override.sweep_string_iterator())
            for index, override in enumerate(overrides)
            if override.is_sweep_override()
        }
    except HydraException as error:
        raise config_error_from_hydra(error) from error
    if sweeps and not {"-m", "--multirun", "hydra.mode=MULTIRUN"} & {*argv}:
        compose_config(lines)  # Hydra's "ambiguous value" error, as one line
    first = [
        f"{override.get_key_element()}={sweeps[index][0]}" if index in sweeps else line
        for index, (override, line) in enumerate(zip(overrides, lines, strict=True))
    ]
    compose_config(first)
    for index, values in sweeps.items():
        for value in values[1:]:
            compose_config([*first[:index], f"{overrides[index].get_key_element()}={value}", *first[index + 1 :]])


def _quiet_libraries() -> None:
    import transformers

    from harness.core.progress import quiet_libraries

    quiet_libraries()
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    transformers.utils.logging.set_verbosity_error()
    transformers.utils.logging.disable_progress_bar()


def main(argv: list[str]) -> None:
    """Run the Hydra app with ``argv`` as its command line (overrides, ``-m``, ``--cfg job``, ...)."""
    try:
        check_every_job(argv)
    except ConfigError as error:
        sys.exit(report_input_error(error))
    register_configs()
    saved = sys.argv
    sys.argv = ["harness run", *argv]
    try:
        hydra_run()
    finally:
        sys.argv = saved
