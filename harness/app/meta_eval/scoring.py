"""Scoring the rows of a meta-evaluation once: the metric and the baselines beside it, cached.

The baselines (every figure is printed beside them, for the same rows): ROUGE-1 and ROUGE-2
precision of the summary against its article, BERTScore precision against the article (MiniLM,
bert-score's truncation of the article to 512 tokens) and the previous shipped version of the
metric, read from scores frozen by ``benchmarks/meta_eval/freeze_previous.py``.

Per-row results go to the score cache (``run.cache_dir``, ``run.cache=false`` to skip it) under a
key that adds a hash of the harness's own code to the metric's signature, so that a change of code
that leaves the signature as it was is scored again, never read back stale.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from harness.data.example import Example
from harness.metrics.base import Metric, ScoringInput
from harness.metrics.bertscore import BertScoreMetric
from harness.metrics.metadata import HIGHER
from harness.metrics.rouge import rouge_implementation
from harness.metrics.signature import Signature
from harness.pipeline.score_cache import ScoreCache

PACKAGE = Path(__file__).resolve().parents[2]
PREVIOUS_DIR = PACKAGE.parent / "benchmarks" / "meta_eval" / "previous"


@lru_cache(maxsize=1)
def code_digest() -> str:
    """Hash of the harness package's code and data files (this checkout's)."""
    digest = hashlib.sha256()
    for path in sorted(p for p in PACKAGE.rglob("*") if p.suffix in {".py", ".json", ".yaml"}):
        digest.update(str(path.relative_to(PACKAGE)).encode("utf-8") + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def row_key(row: dict[str, Any]) -> str:
    """A row's identity in frozen scores: its article and summary, whatever file holds them."""
    return hashlib.sha256(f"{row['article']}\0{row['summary']}".encode()).hexdigest()[:20]


def scoring_input(row: dict[str, Any]) -> ScoringInput:
    reference = (row["reference"],) if row.get("reference") else ()
    return ScoringInput(Example(id=str(row["id"]), source=row["article"], references=reference), row["summary"])


class _CodeKeyed(Metric):
    """``metric`` with the code hash in its signature, so that the score cache keeps it."""

    name = "meta-eval"
    cache_scores = True

    def __init__(self, metric: Metric) -> None:
        self.metric = metric

    def signature(self) -> str:
        return Signature(self.metric.signature(), {"code": code_digest()}).format()

    def score(self, batch: Sequence[ScoringInput]) -> list[dict[str, Any]]:
        return self.metric.score(batch)


class SourceRougePrecision(Metric):
    """ROUGE-1 and ROUGE-2 precision of the output against its source."""

    name = "source_rouge"
    score_keys = {"rouge*_precision": HIGHER}

    def __init__(self) -> None:
        scorer_class, self.implementation = rouge_implementation()
        self.scorer = scorer_class(["rouge1", "rouge2"], use_stemmer=True)

    def signature(self) -> str:
        settings = {"score": "precision", "against": "source", "stem": "porter"}
        return Signature(self.implementation, settings, unnamed=["score"]).format()

    def score(self, batch: Sequence[ScoringInput]) -> list[dict[str, Any]]:
        results = []
        for item in batch:
            scores = self.scorer.score(item.example.source, item.output)
            results.append({f"{name}_precision": scores[name].precision for name in ("rouge1", "rouge2")})
        return results


class SourceBertScorePrecision(BertScoreMetric):
    """BERTScore precision of the output against its source (MiniLM)."""

    name = "source_bertscore"

    def signature(self) -> str:
        return Signature(super().signature(), {"against": "source"}).format()

    def score(self, batch: Sequence[ScoringInput]) -> list[dict[str, Any]]:
        against_source = [
            ScoringInput(Example(item.example.id, item.example.source, (item.example.source,)), item.output)
            for item in batch
        ]
        return [{"bertscore_precision": r["bertscore_precision"]} for r in super().score(against_source)]


def score_rows(
    metric: Metric, rows: Sequence[dict[str, Any]], cache: ScoreCache | None, batch_size: int = 32
) -> list[dict[str, Any]]:
    """The metric's per-row results in row order, in batches of consecutive rows (a file that groups
    the summaries of an article has its source encoded once)."""
    keyed = _CodeKeyed(metric)
    inputs = [scoring_input(row) for row in rows]
    results: list[dict[str, Any]] = []
    for start in range(0, len(inputs), batch_size):
        chunk = inputs[start : start + batch_size]
        results.extend(cache.score(keyed, chunk) if cache else metric.score(chunk))
    return results


def baseline_scores(rows: Sequence[dict[str, Any]], cache: ScoreCache | None) -> dict[str, list[float | None]]:
    """The source-overlap baselines' per-row scores (higher: more faithful)."""
    rouge = score_rows(SourceRougePrecision(), rows, cache)
    bertscore = score_rows(SourceBertScorePrecision(), rows, cache)
    return {
        "ROUGE-1 P (source)": [r.get("rouge1_precision") for r in rouge],
        "ROUGE-2 P (source)": [r.get("rouge2_precision") for r in rouge],
        "BERTScore P (source, MiniLM)": [r.get("bertscore_precision") for r in bertscore],
    }


def previous_file(metric_name: str) -> Path:
    return PREVIOUS_DIR / f"{metric_name}.json"


def load_previous(metric_name: str) -> dict[str, Any] | None:
    """The frozen per-row results of the metric's previous shipped version, or None when there are none."""
    path = previous_file(metric_name)
    if not path.is_file():
        return None
    return dict(json.loads(path.read_text(encoding="utf-8")))
