"""Hydra composition: every option composes, and bad keys, types or names fail before any work."""

from __future__ import annotations

from pathlib import Path

import pytest
from hydra import compose, initialize_config_dir
from omegaconf import OmegaConf

from harness.app.hydra_app import CONFIG_DIR
from harness.core.errors import ConfigError
from harness.core.task import TaskSpec
from harness.metrics.registry import build_metrics
from harness.models.registry import MODELS
from harness.pipeline.config import register_configs
from testkit import ROOT, compose_config, harness_cli


@pytest.mark.parametrize("group", ["model", "dataset", "task", "metrics"])
def test_every_option_of_a_group_composes(group: str) -> None:
    options = sorted(p.stem for p in (ROOT / "configs" / group).glob("*.yaml"))
    assert options
    for option in options:
        try:
            cfg = compose_config([f"{group}={option}"])
        except ConfigError as error:  # an option that needs a value from the user (a model path, ...)
            assert "no value given" in str(error), error
            continue
        assert cfg[group] is not None


@pytest.mark.parametrize("others", [[], ["task=translate", "model=apertium"]])
def test_debug_fast_is_the_cheap_metrics_override(others: list[str]) -> None:
    """`debug=fast` (configs/debug/) composes to what the tests' repeated override set before it, over
    any task, and a later override still wins."""
    fast = compose_config([*others, "debug=fast"])
    assert fast == compose_config([*others, "metrics.names=[rouge,reference_free]"])
    assert fast != compose_config(others)
    assert compose_config([*others, "debug=fast", "metrics.names=[rouge]"]).metrics.names == ["rouge"]


def test_default_config_is_the_seed_with_lead() -> None:
    cfg = compose_config()
    assert (cfg.task.name, cfg.model.name, cfg.dataset.name) == ("summarise", "lead", "seed")
    assert cfg.model.k == 3


def test_a_misspelt_key_names_the_key_and_the_options() -> None:
    with pytest.raises(ConfigError, match=r"^model\.num_beam: not an option of model; expected one of .*num_beams"):
        compose_config(["model=tiny_t5", "model.num_beam=3"])


def test_a_wrong_type_names_the_key() -> None:
    with pytest.raises(ConfigError, match=r"^model\.num_beams=many: expected a value of type integer$"):
        compose_config(["model=tiny_t5", "model.num_beams=many"])


def test_unknown_model_lists_the_available_ones() -> None:
    with pytest.raises(ConfigError, match=r"^model=no_such_model: no such config in model; expected .*lead.*tiny_t5"):
        compose_config(["model=no_such_model"])


def test_cli_help_lists_subcommands() -> None:
    result = harness_cli("--help")
    assert "run" in result.stdout


def test_cli_reports_config_errors_before_any_work(tmp_path: Path) -> None:
    result = harness_cli("run", "dataset=nope", f"run.output_root={tmp_path}", check=False)
    assert result.returncode != 0
    assert "nope" in result.stderr and "seed" in result.stderr
    assert not any(tmp_path.iterdir())


@pytest.mark.slow
def test_cli_reports_bad_input_as_one_clear_line(tmp_path: Path) -> None:
    result = harness_cli(
        "run",
        "model=predictions",
        f"model.path={tmp_path / 'nope.jsonl'}",
        f"run.output_root={tmp_path / 'results'}",
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.strip() == f"harness: error: model.path: {tmp_path / 'nope.jsonl'} does not exist"
    assert not (tmp_path / "results").exists()


@pytest.mark.parametrize("preset", sorted(p.stem for p in (ROOT / "configs" / "model").glob("*.yaml")))
def test_each_model_preset_starts_from_its_backends_schema(preset: str) -> None:
    """Composed without validation (some presets leave a path for the user to set)."""
    register_configs()
    with initialize_config_dir(config_dir=CONFIG_DIR, version_base="1.3"):
        cfg = compose(config_name="config", overrides=[f"model={preset}"])
    schema = OmegaConf.get_type(cfg.model)
    assert schema is not None and schema.__module__ == "harness.models.config"
    assert schema.backend == cfg.model.backend and cfg.model.backend in MODELS.names()


@pytest.mark.parametrize(
    ("override", "metric", "expected"),
    [
        ("metrics.rouge.use_stemmer=false", "rouge", "stem:no"),
        ("metrics.sacrebleu.tokenize=char", "bleu", "tok:char"),
        ("metrics.sacrebleu.lowercase=true", "bleu", "case:lc|eff:no|tok:13a"),  # BLEU (chrF is always lc)
    ],
)
def test_a_metric_reads_its_own_config_node(override: str, metric: str, expected: str) -> None:
    def signature(*overrides: str) -> str:
        cfg = compose_config(["task=translate", "task.target_lang=de", f"metrics.names=[{metric}]", *overrides])
        return build_metrics(cfg.metrics, TaskSpec(target_lang="de"), [])[0].signature()

    assert expected in signature(override) and expected not in signature()


def test_the_language_metric_reads_its_copy_threshold() -> None:
    cfg = compose_config(["metrics.names=[language]", "metrics.language.copy_chrf_threshold=50"])
    (metric,) = build_metrics(cfg.metrics, TaskSpec(), [])
    assert metric.copy_threshold == 50
