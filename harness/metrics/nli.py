"""SummaC-ZS-style faithfulness with any NLI (entailment) classifier, for users who have the model.

The source is split into chunks of consecutive sentences and the output into sentences. Every
(chunk, output sentence) pair goes through an ``AutoModelForSequenceClassification``; a sentence
scores ``P(entailment) - P(contradiction)`` for its best chunk, and the output scores the mean over
its sentences, mapped from -1..1 to 0..1 (Laban et al., 2022, zero-shot variant).

The model is given by hub name or local path; nothing is downloaded when ``HF_HUB_OFFLINE=1`` or
when a path is given. Presets: ``configs/nli_model/``. :func:`nli_model` builds the checker that
``metrics.nli.kind`` names: this NLI metric, or a MiniCheck-style checker (``harness.metrics.checkers``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from transformers import AutoModelForSequenceClassification, AutoTokenizer

from harness.core.errors import ConfigError
from harness.metrics.base import Metric, ScoringInput
from harness.metrics.checkers import (
    ClassifierChecker,
    Seq2SeqChecker,
    SupportChecker,
    model_identity,
)
from harness.metrics.claim_support import (
    score_grids,
    sentence_windows,
    source_sentences,
)
from harness.metrics.config import MetricsConfig
from harness.metrics.metadata import HIGHER
from harness.metrics.signature import Signature, dtype_setting
from harness.metrics.support.device import metric_dtype, scorer_device
from harness.metrics.support.labels import find_label_id
from harness.models.base import ModelLoadError

_ENTAILMENT_NAMES = ("entailment", "entail", "entailed", "supports", "support", "supported")
_CONTRADICTION_NAMES = ("contradiction", "contradict", "contradicted", "refutes", "refute", "refuted")


class NLIFaithfulnessMetric(Metric):
    """Per-example keys: ``nli_faithfulness`` (0..1), ``nli_faithfulness.min_sentence`` (the
    weakest sentence's entailment-minus-contradiction, mapped to 0..1) and
    ``nli_faithfulness.entailment`` (mean best-chunk entailment probability)."""

    name = "nli_faithfulness"
    cache_scores = True
    score_keys = {"nli_faithfulness": HIGHER, "nli_faithfulness.*": HIGHER}

    def __init__(
        self,
        model: str,
        device: str = "cpu",
        batch_size: int = 16,
        chunk_sentences: int = 2,
        max_length: int = 512,
        entailment_label: str | int | None = None,
        contradiction_label: str | int | None = None,
        trust_remote_code: bool = False,
        dtype: torch.dtype = torch.float32,
    ) -> None:
        self.model_name = model
        self.dtype = dtype
        self.device = torch.device(device)
        self.batch_size = batch_size
        self.chunk_sentences = chunk_sentences
        try:
            self.tokenizer = AutoTokenizer.from_pretrained(model, trust_remote_code=trust_remote_code)
            self.model = AutoModelForSequenceClassification.from_pretrained(model, trust_remote_code=trust_remote_code)
        except (OSError, ValueError) as error:
            raise ModelLoadError.unloadable("metrics.nli.name_or_path", model, error) from error
        self.model.to(self.device, dtype).eval()
        self.identity = model_identity(model, self.model.config)
        # Never exceed what the model can encode (tokenizer_config's model_max_length).
        self.max_length = min(max_length, int(self.tokenizer.model_max_length))
        id2label = dict(self.model.config.id2label or {})
        self.entailment_id = find_label_id(id2label, _ENTAILMENT_NAMES, entailment_label)
        self.contradiction_id = find_label_id(id2label, _CONTRADICTION_NAMES, contradiction_label)
        if self.entailment_id is None or self.contradiction_id is None:
            raise ModelLoadError(
                f"NLI model {model!r}: cannot find the entailment and contradiction classes in "
                f"config.id2label={id2label}; pass entailment_label= and contradiction_label= "
                "(label names or class ids)"
            )

    def signature(self) -> str:
        settings = {
            "method": "summac-zs",
            "identity": self.identity,
            "chunk": f"{self.chunk_sentences}sent",
            "max_len": self.max_length,
            "e": self.entailment_id,
            "c": self.contradiction_id,
            "dtype": dtype_setting(self.dtype),
        }
        return Signature(self.name, settings, unnamed=["method", "identity"]).format()

    def _chunks(self, source: str) -> list[str]:
        return sentence_windows(source_sentences(source), self.chunk_sentences)

    @torch.inference_mode()
    def _probabilities(self, pairs: Sequence[tuple[str, str]]) -> torch.Tensor:
        """(pairs, 2): entailment and contradiction probabilities of each (premise, hypothesis)."""
        rows = []
        for start in range(0, len(pairs), self.batch_size):
            batch = pairs[start : start + self.batch_size]
            encoded = self.tokenizer(
                [premise for premise, _ in batch],
                [hypothesis for _, hypothesis in batch],
                padding=True,
                truncation="only_first",
                max_length=self.max_length,
                return_tensors="pt",
            ).to(self.device)
            probabilities = self.model(**encoded).logits.float().softmax(-1).cpu()
            rows.append(probabilities[:, [self.entailment_id, self.contradiction_id]])
        return torch.cat(rows) if rows else torch.empty(0, 2)

    def score(self, batch: Sequence[ScoringInput]) -> list[dict[str, Any]]:
        results: list[dict[str, Any]] = []
        for block in score_grids(batch, self._chunks, True, self._probabilities):
            if block is None:
                results.append({self.name: 1.0, f"{self.name}.min_sentence": 1.0, f"{self.name}.entailment": 1.0})
                continue
            margin = block[..., 0] - block[..., 1]  # (sentences, chunks)
            best = margin.max(dim=1)
            entailment = block[..., 0].gather(1, best.indices.unsqueeze(1)).squeeze(1)
            results.append(
                {
                    self.name: float((best.values.mean() + 1) / 2),
                    f"{self.name}.min_sentence": float((best.values.min() + 1) / 2),
                    f"{self.name}.entailment": float(entailment.mean()),
                }
            )
        return results

    def decide(self, premise: str, hypothesis: str) -> str:
        """A clause verdict: the most probable of entailment, contradiction and the rest."""
        entailment, contradiction = (float(p) for p in self._probabilities([(premise, hypothesis)])[0])
        neutral = 1.0 - entailment - contradiction
        if entailment > max(contradiction, neutral):
            return "entailment"
        return "contradiction" if contradiction > neutral else "neutral"


def build_nli_faithfulness(cfg: MetricsConfig, task: Any) -> Metric:
    return nli_model(cfg)


ClaimChecker = NLIFaithfulnessMetric | SupportChecker


def nli_model(cfg: MetricsConfig) -> ClaimChecker:
    """The checker of ``metrics.nli`` (``kind``: an NLI model, a MiniCheck-style classifier or
    seq2seq checker) on the metrics' device and dtype: the metric, and the clause decider of key facts."""
    nli = cfg.nli
    if nli.name_or_path is None:
        raise ConfigError(
            "metric nli_faithfulness needs an entailment model: metrics.nli.name_or_path=<name or path> "
            "or a preset, e.g. +nli_model=deberta_v3_base_mnli or +nli_model=minicheck_flan_t5_large"
        )
    device = scorer_device(cfg.device, nli.device, "metrics.nli.device")
    dtype = metric_dtype(cfg.dtype)
    if nli.kind == "nli":
        if nli.chunk_words is not None or nli.chunk_tokens is not None:
            raise ConfigError(
                "metrics.nli.chunk_words and chunk_tokens apply to kind classifier or seq2seq; "
                "kind nli chunks by metrics.nli.chunk_sentences"
            )
        return NLIFaithfulnessMetric(
            nli.name_or_path,
            device=device,
            batch_size=nli.batch_size,
            chunk_sentences=nli.chunk_sentences,
            max_length=nli.max_length,
            entailment_label=nli.entailment_label,
            contradiction_label=nli.contradiction_label,
            trust_remote_code=nli.trust_remote_code,
            dtype=dtype,
        )
    options: dict[str, Any] = {
        "device": device,
        "dtype": dtype,
        "batch_size": nli.batch_size,
        "max_length": nli.max_length,
        "chunk_words": nli.chunk_words,
        "chunk_tokens": nli.chunk_tokens,
        "chunk_sentences": nli.chunk_sentences,
        "split_claims": nli.split_claims,
        "input_prefix": nli.input_prefix,
        "trust_remote_code": nli.trust_remote_code,
    }
    if nli.kind == "classifier":
        return ClassifierChecker(nli.name_or_path, supported_label=nli.supported_label, **options)
    return Seq2SeqChecker(nli.name_or_path, label_words=list(nli.label_words), **options)
