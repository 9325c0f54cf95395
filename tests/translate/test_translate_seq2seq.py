"""hf_seq2seq as a translator: tiny locally built Marian and M2M100-style models."""

from __future__ import annotations

from pathlib import Path

import pytest
from omegaconf import OmegaConf

from harness.core.task import TaskSpec
from harness.data.example import Example
from harness.models.base import ModelLoadError
from harness.models.config import TinyModelConfig
from harness.models.tiny import TinySeq2SeqModel
from testkit import read_jsonl, read_metrics, run_harness

TASK = TaskSpec("translate", "en", "es")
SOURCES = [Example("a", "North Korea has sent Russia around 190 tonnes of ammunition."), Example("b", "Hello.")]


def tiny(cache_dir: Path, architecture: str, **overrides: object) -> TinySeq2SeqModel:
    cfg = OmegaConf.merge(
        OmegaConf.structured(TinyModelConfig),
        {
            "name": f"tiny_{architecture}",
            "architecture": architecture,
            "cache_dir": str(cache_dir),
            "num_beams": 2,
            "max_new_tokens": 8,
            "no_repeat_ngram_size": 1,
            **overrides,
        },
    )
    return TinySeq2SeqModel(cfg, TASK)


def test_m2m100_source_language_on_the_tokenizer_and_forced_target(cache_dir: Path) -> None:
    model = tiny(cache_dir, "m2m100", src_lang_code="en", tgt_lang_code="es")
    tokens = model.tokenizer.convert_ids_to_tokens(model.tokenizer("Hello.")["input_ids"])
    assert tokens[0] == "__en__" and tokens[-1] == "</s>"
    assert model.generate_kwargs["forced_bos_token_id"] == model.tokenizer.get_lang_id("es")
    generations = model.generate(SOURCES)
    assert [g.error for g in generations] == [None, None]
    assert all(g.output and "__" not in g.output for g in generations)  # language tokens are not output


def test_m2m100_unknown_target_language_fails_at_load(cache_dir: Path) -> None:
    with pytest.raises(ModelLoadError, match="xx"):
        tiny(cache_dir, "m2m100", src_lang_code="en", tgt_lang_code="xx")


@pytest.mark.slow
def test_marian_translates_in_order_and_records_its_weights(cache_dir: Path) -> None:
    model = tiny(cache_dir, "marian")
    assert type(model.model).__name__ == "MarianMTModel" and type(model.tokenizer).__name__ == "MarianTokenizer"
    generations = model.generate(SOURCES)
    assert all(isinstance(g.output, str) and g.error is None for g in generations)
    assert model.generate(SOURCES[1:])[0].output == generations[1].output  # batching does not change outputs
    assert len(model.identity()["weights_hash"]) == 16


@pytest.mark.parametrize("architecture", ["marian", "m2m100"])
def test_tiny_models_are_tiny(cache_dir: Path, architecture: str) -> None:
    model = tiny(cache_dir, architecture, src_lang_code="en" if architecture == "m2m100" else None)
    assert sum(p.numel() for p in model.model.parameters()) < 200_000


def test_same_seed_same_model(cache_dir: Path, tmp_path: Path) -> None:
    first = tiny(cache_dir, "marian").identity()["weights_hash"]
    assert tiny(tmp_path, "marian").identity()["weights_hash"] == first


@pytest.mark.slow
@pytest.mark.parametrize("model", ["tiny_marian", "tiny_m2m100"])
def test_seed_translation_end_to_end(model: str, tmp_path: Path, cache_dir: Path) -> None:
    folder = run_harness(
        tmp_path,
        "task=translate",
        f"model={model}",
        "dataset=seed",
        f"model.cache_dir={cache_dir}",
        "metrics.names=[bleu,chrf,language]",
    )
    predictions = read_jsonl(folder / "predictions.jsonl")
    assert len(predictions) == 12 and all(p["error"] is None for p in predictions)
    metrics = read_metrics(folder)
    assert {"bleu", "chrf", "chrf++", "ter", "sentence_bleu", "language.copy"} <= set(metrics)
    assert metrics["chrf"]["value"] < 30  # random weights


@pytest.mark.parametrize(
    ("overrides", "warned"),
    [
        (["model=opus_mt_en_de"], "model opus_mt_en_de translates en-de, but the task is en-es"),
        (["model=opus_mt_en_de", "task.target_lang=de"], None),
        (["model=opus_mt_en_es"], None),
        (["model=nllb_200_distilled_600m", "task.target_lang=de"], "translates en-es, but the task is en-de"),
        (["model=nllb_200_distilled_600m", "model.tgt_lang_code=deu_Latn", "task.target_lang=de"], None),
        (["model=m2m100_418m", "task.target_lang=pl"], None),
    ],
)
def test_a_preset_for_another_language_pair_warns(
    overrides: list[str], warned: str | None, capsys: pytest.CaptureFixture[str]
) -> None:
    from harness.app.hydra_app import compose_config
    from harness.core.task import task_spec
    from harness.models.registry import build_model

    cfg = compose_config(["task=translate", *overrides])
    with pytest.raises(ModelLoadError):  # hub models: no hub here; the warning comes first
        build_model(cfg.model, task_spec(cfg))
    err = capsys.readouterr().err
    if warned:
        assert err.startswith("harness: warning: model ") and warned in err
        assert "task.source_lang/task.target_lang" in err
    else:
        assert "warning" not in err
