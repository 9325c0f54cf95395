"""Model-based metrics batch across examples: batched scores equal per-example ones and do not depend
on the order (so sharded runs merged with the score cache equal an unsharded run); metrics.device and
metrics.dtype."""

from __future__ import annotations

import json

import pytest
import torch

from harness.core.errors import ConfigError
from harness.data.example import Example
from harness.metrics.base import ScoringInput
from harness.metrics.bertscore import BertScoreMetric
from harness.metrics.faithfulness import FaithfulnessMetric
from harness.metrics.support.device import metric_device, metric_dtype
from testkit import FRANK, requires_shared

TOLERANCE = 1e-5  # padding to a batch's longest input changes float32 sums in the last bits


def frank_items(n: int = 4) -> list[ScoringInput]:
    rows = [json.loads(line) for line in FRANK.read_text(encoding="utf-8").splitlines()]
    rows = rows[:: len(rows) // n][:n]  # several articles and systems, long and short summaries
    return [ScoringInput(Example(r["id"], r["article"], (r["reference"],)), r["summary"]) for r in rows]


def assert_close(a: list[dict], b: list[dict]) -> None:
    assert len(a) == len(b)
    for x, y in zip(a, b, strict=True):
        assert x.keys() == y.keys()
        for key, value in x.items():
            if isinstance(value, float):
                assert value == pytest.approx(y[key], abs=TOLERANCE), key
            else:
                assert value == y[key], key


@pytest.mark.slow
@requires_shared
@pytest.mark.parametrize("make", [FaithfulnessMetric, BertScoreMetric], ids=["faithfulness", "bertscore"])
def test_batched_equals_per_example_in_any_order(make: type) -> None:
    items, metric = frank_items(), make()
    cached_sources = getattr(getattr(metric, "scorer", None), "_cache", {})  # faithfulness keeps encodings

    def score(batch: list[ScoringInput]) -> list[dict]:
        cached_sources.clear()
        return metric.score(batch)

    batched = score(items)
    assert_close(batched, [score([item])[0] for item in items])
    assert_close(batched, score(items[::-1])[::-1])


def test_device_auto_is_the_gpu_when_torch_sees_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert metric_device("cpu") == "cpu" and metric_device("cuda:1") == "cuda:1"
    assert metric_device("auto") == "cuda"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert metric_device("auto") == "cpu"


def test_dtype_is_checked_and_named_in_the_signature() -> None:
    with pytest.raises(ConfigError, match="metrics.dtype='half'"):
        metric_dtype("half")
    assert "dtype" not in FaithfulnessMetric().signature()
    assert FaithfulnessMetric(dtype=torch.bfloat16).signature().endswith("|dtype:bfloat16")
    assert BertScoreMetric(dtype=torch.float16).signature().endswith("|dtype:float16")


@pytest.mark.slow
@requires_shared
def test_bfloat16_scores_are_close_to_float32() -> None:
    items = frank_items(4)
    full, half = FaithfulnessMetric().score(items), FaithfulnessMetric(dtype=torch.bfloat16).score(items)
    for a, b in zip(full, half, strict=True):
        assert b["faithfulness"] == pytest.approx(a["faithfulness"], abs=0.05)
