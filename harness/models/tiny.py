"""Tiny models built locally: real architectures, random (seeded) weights, a locally trained tokenizer.

They let tests and CI exercise the same ``hf_seq2seq`` and ``hf_causal`` paths as hub models with
nothing downloaded. A model is built once into ``cache_dir`` (atomically) and reused; the same seed
gives the same weights and tokenizer on every machine.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

import sentencepiece as spm
import torch
import yaml
from omegaconf import OmegaConf
from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers
from transformers import (
    BartConfig,
    BartForConditionalGeneration,
    LlamaConfig,
    LlamaForCausalLM,
    M2M100Config,
    M2M100ForConditionalGeneration,
    M2M100Tokenizer,
    MarianConfig,
    MarianMTModel,
    MarianTokenizer,
    PretrainedConfig,
    PreTrainedModel,
    PreTrainedTokenizerBase,
    PreTrainedTokenizerFast,
    Qwen2Config,
    Qwen2ForCausalLM,
    T5Config,
    T5ForConditionalGeneration,
)

from harness.core.paths import PROJECT_ROOT
from harness.core.task import TaskSpec
from harness.models.base import ModelLoadError
from harness.models.config import TinyModelConfig
from harness.models.hf_seq2seq import HFSeq2SeqModel

BUILD_VERSION = 1  # bump when the recipe changes, so cached models are rebuilt
_SEEDS_DIR = PROJECT_ROOT / "seeds"
VOCAB_SIZE = 800
SPM_VOCAB_SIZE = 600
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


# The tiny sizes: T5's, the BART family's (BART, Marian, M2M100) and the decoder-only models' (Qwen2,
# Llama), each family's configs sharing the names.
TINY_T5_SIZE: dict[str, Any] = {
    "d_model": 32,
    "d_kv": 8,
    "d_ff": 64,
    "num_layers": 2,
    "num_decoder_layers": 2,
    "num_heads": 4,
}
TINY_BART_FAMILY_SIZE: dict[str, Any] = {
    "d_model": 32,
    "encoder_layers": 2,
    "decoder_layers": 2,
    "encoder_attention_heads": 4,
    "decoder_attention_heads": 4,
    "encoder_ffn_dim": 64,
    "decoder_ffn_dim": 64,
    "max_position_embeddings": MAX_POSITIONS,
}
TINY_CAUSAL_SIZE: dict[str, Any] = {
    "hidden_size": 32,
    "intermediate_size": 64,
    "num_hidden_layers": 2,
    "num_attention_heads": 4,
    "num_key_value_heads": 2,
    "max_position_embeddings": 2 * MAX_POSITIONS,
}


def _t5() -> tuple[PreTrainedTokenizerFast, PretrainedConfig, type[PreTrainedModel]]:
    tokenizer = train_tokenizer(["<pad>", "</s>", "<unk>"], "$A </s>")
    tokenizer.add_special_tokens({"pad_token": "<pad>", "eos_token": "</s>", "unk_token": "<unk>"})
    config = T5Config(vocab_size=len(tokenizer), pad_token_id=0, eos_token_id=1, **TINY_T5_SIZE)
    config.decoder_start_token_id = 0  # a generic config attribute, not in T5Config's signature
    return tokenizer, config, T5ForConditionalGeneration


def _bart() -> tuple[PreTrainedTokenizerFast, PretrainedConfig, type[PreTrainedModel]]:
    tokenizer = train_tokenizer(["<s>", "<pad>", "</s>", "<unk>"], "<s> $A </s>")
    tokenizer.add_special_tokens({"bos_token": "<s>", "pad_token": "<pad>", "eos_token": "</s>", "unk_token": "<unk>"})
    config = BartConfig(
        vocab_size=len(tokenizer),
        **TINY_BART_FAMILY_SIZE,
        bos_token_id=0,
        pad_token_id=1,
        eos_token_id=2,
        decoder_start_token_id=2,
        forced_eos_token_id=2,
    )
    return tokenizer, config, BartForConditionalGeneration


def train_sentencepiece(folder: Path, vocab_size: int = SPM_VOCAB_SIZE) -> Path:
    """A unigram SentencePiece model trained on :func:`training_corpus` (single-threaded, deterministic),
    with no special pieces but ``<unk>``: the MT tokenizers add their own."""
    path = folder / "spm.model"
    with path.open("wb") as stream:
        spm.SentencePieceTrainer.train(
            sentence_iterator=iter(training_corpus()),
            model_writer=stream,
            vocab_size=vocab_size,
            model_type="unigram",
            character_coverage=1.0,
            num_threads=1,
            unk_id=0,
            bos_id=-1,
            eos_id=-1,
            pad_id=-1,
            minloglevel=2,
        )
    return path


def _sentencepiece_vocab(model: Path, specials: list[str]) -> dict[str, int]:
    """``vocab.json`` for the Marian and M2M100 tokenizers: ``specials`` first, then the pieces."""
    processor = spm.SentencePieceProcessor(model_file=str(model))
    pieces = [processor.id_to_piece(i) for i in range(processor.get_piece_size())]
    return {token: i for i, token in enumerate(specials + [p for p in pieces if p not in specials])}


def _marian() -> tuple[PreTrainedTokenizerBase, PretrainedConfig, type[PreTrainedModel]]:
    """opus-mt layout: one shared vocabulary, ``</s>`` = 0, ``<pad>`` last and the decoder start."""
    with tempfile.TemporaryDirectory() as scratch:
        model = train_sentencepiece(Path(scratch))
        vocab = _sentencepiece_vocab(model, ["</s>", "<unk>"])
        vocab["<pad>"] = len(vocab)
        (Path(scratch) / "vocab.json").write_text(json.dumps(vocab), encoding="utf-8")
        tokenizer = MarianTokenizer(
            str(model), str(model), str(Path(scratch) / "vocab.json"), model_max_length=MAX_POSITIONS
        )
    config = MarianConfig(
        vocab_size=len(vocab),
        decoder_vocab_size=len(vocab),
        **TINY_BART_FAMILY_SIZE,
        pad_token_id=vocab["<pad>"],
        eos_token_id=0,
        decoder_start_token_id=vocab["<pad>"],
        forced_eos_token_id=0,
    )
    return tokenizer, config, MarianMTModel


def _m2m100() -> tuple[PreTrainedTokenizerBase, PretrainedConfig, type[PreTrainedModel]]:
    """M2M100 layout: ``__xx__`` language tokens after the pieces; the source language prefixes the
    input, the target language is forced as the first generated token."""
    with tempfile.TemporaryDirectory() as scratch:
        model = train_sentencepiece(Path(scratch))
        vocab = _sentencepiece_vocab(model, ["<s>", "<pad>", "</s>", "<unk>"])
        (Path(scratch) / "vocab.json").write_text(json.dumps(vocab), encoding="utf-8")
        tokenizer = M2M100Tokenizer(
            str(Path(scratch) / "vocab.json"), str(model), src_lang="en", tgt_lang="es", model_max_length=MAX_POSITIONS
        )
    config = M2M100Config(
        vocab_size=max(tokenizer.lang_token_to_id.values()) + 1,  # language tokens follow the pieces
        **TINY_BART_FAMILY_SIZE,
        bos_token_id=0,
        pad_token_id=1,
        eos_token_id=2,
        decoder_start_token_id=2,
    )
    return tokenizer, config, M2M100ForConditionalGeneration


CHATML_TEMPLATE = (
    "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + "
    "'<|im_end|>' + '\\n' }}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
)
LLAMA3_TEMPLATE = (
    "{{ '<|begin_of_text|>' }}{% for message in messages %}{{ '<|start_header_id|>' + message['role'] + "
    "'<|end_header_id|>\\n\\n' + message['content'] + '<|eot_id|>' }}{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{% endif %}"
)


def _qwen2() -> tuple[PreTrainedTokenizerBase, PretrainedConfig, type[PreTrainedModel]]:
    """Qwen2 layout: ChatML turns, ``<|im_end|>`` ends a turn, ``<|endoftext|>`` pads."""
    tokenizer = train_tokenizer(["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<unk>"], "$A")
    tokenizer.add_special_tokens({"eos_token": "<|im_end|>", "pad_token": "<|endoftext|>", "unk_token": "<unk>"})
    tokenizer.chat_template = CHATML_TEMPLATE
    config = Qwen2Config(
        vocab_size=len(tokenizer),
        **TINY_CAUSAL_SIZE,
        eos_token_id=2,
        pad_token_id=0,
        bos_token_id=None,
        tie_word_embeddings=False,
    )
    return tokenizer, config, Qwen2ForCausalLM


def _llama() -> tuple[PreTrainedTokenizerBase, PretrainedConfig, type[PreTrainedModel]]:
    """Llama 3 layout: header-delimited turns, ``<|eot_id|>`` ends a turn, no pad token of its own."""
    special = [
        "<|begin_of_text|>",
        "<|end_of_text|>",
        "<|start_header_id|>",
        "<|end_header_id|>",
        "<|eot_id|>",
        "<unk>",
    ]
    tokenizer = train_tokenizer(special, "$A")
    tokenizer.add_special_tokens({"bos_token": "<|begin_of_text|>", "eos_token": "<|eot_id|>", "unk_token": "<unk>"})
    tokenizer.chat_template = LLAMA3_TEMPLATE
    config = LlamaConfig(
        vocab_size=len(tokenizer),
        **TINY_CAUSAL_SIZE,
        bos_token_id=0,
        eos_token_id=4,
        tie_word_embeddings=False,
    )
    return tokenizer, config, LlamaForCausalLM


Recipe = Callable[[], tuple[PreTrainedTokenizerBase, PretrainedConfig, type[PreTrainedModel]]]
RECIPES: dict[str, Recipe] = {
    "t5": _t5,
    "bart": _bart,
    "marian": _marian,
    "m2m100": _m2m100,
    "qwen2": _qwen2,
    "llama": _llama,
}


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


class TinySeq2SeqModel(HFSeq2SeqModel):
    """A tiny model built on first use, then loaded exactly like a hub model by :class:`HFSeq2SeqModel`."""

    def __init__(self, cfg: TinyModelConfig, task: TaskSpec) -> None:
        folder = build_tiny_model(cfg.architecture, cfg.cache_dir, cfg.build_seed)
        resolved = OmegaConf.merge(cfg, {"name_or_path": str(folder)})  # still a node of cfg's schema
        super().__init__(cast(TinyModelConfig, resolved), task)
