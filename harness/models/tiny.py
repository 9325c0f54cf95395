"""Tiny seq2seq models built locally: real architectures, random (seeded) weights, a locally trained tokenizer.

They let tests and CI exercise the same ``hf_seq2seq`` loading and generation path as hub models with
nothing downloaded. A model is built once into ``cache_dir`` (atomically) and reused; the same seed
gives the same weights and tokenizer on every machine.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import torch
import yaml
from omegaconf import OmegaConf
from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors, trainers, decoders
from transformers import (
    BartConfig,
    BartForConditionalGeneration,
    PretrainedConfig,
    PreTrainedModel,
    PreTrainedTokenizerFast,
    T5Config,
    T5ForConditionalGeneration,
)

from harness.models.base import ModelLoadError, TaskSpec
from harness.models.hf_seq2seq import HFSeq2SeqModel
from harness.models.registry import register_backend
from harness.paths import PROJECT_ROOT

BUILD_VERSION = 1  # bump when the recipe changes, so cached models are rebuilt
_SEEDS_DIR = PROJECT_ROOT / "seeds"
VOCAB_SIZE = 800
MAX_POSITIONS = 256


def training_corpus() -> list[str]:
    """Text the tokenizer is trained on: the seed article and its references in every language."""
    spec = yaml.safe_load((_SEEDS_DIR / "russia-dprk-pact.yaml").read_text(encoding="utf-8"))
    lines = (_SEEDS_DIR / spec["source_file"]).read_text(encoding="utf-8").splitlines()
    lines += [str(text) for text in spec["references"].values()]
    for sentences in spec["translation"].values():
        lines += sentences
    return [line for line in lines if line.strip()]


def train_tokenizer(special: list[str], template: str) -> PreTrainedTokenizerFast:
    """A byte-level BPE tokenizer trained on :func:`training_corpus`; ``special`` in id order."""
    tokenizer = Tokenizer(models.BPE(unk_token=special[-1]))
    tokenizer.normalizer = normalizers.NFC()
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=True)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=VOCAB_SIZE,
        special_tokens=special,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tokenizer.train_from_iterator(training_corpus(), trainer=trainer)
    tokenizer.post_processor = processors.TemplateProcessing(
        single=template, special_tokens=[(t, tokenizer.token_to_id(t)) for t in special if t in template]
    )
    return PreTrainedTokenizerFast(tokenizer_object=tokenizer, model_max_length=MAX_POSITIONS)


def _t5() -> tuple[PreTrainedTokenizerFast, PretrainedConfig, type[PreTrainedModel]]:
    tokenizer = train_tokenizer(["<pad>", "</s>", "<unk>"], "$A </s>")
    tokenizer.add_special_tokens({"pad_token": "<pad>", "eos_token": "</s>", "unk_token": "<unk>"})
    config = T5Config(
        vocab_size=len(tokenizer), d_model=32, d_kv=8, d_ff=64, num_layers=2, num_decoder_layers=2,
        num_heads=4, pad_token_id=0, eos_token_id=1, decoder_start_token_id=0,
    )
    return tokenizer, config, T5ForConditionalGeneration


def _bart() -> tuple[PreTrainedTokenizerFast, PretrainedConfig, type[PreTrainedModel]]:
    tokenizer = train_tokenizer(["<s>", "<pad>", "</s>", "<unk>"], "<s> $A </s>")
    tokenizer.add_special_tokens({"bos_token": "<s>", "pad_token": "<pad>", "eos_token": "</s>", "unk_token": "<unk>"})
    config = BartConfig(
        vocab_size=len(tokenizer), d_model=32, encoder_layers=2, decoder_layers=2,
        encoder_attention_heads=4, decoder_attention_heads=4, encoder_ffn_dim=64, decoder_ffn_dim=64,
        max_position_embeddings=MAX_POSITIONS, bos_token_id=0, pad_token_id=1, eos_token_id=2,
        decoder_start_token_id=2, forced_eos_token_id=2,
    )
    return tokenizer, config, BartForConditionalGeneration


Recipe = Callable[[], tuple[PreTrainedTokenizerFast, PretrainedConfig, type[PreTrainedModel]]]
RECIPES: dict[str, Recipe] = {"t5": _t5, "bart": _bart}


def build_tiny_model(architecture: str, cache_dir: str | Path, seed: int = 0) -> Path:
    """The folder of the tiny model (built on first use), loadable with ``from_pretrained``."""
    if architecture not in RECIPES:
        raise ModelLoadError(f"model.architecture={architecture!r} is unknown; available: {sorted(RECIPES)}")
    folder = Path(cache_dir) / f"{architecture}-seed{seed}-v{BUILD_VERSION}"
    if (folder / "config.json").is_file():
        return folder
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}-", dir=folder.parent))
    try:
        tokenizer, config, model_class = RECIPES[architecture]()
        torch.manual_seed(seed)
        model = model_class(config).eval()
        model.save_pretrained(staging)
        tokenizer.save_pretrained(staging)
        os.replace(staging, folder) if not folder.exists() else shutil.rmtree(staging)
    except OSError:
        shutil.rmtree(staging, ignore_errors=True)
        if not (folder / "config.json").is_file():  # not a lost race with a concurrent build
            raise
    return folder


@register_backend("tiny")
class TinySeq2SeqModel(HFSeq2SeqModel):
    """A tiny model built on first use, then loaded exactly like a hub model by :class:`HFSeq2SeqModel`."""

    def __init__(self, cfg: Any, task: TaskSpec) -> None:
        folder = build_tiny_model(cfg.architecture, cfg.cache_dir, cfg.build_seed)
        resolved = OmegaConf.merge(cfg, {"name_or_path": str(folder)})
        super().__init__(resolved, task)
