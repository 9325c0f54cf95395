"""Values that compose but are wrong: unbounded numbers, non-finite floats, unknown choices and language
codes are one line naming the option at composition, before any work (issue 25 item 3)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from bad_input import assert_one_line_error, tree_digest
from harness.app.hydra_app import compose_config
from harness.core.errors import ConfigError
from testkit import read_json, read_metrics

Cli = Callable[..., tuple[int, str, str]]
HTTP = ("model=openai_compatible", "model.model_name=m")

BAD_VALUES = [
    ([], "metrics.bootstrap_seed=-1", "[0, 4294967295]"),
    ([], "dataset.shuffle_seed=-5", "[0, 4294967295]"),
    ([], "run.seed=-1", "[0, 4294967295]"),
    ([], "metrics.device=bogus", "auto, cpu, cuda"),
    (["model=tiny_t5"], "model.device=gpu0", "auto, cpu, cuda"),
    ([], "metrics.dtype=float8", "float32, float16, bfloat16"),
    ([], "metrics.llm_judge.backend.device=bogus", "auto, cpu, cuda"),
    (list(HTTP), "model.temperature=nan", "a finite number"),
    (list(HTTP), "model.temperature=-1", "at least 0"),
    (list(HTTP), "model.backoff_s=inf", "a finite number"),
    (list(HTTP), "model.timeout_s=inf", "a finite number"),
    ([], "metrics.llm_judge.mqm_weights.minor=nan", "a finite number"),
    ([], "metrics.llm_judge.mqm_weights.major=-5", "at least 0"),
    ([], "metrics.llm_judge.backend.temperature=inf", "a finite number"),
    ([], "metrics.language.copy_chrf_threshold=nan", "a finite number"),
    (["model=tiny_t5"], "model.length_penalty=nan", "a finite number"),
    (["model=textrank"], "model.algorithm=pagerank", "textrank, lexrank"),
    ([], "task.target_lang=xx", "ISO 639-1"),
    ([], "task.target_lang=esp", "ISO 639-1"),
    ([], "task.source_lang=english", "ISO 639-1"),
    ([], "task.target_lang=xx-BR", "ISO 639-1"),  # a region of an unknown language
    ([], "task.target_lang=pt-Brazil", "ISO 639-1"),  # not a BCP-47 subtag
]


@pytest.mark.parametrize(("before", "option", "expected"), BAD_VALUES, ids=[o for _, o, _ in BAD_VALUES])
def test_a_bad_value_is_one_line_naming_it(
    cli: Cli, tmp_path: Path, before: list[str], option: str, expected: str
) -> None:
    results = tmp_path / "results"
    status, stderr, _ = cli("run", f"run.output_root={results}", *before, option)
    key, _, value = option.partition("=")
    assert_one_line_error(status, stderr, key, value, expected)
    assert tree_digest(tmp_path) == {}


def test_an_unknown_language_lists_the_known_ones() -> None:
    with pytest.raises(ConfigError, match="task.target_lang='xx'") as raised:
        compose_config(["task.target_lang=xx"])
    assert all(f" {code}," in str(raised.value) for code in ("de", "en", "es", "pl"))


@pytest.mark.parametrize(("given", "normalised"), [("EN", "en"), ("Es", "es"), ("PL", "pl")])
def test_a_language_code_is_normalised_for_case(given: str, normalised: str) -> None:
    """``EN`` switched ROUGE to the non-English tokenizer without stemming: it is ``en`` everywhere."""
    cfg = compose_config([f"task.target_lang={given}", f"task.source_lang={given}"])
    assert (cfg.task.target_lang, cfg.task.source_lang) == (normalised, normalised)


@pytest.mark.parametrize(("given", "language"), [("pt-BR", "pt"), ("zh-Hant", "zh"), ("es-419", "es"), ("EN-gb", "en")])
def test_a_bcp47_tag_with_script_or_region_runs_as_its_language(
    given: str, language: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """The metrics key on the language (ROUGE's tokenizer, sacrebleu's, the off-target check), so a tag's
    script or region is dropped, and said on stderr, rather than the tag getting a language-neutral treatment."""
    cfg = compose_config([f"task.target_lang={given}"])
    assert cfg.task.target_lang == language
    assert f"harness: warning: task.target_lang={given}: the metrics use its language, {language}" in (
        capsys.readouterr().err
    )


def test_an_upper_case_language_scores_as_the_lower_case_one(run_eval) -> None:
    common = ("model=lead", "dataset=seed", "metrics.names=[rouge]", "metrics.bootstrap_samples=10", "run.cache=false")
    lower, upper = run_eval(*common), run_eval(*common, "task.target_lang=EN", "task.source_lang=EN")
    assert read_metrics(upper) == read_metrics(lower)
    assert read_json(upper / "run.json")["task"]["target_lang"] == "en"


@pytest.mark.parametrize("option", ["model.max_retries=-1", "model.concurrency=0"])
def test_bounds_that_held_before_still_hold(option: str) -> None:
    with pytest.raises(ConfigError, match=option.split("=")[0]):
        compose_config([*HTTP, option])


def test_good_values_compose() -> None:
    cfg = compose_config(
        [
            "metrics.device=cuda:1",
            "metrics.bootstrap_seed=0",
            "metrics.llm_judge.mqm_weights.minor=0.5",
            "task.target_lang=de",
            *HTTP,
            "model.temperature=0.7",
        ]
    )
    assert cfg.metrics.device == "cuda:1" and cfg.model.temperature == 0.7
