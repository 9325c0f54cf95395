"""Summarisers: extractive baselines and the hf_seq2seq path exercised with tiny local models."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from omegaconf import OmegaConf

from harness.core.errors import ConfigError
from harness.core.sentences import split_sentences
from harness.core.task import TaskSpec
from harness.data.example import Example
from harness.data.seed import seed_summarisation_examples
from harness.models.base import ModelLoadError
from harness.models.registry import build_model
from harness.models.tiny import build_tiny_model
from testkit import ROOT, compose_config

SEED = seed_summarisation_examples(ROOT / "seeds" / "russia-dprk-pact.yaml", ["short"])


def model_from(*overrides: str):
    cfg = compose_config(list(overrides))
    return build_model(cfg.model, TaskSpec())


def test_lead_takes_the_first_k_sentences() -> None:
    output = model_from("model=lead", "model.k=2").generate(SEED)[0].output
    first = split_sentences(SEED[0].source)
    assert output == f"{first[0]} {first[1]}"


@pytest.mark.parametrize("name", ["textrank", "lexrank"])
def test_graph_summarisers_extract_source_sentences(name: str) -> None:
    output = model_from(f"model={name}", "model.sentences=2").generate(SEED)[0].output
    sentences = split_sentences(SEED[0].source)
    picked = split_sentences(output)
    assert len(picked) == 2 and all(s in sentences for s in picked)


def test_unknown_sumy_algorithm_fails_at_composition() -> None:
    """The schema's choices (textrank, lexrank) refuse it before any model is built."""
    with pytest.raises(ConfigError, match="model.algorithm='lsa2': expected one of textrank, lexrank"):
        model_from("model=textrank", "model.algorithm=lsa2")


@pytest.fixture(scope="module")
def tiny_t5(tmp_path_factory):
    return model_from("model=tiny_t5", f"model.cache_dir={tmp_path_factory.mktemp('tiny')}", "model.batch_size=2")


def test_tiny_models_are_built_reproducibly(tmp_path: Path) -> None:
    first = build_tiny_model("t5", tmp_path / "a")
    second = build_tiny_model("t5", tmp_path / "b")
    for name in ("model.safetensors", "tokenizer.json", "config.json"):
        assert (first / name).read_bytes() == (second / name).read_bytes(), name


def test_batched_generation_keeps_order_and_flags_truncation(tiny_t5) -> None:
    short = Example("s", "North Korea and Russia signed a pact.")
    examples = [short, SEED[0], Example("m", "Putin visited Pyongyang on Wednesday. " * 3)]
    together = tiny_t5.generate(examples)
    alone = [tiny_t5.generate([e])[0] for e in examples]
    assert [g.output for g in together] == [g.output for g in alone]
    assert [g.truncated for g in together] == [False, True, False]
    assert tiny_t5.max_input_tokens == 256
    assert all(g.output and g.error is None for g in together)


def test_identity_records_the_weights_hash(tiny_t5) -> None:
    identity = tiny_t5.identity()
    assert len(identity["weights_hash"]) == 16
    assert identity["params"]["num_beams"] == 2 and identity["params"]["prefix"] == "summarize: "


def test_bad_path_fails_with_the_reason(tmp_path: Path) -> None:
    with pytest.raises(ModelLoadError, match=r"model.name_or_path=.*missing.*could not be loaded"):
        model_from("model=t5_small", f"model.name_or_path={tmp_path / 'missing'}")


def test_missing_weights_fail_at_load(tmp_path: Path) -> None:
    folder = build_tiny_model("bart", tmp_path)
    (folder / "model.safetensors").unlink()
    with pytest.raises(ModelLoadError, match="could not be loaded"):
        model_from("model=t5_small", f"model.name_or_path={folder}")


def test_remote_code_is_refused_unless_allowed(tmp_path: Path) -> None:
    folder = tmp_path / "custom"
    folder.mkdir()
    (folder / "config.json").write_text(
        json.dumps({"model_type": "my-custom", "auto_map": {"AutoConfig": "configuration_custom.CustomConfig"}})
    )
    with pytest.raises(ModelLoadError, match="trust_remote_code=true"):
        model_from("model=t5_small", f"model.name_or_path={folder}")


def test_unavailable_device_is_refused() -> None:
    import torch

    if torch.cuda.is_available():
        pytest.skip("CUDA is available here")
    with pytest.raises(ModelLoadError, match="model.device=cuda"):
        model_from("model=tiny_t5", "model.device=cuda")


def test_a_failing_example_does_not_lose_the_batch(tiny_t5, monkeypatch) -> None:
    real = tiny_t5._decode

    def flaky(texts: list[str]) -> list[str]:
        if any("poison" in t for t in texts):
            raise RuntimeError("boom")
        return real(texts)

    monkeypatch.setattr(tiny_t5, "_decode", flaky)
    generations = tiny_t5.generate([Example("a", "fine text"), Example("b", "poison"), Example("c", "more text")])
    assert [g.error is None for g in generations] == [True, False, True]
    assert "boom" in generations[1].error


def test_config_node_is_struct() -> None:
    cfg = compose_config(["model=tiny_bart"])
    assert OmegaConf.is_struct(cfg.model) or OmegaConf.is_struct(cfg)
