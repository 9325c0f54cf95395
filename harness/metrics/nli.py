"""SummaC-ZS-style faithfulness with any NLI (entailment) classifier, for users who have the model.

The source is split into chunks of consecutive sentences and the output into sentences. Every
(chunk, output sentence) pair goes through an ``AutoModelForSequenceClassification``; a sentence
scores ``P(entailment) - P(contradiction)`` for its best chunk, and the output scores the mean over
its sentences, mapped from -1..1 to 0..1 (Laban et al., 2022, zero-shot variant).

The model is given by hub name or local path; nothing is downloaded when ``HF_HUB_OFFLINE=1`` or
when a path is given. Presets: ``configs/nli_model/``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from transformers import AutoModelForSequenceClassification, AutoTokenizer

from harness.errors import ConfigError
from harness.metrics.base import Metric, ScoringInput
from harness.metrics.config import MetricsConfig
from harness.metrics.device import dtype_suffix, metric_device, metric_dtype
from harness.metrics.faithfulness import normalise, split_sentences
from harness.metrics.metadata import HIGHER
from harness.models.base import ModelLoadError

_ENTAILMENT_NAMES = ("entailment", "entail", "entailed", "supports", "support", "supported")
_CONTRADICTION_NAMES = ("contradiction", "contradict", "contradicted", "refutes", "refute", "refuted")


def find_label_id(id2label: dict[int, str], names: Sequence[str], given: str | int | None) -> int | None:
    """The class id whose label is ``given`` (a name or an id), else one of ``names``."""
    labels = {int(i): str(label).strip().lower().replace("_", " ") for i, label in id2label.items()}
    if isinstance(given, int):
        return given if given in labels else None
    wanted = (given.strip().lower().replace("_", " "),) if given is not None else names
    for class_id, label in labels.items():
        if label in wanted:
            return class_id
    return None


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
            self.model = AutoModelForSequenceClassification.from_pretrained(
                model, trust_remote_code=trust_remote_code
            )
        except (OSError, ValueError) as error:
            raise ModelLoadError.unloadable("metrics.nli.name_or_path", model, error) from error
        self.model.to(self.device, dtype).eval()
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
        return (
            f"nli_faithfulness|summac-zs|model:{self.model_name}|chunk:{self.chunk_sentences}sent"
            f"|max_len:{self.max_length}|e:{self.entailment_id}|c:{self.contradiction_id}{dtype_suffix(self.dtype)}"
        )

    def _chunks(self, source: str) -> list[str]:
        sentences = split_sentences(normalise(source)) or [""]
        step = self.chunk_sentences
        return [" ".join(sentences[i : i + step]) for i in range(0, len(sentences), step)]

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
        chunks_by_source: dict[str, list[str]] = {}
        layout: list[tuple[list[str], list[str]]] = []
        pairs: list[tuple[str, str]] = []
        for item in batch:
            source = item.example.source
            if source not in chunks_by_source:
                chunks_by_source[source] = self._chunks(source)
            chunks = chunks_by_source[source]
            sentences = split_sentences(normalise(item.output))
            layout.append((chunks, sentences))
            pairs.extend((chunk, sentence) for sentence in sentences for chunk in chunks)
        probabilities = self._probabilities(pairs)
        results, offset = [], 0
        for chunks, sentences in layout:
            if not sentences:
                results.append(
                    {self.name: 1.0, f"{self.name}.min_sentence": 1.0, f"{self.name}.entailment": 1.0}
                )
                continue
            size = len(chunks) * len(sentences)
            block = probabilities[offset : offset + size].view(len(sentences), len(chunks), 2)
            offset += size
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


def build_nli_faithfulness(cfg: MetricsConfig, task: Any) -> Metric:
    return nli_model(cfg)


def nli_model(cfg: MetricsConfig) -> NLIFaithfulnessMetric:
    """The entailment model of ``metrics.nli`` on the metrics' device and dtype (the metric, and the
    clause decider of key facts)."""
    nli = cfg.nli
    if nli.name_or_path is None:
        raise ConfigError(
            "metric nli_faithfulness needs an entailment model: metrics.nli.name_or_path=<name or path> "
            "or a preset, e.g. +nli_model=deberta_v3_base_mnli"
        )
    return NLIFaithfulnessMetric(
        nli.name_or_path,
        device=metric_device(nli.device or cfg.device),
        batch_size=nli.batch_size,
        chunk_sentences=nli.chunk_sentences,
        max_length=nli.max_length,
        entailment_label=nli.entailment_label,
        contradiction_label=nli.contradiction_label,
        trust_remote_code=nli.trust_remote_code,
        dtype=metric_dtype(cfg.dtype),
    )
