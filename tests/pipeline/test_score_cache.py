"""The score cache: re-scoring saved predictions recomputes only examples whose inputs changed."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

import pytest

from harness.data.example import Example
from harness.metrics.base import Metric, ScoringInput
from harness.pipeline.score_cache import ScoreCache
from testkit import read_json, read_jsonl


class CountingMetric(Metric):
    name: ClassVar[str] = "counting"
    cache_scores = True

    def __init__(self, version: str = "1") -> None:
        self.version = version
        self.scored: list[str] = []

    def signature(self) -> str:
        return f"counting|v{self.version}"

    def score(self, batch: Sequence[ScoringInput]) -> list[dict[str, Any]]:
        self.scored += [item.example.id for item in batch]
        return [{"length": float(len(item.output)), "words": item.output.split()} for item in batch]


def inputs(*outputs: str) -> list[ScoringInput]:
    return [ScoringInput(Example(str(i), "source", ("ref",)), output) for i, output in enumerate(outputs)]


def test_only_new_or_changed_examples_are_scored(tmp_path: Path) -> None:
    cache = ScoreCache(tmp_path / "scores.sqlite")
    metric = CountingMetric()
    first = cache.score(metric, inputs("a b", "c"))
    assert metric.scored == ["0", "1"] and (cache.hits, cache.misses) == (0, 2)
    again = cache.score(metric, inputs("a b", "c changed", "d"))
    assert metric.scored == ["0", "1", "1", "2"] and (cache.hits, cache.misses) == (1, 4)
    assert again[0] == first[0] == {"length": 3.0, "words": ["a", "b"]}
    cache.close()


def test_changed_references_are_rescored(tmp_path: Path) -> None:
    cache = ScoreCache(tmp_path / "scores.sqlite")
    metric = CountingMetric()
    for references in [("ref",), ("another ref",), ("ref", "a second ref"), ("ref",)]:
        cache.score(metric, [ScoringInput(Example("0", "source", references), "output")])
    assert metric.scored == ["0", "0", "0"] and (cache.hits, cache.misses) == (1, 3)


def test_a_new_signature_does_not_reuse_old_scores(tmp_path: Path) -> None:
    cache = ScoreCache(tmp_path / "scores.sqlite")
    cache.score(CountingMetric("1"), inputs("a"))
    changed = CountingMetric("2")
    cache.score(changed, inputs("a"))
    assert changed.scored == ["0"]


def test_cheap_metrics_bypass_the_cache(tmp_path: Path) -> None:
    metric = CountingMetric()
    metric.cache_scores = False
    cache = ScoreCache(tmp_path / "scores.sqlite")
    cache.score(metric, inputs("a"))
    cache.score(metric, inputs("a"))
    assert metric.scored == ["0", "0"] and cache.misses == 0


def test_rescoring_a_run_hits_the_score_cache(run_eval, tmp_path: Path) -> None:
    cache_dir = tmp_path / "cache"
    first = run_eval("model=lead", "metrics.names=[faithfulness,rouge]", f"run.cache_dir={cache_dir}")
    predictions = first / "predictions.jsonl"
    again = run_eval(
        "model=predictions",
        f"model.path={predictions}",
        "metrics.names=[faithfulness,rouge]",
        f"run.cache_dir={cache_dir}",
    )
    assert read_json(first / "run.json")["score_cache"]["misses"] == 1
    assert read_json(again / "run.json")["score_cache"] == read_json(again / "run.json")["score_cache"] | {
        "hits": 1,
        "misses": 0,
    }
    assert read_jsonl(again / "scores.jsonl") == read_jsonl(first / "scores.jsonl")
    assert read_json(again / "metrics.json")["metrics"] == read_json(first / "metrics.json")["metrics"]
    # A changed output is scored afresh.
    record = json.loads(predictions.read_text())
    record["output"] = "North Korea and Russia signed a pact on 20 June."
    edited = tmp_path / "edited.jsonl"
    edited.write_text(json.dumps(record) + "\n")
    third = run_eval(
        "model=predictions", f"model.path={edited}", "metrics.names=[faithfulness]", f"run.cache_dir={cache_dir}"
    )
    assert read_json(third / "run.json")["score_cache"]["misses"] == 1


class MiscountingMetric(CountingMetric):
    def score(self, batch: Sequence[ScoringInput]) -> list[dict[str, Any]]:
        return super().score(batch)[:-1]


def test_a_metric_that_loses_an_example_is_an_error_not_a_shifted_cache(tmp_path: Path) -> None:
    cache = ScoreCache(tmp_path / "scores.sqlite")
    with pytest.raises(ValueError, match="zip"):
        cache.score(MiscountingMetric(), inputs("a", "b"))
    assert cache.info()["enabled"] is True and cache.info()["path"] == str(tmp_path / "scores.sqlite")


def test_a_metric_whose_signature_changes_under_the_same_id_is_not_served_old_scores(tmp_path: Path) -> None:
    # CPython reuses the id of a freed object, so a new metric can share a freed one's id: the same
    # object with a changed signature reproduces that deterministically.
    cache = ScoreCache(tmp_path / "scores.sqlite")
    metric = CountingMetric("1")
    cache.score(metric, inputs("a"))
    metric.version = "2"
    assert cache.score(metric, inputs("a")) and metric.scored == ["0", "0"]
    assert (cache.hits, cache.misses) == (0, 2)
