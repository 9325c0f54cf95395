"""The generation cache: keys, what is stored, concurrent writers, and cached re-runs."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import pytest

from harness.core.task import TaskSpec
from harness.models.base import Generation
from harness.models.lead import LeadModel
from harness.models.predictions import PredictionsModel
from harness.pipeline.cache import GenerationCache, cache_policy, model_key
from testkit import read_json, read_jsonl


def test_hits_misses_and_only_successes_stored(tmp_path: Path) -> None:
    cache = GenerationCache(tmp_path / "c.sqlite", "model-a")
    assert cache.get_many(["x", "y"]) == [None, None]
    cache.put_many([("x", Generation("X", seconds=0.5, truncated=True)), ("y", Generation(None, error="boom"))])
    x, y = cache.get_many(["x", "y"])
    assert x == Generation("X", seconds=0.5, truncated=True) and y is None
    assert (cache.hits, cache.misses) == (1, 3)
    other = GenerationCache(tmp_path / "c.sqlite", "model-b")
    assert other.get_many(["x"]) == [None]


def test_key_covers_identity_and_task() -> None:
    identity = {"name": "m", "backend": "tiny", "weights_hash": "abc", "params": {"num_beams": 2}}
    key = model_key(identity, TaskSpec())
    assert key == model_key(dict(identity), TaskSpec())
    assert key != model_key({**identity, "params": {"num_beams": 4}}, TaskSpec())
    assert key != model_key({**identity, "weights_hash": "abd"}, TaskSpec())
    assert key != model_key(identity, TaskSpec("translate", "en", "de"))


def test_policy_caches_only_pinned_weights() -> None:
    lead = LeadModel.__new__(LeadModel)
    assert "rule-based backends are cheap to rerun" in cache_policy(lead, {"backend": "lead", "params": {"k": 3}})
    predictions = PredictionsModel.__new__(PredictionsModel)
    assert "not cached" in cache_policy(predictions, {"backend": "predictions", "weights_hash": "abc"})
    unpinned = {"backend": "hf_seq2seq", "path": "org/model"}
    assert "no weights hash or revision" in cache_policy(lead, unpinned)
    assert cache_policy(lead, {**unpinned, "revision": "0123abc"}) is None
    assert cache_policy(lead, {**unpinned, "weights_hash": "0123abc"}) is None


def _writer(path: str, worker: int) -> None:
    cache = GenerationCache(path, "shared-model")
    for start in range(0, 200, 20):
        cache.put_many((f"text {i}", Generation(f"out {i} from {worker}")) for i in range(start, start + 20))
        cache.get_many([f"text {i}" for i in range(start, start + 20)])
    cache.close()


@pytest.mark.slow
def test_concurrent_writers(tmp_path: Path) -> None:
    path = str(tmp_path / "c.sqlite")
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_writer, args=(path, w)) for w in range(3)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(120)
    assert [w.exitcode for w in workers] == [0, 0, 0]
    found = GenerationCache(path, "shared-model").get_many([f"text {i}" for i in range(200)])
    assert all(g is not None and g.output.startswith(f"out {i} from") for i, g in enumerate(found))


def _opener(folder: str, rounds: int, start: multiprocessing.synchronize.Barrier) -> None:
    for round_ in range(rounds):
        start.wait(20)
        GenerationCache(Path(folder) / f"fresh-{round_}.sqlite", "shared-model").close()


@pytest.mark.slow
def test_runs_starting_together_share_a_fresh_cache(tmp_path: Path) -> None:
    """Processes that create the same new cache file at the same moment (parallel shards of a first run)
    all open it: SQLite refuses the concurrent switch to WAL outright, without waiting."""
    context = multiprocessing.get_context("spawn")
    start = context.Barrier(6)
    workers = [context.Process(target=_opener, args=(str(tmp_path), 25, start)) for _ in range(6)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(120)
    assert [w.exitcode for w in workers] == [0] * 6


@pytest.mark.slow
def test_rerun_comes_from_the_cache(run_eval, tmp_path: Path) -> None:
    cache_dir = f"run.cache_dir={tmp_path / 'cache'}"
    first = run_eval("model=tiny_t5", "debug=fast", cache_dir)
    again = run_eval("model=tiny_t5", "debug=fast", cache_dir)
    cold, warm = read_json(first / "run.json")["cache"], read_json(again / "run.json")["cache"]
    assert cold["enabled"] and cold["key"] == warm["key"]
    assert (cold["hits"], cold["misses"], warm["hits"], warm["misses"]) == (0, 1, 1, 0)
    assert read_jsonl(first / "predictions.jsonl") == read_jsonl(again / "predictions.jsonl")
    assert read_json(first / "metrics.json") == read_json(again / "metrics.json")


@pytest.mark.slow
def test_another_dtype_is_another_model(run_eval, tmp_path: Path) -> None:
    """A bfloat16 run must not read the float32 run's outputs: dtype (and the device) are part of the
    model identity, hence of the cache key and run.json."""
    cache_dir = f"run.cache_dir={tmp_path / 'cache'}"
    full = run_eval("model=tiny_t5", "debug=fast", cache_dir)
    half = run_eval("model=tiny_t5", "model.dtype=bfloat16", "debug=fast", cache_dir)
    full_info, half_info = read_json(full / "run.json"), read_json(half / "run.json")
    assert (full_info["model"]["dtype"], half_info["model"]["dtype"]) == ("float32", "bfloat16")
    assert full_info["model"]["device"] == half_info["model"]["device"] == "cpu"
    assert full_info["cache"]["key"] != half_info["cache"]["key"]
    assert (half_info["cache"]["hits"], half_info["cache"]["misses"]) == (0, 1)


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        (("model=tiny_t5", "run.cache=false"), "run.cache=false"),
        (("model=predictions", "model.column=summary"), "not cached"),
        (("model=lead",), "rule-based"),
    ],
)
def test_runs_without_the_cache_say_why(run_eval, tmp_path: Path, overrides: tuple[str, ...], reason: str) -> None:
    data = tmp_path / "d.jsonl"
    data.write_text('{"source": "A cat sat. It was happy.", "reference": "A cat.", "summary": "A cat sat."}\n')
    run_dir = run_eval(
        "dataset=files", f"dataset.path={data}", "debug=fast", f"run.cache_dir={tmp_path / 'c'}", *overrides
    )
    cache = read_json(run_dir / "run.json")["cache"]
    assert cache["enabled"] is False and reason in cache["reason"] and cache["hits"] == 0
