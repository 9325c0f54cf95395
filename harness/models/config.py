"""Model backends' config schemas: ``/schema/model/<backend>``, which the YAML presets in ``configs/model/``
start from. The implementations are found by the same names in :data:`harness.models.registry.MODELS`.

This module stays light (no torch, transformers or httpx): the run's config imports it.
"""

from __future__ import annotations

from dataclasses import dataclass

from omegaconf import MISSING

from harness.core.schema import bounded, random_seed, register_schema, torch_device


@dataclass
class ModelConfig:
    name: str = MISSING  # preset name, used in run folder names
    backend: str = MISSING
    batch_size: int = bounded(8, low=1)


@register_schema("model", "lead")
@dataclass
class LeadConfig(ModelConfig):
    backend: str = "lead"
    k: int = bounded(3, low=1)  # sentences


@register_schema("model", "sumy")
@dataclass
class SumyConfig(ModelConfig):
    backend: str = "sumy"
    algorithm: str = bounded("textrank", choices=("textrank", "lexrank"))
    sentences: int = bounded(3, low=1)


@dataclass
class PretrainedModelConfig(ModelConfig):
    """Settings shared by backends that load a Hugging Face model with ``from_pretrained``."""

    name_or_path: str = MISSING
    revision: str | None = None
    trust_remote_code: bool = False
    max_input_tokens: int | None = bounded(None, low=1)  # default: the model's own limit
    max_new_tokens: int = bounded(128, low=1)
    num_beams: int = bounded(4, low=1)
    device: str = torch_device()
    dtype: str = bounded("auto", choices=("auto", "float32", "float16", "bfloat16"))
    cpu_threads: int | None = bounded(None, low=1)  # torch intra-op threads on CPU; default: torch's choice


@register_schema("model", "hf_seq2seq")
@dataclass
class HFSeq2SeqConfig(PretrainedModelConfig):
    backend: str = "hf_seq2seq"
    prefix: str = ""  # e.g. T5's "summarize: "
    min_new_tokens: int = bounded(0, low=0)
    length_penalty: float = 1.0
    no_repeat_ngram_size: int = bounded(0, low=0)
    # Multilingual MT (NLLB, M2M100, mBART-50): language codes as the tokenizer names them.
    src_lang_code: str | None = None
    tgt_lang_code: str | None = None
    # A single-pair translation model's languages, e.g. "en-de" (opus-mt presets): another task pair warns.
    language_pair: str | None = None


@register_schema("model", "tiny")
@dataclass
class TinyModelConfig(HFSeq2SeqConfig):
    """A tiny seq2seq model built locally and loaded through the ``hf_seq2seq`` path."""

    backend: str = "tiny"
    name_or_path: str = ""  # filled in with the built model's folder
    architecture: str = bounded("t5", choices=("t5", "bart", "marian", "m2m100"))
    cache_dir: str = "${oc.env:HARNESS_CACHE,.cache/harness}/tiny-models"
    build_seed: int = random_seed()


@register_schema("model", "hf_causal")
@dataclass
class HFCausalConfig(PretrainedModelConfig):
    """A decoder-only instruction model prompted through its tokenizer's chat template."""

    backend: str = "hf_causal"
    # Placeholders: {source}, {source_lang}, {target_lang} (English language names). Default: per task.
    prompt: str | None = None
    system_prompt: str | None = None
    max_new_tokens: int = bounded(256, low=1)
    num_beams: int = bounded(1, low=1)


@register_schema("model", "tiny_causal")
@dataclass
class TinyCausalConfig(HFCausalConfig):
    """A tiny decoder-only model with a chat template, built locally and loaded through ``hf_causal``."""

    backend: str = "tiny_causal"
    name_or_path: str = ""
    architecture: str = bounded("qwen2", choices=("qwen2", "llama"))
    cache_dir: str = "${oc.env:HARNESS_CACHE,.cache/harness}/tiny-models"
    build_seed: int = random_seed()


@register_schema("model", "apertium")
@dataclass
class ApertiumConfig(ModelConfig):
    backend: str = "apertium"
    mode: str | None = None  # e.g. eng-spa; default: from task.source_lang and task.target_lang
    executable: str = "apertium"
    mark_unknown: bool = False  # keep Apertium's '*' marks on unknown words
    timeout_s: float = bounded(120.0, low=0.001)


@register_schema("model", "openai_compatible")
@dataclass
class OpenAICompatibleConfig(ModelConfig):
    """A chat-completions HTTP endpoint (vLLM, llama.cpp server, TGI, OpenAI)."""

    backend: str = "openai_compatible"
    base_url: str = "http://127.0.0.1:8000/v1"
    model_name: str = MISSING  # the model name the server expects
    api_key_env: str | None = "OPENAI_API_KEY"  # read at run time, never written to results
    prompt: str | None = None  # as for hf_causal
    system_prompt: str | None = None
    temperature: float = bounded(0.0, low=0)
    max_tokens: int = bounded(512, low=1)
    concurrency: int = bounded(4, low=1)
    timeout_s: float = bounded(60.0, low=0.001)
    max_retries: int = bounded(3, low=0)
    backoff_s: float = bounded(1.0, low=0)  # doubled after each failed attempt


@register_schema("model", "predictions")
@dataclass
class PredictionsConfig(ModelConfig):
    backend: str = "predictions"
    path: str | None = None  # JSONL with id/output, or a text file with one output per line
    column: str | None = None  # or a column of the dataset itself (e.g. FRANK's "summary")
    id_field: str = "id"
    output_field: str = "output"
