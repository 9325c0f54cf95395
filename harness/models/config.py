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
    backend: str = MISSING  # which backend builds the model (set by the preset)
    batch_size: int = bounded(8, low=1)  # examples per forward pass or request batch


@register_schema("model", "lead")
@dataclass
class LeadConfig(ModelConfig):
    backend: str = "lead"
    k: int = bounded(3, low=1)  # sentences


@register_schema("model", "sumy")
@dataclass
class SumyConfig(ModelConfig):
    backend: str = "sumy"
    algorithm: str = bounded("textrank", choices=("textrank", "lexrank"))  # sumy's graph ranking: textrank or lexrank
    sentences: int = bounded(3, low=1)  # sentences in the summary


@dataclass
class PretrainedModelConfig(ModelConfig):
    """Settings shared by backends that load a Hugging Face model with ``from_pretrained``."""

    name_or_path: str = MISSING  # hub name or local folder
    revision: str | None = None  # hub revision (commit, branch or tag) to pin
    trust_remote_code: bool = False  # run the model repository's own code (off unless set)
    max_input_tokens: int | None = bounded(None, low=1)  # default: the model's own limit
    max_new_tokens: int = bounded(128, low=1)  # at most this many generated tokens
    num_beams: int = bounded(4, low=1)  # beam search width (1: greedy)
    device: str = torch_device()  # auto: the GPU when torch sees one, else the CPU
    # weights' dtype; auto: float32 on CPU, float16 elsewhere
    dtype: str = bounded("auto", choices=("auto", "float32", "float16", "bfloat16"))
    cpu_threads: int | None = bounded(None, low=1)  # torch intra-op threads on CPU; default: torch's choice


@register_schema("model", "hf_seq2seq")
@dataclass
class HFSeq2SeqConfig(PretrainedModelConfig):
    backend: str = "hf_seq2seq"
    prefix: str = ""  # e.g. T5's "summarize: "
    min_new_tokens: int = bounded(0, low=0)  # at least this many generated tokens
    length_penalty: float = 1.0  # beam search length penalty (exponent on length: higher favours longer outputs)
    no_repeat_ngram_size: int = bounded(0, low=0)  # forbid repeating n-grams of this size (0: off)
    # Multilingual MT (NLLB, M2M100, mBART-50): language codes as the tokenizer names them.
    src_lang_code: str | None = None
    tgt_lang_code: str | None = None  # e.g. spa_Latn (NLLB), es (M2M100); forced as the first token
    # A single-pair translation model's languages, e.g. "en-de" (opus-mt presets): another task pair warns.
    language_pair: str | None = None


@register_schema("model", "tiny")
@dataclass
class TinyModelConfig(HFSeq2SeqConfig):
    """A tiny seq2seq model built locally and loaded through the ``hf_seq2seq`` path."""

    backend: str = "tiny"
    name_or_path: str = ""  # filled in with the built model's folder
    architecture: str = bounded("t5", choices=("t5", "bart", "marian", "m2m100"))  # which tiny architecture to build
    cache_dir: str = "${oc.env:HARNESS_CACHE,.cache/harness}/tiny-models"  # where the built model is kept
    build_seed: int = random_seed()  # seed of the random weights


@register_schema("model", "hf_causal")
@dataclass
class HFCausalConfig(PretrainedModelConfig):
    """A decoder-only instruction model prompted through its tokenizer's chat template."""

    backend: str = "hf_causal"
    # Placeholders: {source}, {source_lang}, {target_lang} (English language names). Default: per task.
    prompt: str | None = None
    system_prompt: str | None = None  # an optional system message
    max_new_tokens: int = bounded(256, low=1)
    num_beams: int = bounded(1, low=1)


@register_schema("model", "tiny_causal")
@dataclass
class TinyCausalConfig(HFCausalConfig):
    """A tiny decoder-only model with a chat template, built locally and loaded through ``hf_causal``."""

    backend: str = "tiny_causal"
    name_or_path: str = ""  # filled in with the built model's folder
    architecture: str = bounded("qwen2", choices=("qwen2", "llama"))  # which tiny architecture to build
    cache_dir: str = "${oc.env:HARNESS_CACHE,.cache/harness}/tiny-models"  # where the built model is kept
    build_seed: int = random_seed()  # seed of the random weights


@register_schema("model", "apertium")
@dataclass
class ApertiumConfig(ModelConfig):
    backend: str = "apertium"
    mode: str | None = None  # e.g. eng-spa; default: from task.source_lang and task.target_lang
    executable: str = "apertium"  # the apertium command (on PATH or a path)
    mark_unknown: bool = False  # keep Apertium's '*' marks on unknown words
    timeout_s: float = bounded(120.0, low=0.001)  # seconds allowed per call


@register_schema("model", "openai_compatible")
@dataclass
class OpenAICompatibleConfig(ModelConfig):
    """A chat-completions HTTP endpoint (vLLM, llama.cpp server, TGI, OpenAI)."""

    backend: str = "openai_compatible"
    base_url: str = "http://127.0.0.1:8000/v1"  # the server's OpenAI-compatible API root
    model_name: str = MISSING  # the model name the server expects
    api_key_env: str | None = "OPENAI_API_KEY"  # read at run time, never written to results
    prompt: str | None = None  # as for hf_causal
    system_prompt: str | None = None  # an optional system message
    temperature: float = bounded(0.0, low=0)  # sampling temperature (0: greedy)
    max_tokens: int = bounded(512, low=1)  # at most this many generated tokens
    concurrency: int = bounded(4, low=1)  # requests in flight at once
    timeout_s: float = bounded(60.0, low=0.001)  # seconds allowed per request
    max_retries: int = bounded(3, low=0)  # retries of a timed-out, dropped, 429 or 5xx request
    backoff_s: float = bounded(1.0, low=0)  # doubled after each failed attempt


@register_schema("model", "predictions")
@dataclass
class PredictionsConfig(ModelConfig):
    backend: str = "predictions"
    path: str | None = None  # JSONL with id/output, or a text file with one output per line
    column: str | None = None  # or a column of the dataset itself (e.g. FRANK's "summary")
    id_field: str = "id"  # JSONL: the field holding the example id
    output_field: str = "output"  # JSONL: the field holding the output
