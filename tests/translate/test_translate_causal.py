"""hf_causal: tiny locally built Qwen2- and Llama-style chat models, for translation and summarisation."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from omegaconf import OmegaConf

from harness.core.task import TaskSpec
from harness.data.example import Example
from harness.models.base import ModelLoadError
from harness.models.config import HFCausalConfig, TinyCausalConfig
from harness.models.hf_causal import HFCausalModel
from harness.models.tiny import build_tiny_model
from harness.models.tiny_causal import TinyCausalModel
from testkit import read_jsonl, read_metrics, run_harness

TASK = TaskSpec("translate", "en", "es")
SHORT = Example("a", "Hello there.")
LONG = Example("b", "North Korea has sent Russia around 190 tonnes of ammunition. " * 4)


def tiny(cache_dir: Path, architecture: str = "qwen2", task: TaskSpec = TASK, **overrides: object) -> TinyCausalModel:
    cfg = OmegaConf.merge(
        OmegaConf.structured(TinyCausalConfig),
        {
            "name": "tiny_causal",
            "architecture": architecture,
            "cache_dir": str(cache_dir),
            "max_new_tokens": 12,
            **overrides,
        },
    )
    return TinyCausalModel(cfg, task)


@pytest.mark.parametrize(("architecture", "end_of_turn"), [("qwen2", "<|im_end|>"), ("llama", "<|eot_id|>")])
def test_chat_prompt_left_padding_and_end_of_turn(cache_dir: Path, architecture: str, end_of_turn: str) -> None:
    model = tiny(cache_dir, architecture)
    prompt, truncated = model._prompt(SHORT)
    assert "Translate the following English text into Spanish." in prompt and not truncated
    assert prompt.rstrip().endswith("assistant") or prompt.endswith("<|end_header_id|>\n\n")
    assert model.tokenizer.convert_tokens_to_ids(end_of_turn) in model.generate_kwargs["eos_token_id"]
    batched = model.generate([SHORT, LONG])
    alone = model.generate([SHORT])
    assert batched[0].output == alone[0].output  # left padding: the short prompt is unaffected by the long one
    assert all(g.output and "Translate" not in g.output and g.error is None for g in batched)  # prompt stripped


def test_long_source_is_shortened_and_marked(cache_dir: Path) -> None:
    model = tiny(cache_dir, max_input_tokens=90)
    prompt, truncated = model._prompt(LONG)
    assert truncated and len(model.tokenizer(prompt, add_special_tokens=False)["input_ids"]) <= 90
    assert prompt.endswith("<|im_start|>assistant\n")  # the template's end survives
    assert model.generate([LONG])[0].truncated


def test_prompt_and_system_prompt_from_the_config(cache_dir: Path) -> None:
    model = tiny(cache_dir, prompt="{source_lang} -> {target_lang}: {source}", system_prompt="You translate news.")
    prompt, _ = model._prompt(SHORT)
    assert (
        "<|im_start|>system\nYou translate news.<|im_end|>" in prompt and "English -> Spanish: Hello there." in prompt
    )
    assert model.identity()["params"]["prompt"] == "{source_lang} -> {target_lang}: {source}"
    with pytest.raises(ModelLoadError, match="placeholders"):
        tiny(cache_dir, prompt="Translate {text}")


def test_model_without_chat_template_fails_at_load(cache_dir: Path, tmp_path: Path) -> None:
    folder = tmp_path / "no-template"
    shutil.copytree(build_tiny_model("qwen2", cache_dir), folder)
    (folder / "chat_template.jinja").unlink()
    cfg = OmegaConf.merge(OmegaConf.structured(HFCausalConfig), {"name": "x", "name_or_path": str(folder)})
    with pytest.raises(ModelLoadError, match="no chat template"):
        HFCausalModel(cfg, TASK)


def test_summarise_prompt(cache_dir: Path) -> None:
    model = tiny(cache_dir, task=TaskSpec("summarise"))
    assert "Summarise the following article" in model._prompt(LONG)[0]


@pytest.mark.slow
@pytest.mark.parametrize("task", ["translate", "summarise"])
def test_end_to_end(task: str, tmp_path: Path, cache_dir: Path) -> None:
    metrics_names = "[chrf,language]" if task == "translate" else "[rouge]"
    folder = run_harness(
        tmp_path,
        f"task={task}",
        "model=tiny_causal",
        "dataset=seed",
        f"model.cache_dir={cache_dir}",
        f"metrics.names={metrics_names}",
    )
    predictions = read_jsonl(folder / "predictions.jsonl")
    assert predictions and all(p["error"] is None and p["output"] for p in predictions)
    assert ("chrf" if task == "translate" else "rouge1") in read_metrics(folder)
