"""Sharding (``dataset.num_shards``/``shard_index``) and ``harness merge``: the joined run equals the unsharded one."""

from __future__ import annotations

import json
from itertools import pairwise
from pathlib import Path

import pytest

from harness.data.sharding import shard_bounds
from harness.pipeline.merge import MergeError, merge_runs
from testkit import harness_cli, read_json, read_jsonl


def test_shard_bounds_tile_the_range() -> None:
    for n in (0, 1, 7, 10):
        for shards in (1, 3, 4):
            bounds = [shard_bounds(n, shards, i) for i in range(shards)]
            assert bounds[0][0] == 0 and bounds[-1][1] == n
            assert all(a[1] == b[0] for a, b in pairwise(bounds))
            assert max(b - a for a, b in bounds) - min(b - a for a, b in bounds) <= 1
    with pytest.raises(ValueError, match="dataset.shard_index=3"):
        shard_bounds(10, 3, 3)


@pytest.fixture
def data(tmp_path: Path) -> Path:
    rows = [
        {
            "source": f"Story {i} starts. Officials met {i} times. Talks ended late.",
            "reference": f"Officials met {i} times.",
        }
        for i in range(23)
    ]
    path = tmp_path / "d.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.mark.slow
def test_merged_shards_equal_the_unsharded_run(run_eval, data: Path, tmp_path: Path) -> None:
    common = ("model=lead", "dataset=files", f"dataset.path={data}", "dataset.limit=20", "debug=fast")
    whole = run_eval(*common)
    shards = [run_eval(*common, "dataset.num_shards=3", f"dataset.shard_index={i}") for i in (2, 0, 1)]
    assert [read_json(s / "run.json")["dataset"]["n_examples"] for s in shards] == [6, 7, 7]
    assert read_json(shards[1] / "run.json")["dataset"]["shard_index"] == 0
    merged = merge_runs(shards, tmp_path / "merged")
    assert read_json(merged / "metrics.json") == read_json(whole / "metrics.json")
    for name in ("examples.jsonl", "scores.jsonl"):
        assert read_jsonl(merged / name) == read_jsonl(whole / name)
    info, whole_info = read_json(merged / "run.json"), read_json(whole / "run.json")
    assert info["dataset"] == whole_info["dataset"] and info["status"] == "complete"
    assert info["merged_from"] == [read_json(shards[i] / "run.json")["run_id"] for i in (1, 2, 0)]
    assert read_json(merged / "run.json")["model"] == whole_info["model"]
    # where the merge's own time went (it scores the joined outputs again), as for any run
    assert set(info["timings"]["stages"]) == {"load", "score", "bootstrap", "write"}
    assert set(info["timings"]["metrics"]) == set(whole_info["timings"]["metrics"])


@pytest.mark.slow
def test_merge_refuses_missing_incomplete_or_foreign_shards(run_eval, data: Path) -> None:
    common = ("model=lead", "dataset=files", f"dataset.path={data}", "debug=fast", "dataset.num_shards=2")
    first, second = (run_eval(*common, f"dataset.shard_index={i}") for i in (0, 1))
    other = run_eval(*common, "dataset.shard_index=1", "model.k=1")
    with pytest.raises(MergeError, match=r"shards \[1\] are not among"):
        merge_runs([first])
    with pytest.raises(MergeError, match="differs"):
        merge_runs([first, other])
    info = read_json(second / "run.json")
    (second / "run.json").write_text(json.dumps({**info, "status": "failed"}), encoding="utf-8")
    with pytest.raises(MergeError, match="the run is failed; finish it first"):
        merge_runs([first, second])


@pytest.mark.slow
def test_merge_command_line(run_eval, data: Path, tmp_path: Path) -> None:
    common = ("model=lead", "dataset=files", f"dataset.path={data}", "debug=fast", "dataset.num_shards=2")
    shards = [str(run_eval(*common, f"dataset.shard_index={i}")) for i in (0, 1)]
    result = harness_cli("merge", *shards, "--output-root", str(tmp_path / "joined"))
    assert "| lead_files |" in result.stdout.replace("summarise_", "") and "run folder:" in result.stdout
    failed = harness_cli("merge", shards[0], check=False)
    assert failed.returncode == 2 and "harness: error:" in failed.stderr


def write_lines(path: Path, lines: list[str]) -> str:
    path.write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")
    return str(path)


@pytest.fixture
def translation_data(tmp_path: Path) -> dict[str, str]:
    """Every translation loader's data: line-aligned files and a hub-style folder (``datasets.load_dataset``
    on a local folder takes the same path as wmt16 / wmt19)."""
    english = [f"The council met {i} times in May." for i in range(10)]
    spanish = [f"El consejo se reunió {i} veces en mayo." for i in range(10)]
    hub = tmp_path / "wmt-like"
    hub.mkdir()
    rows = [{"translation": {"en": en, "es": es}} for en, es in zip(english, spanish, strict=True)]
    (hub / "test.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return {
        "source": write_lines(tmp_path / "src.en", english),
        "reference": write_lines(tmp_path / "ref.es", spanish),
        "hub": str(hub),
    }


def translation_datasets(data: dict[str, str]) -> dict[str, tuple[str, ...]]:
    return {
        "parallel_text": (
            "dataset=parallel_text",
            f"dataset.source={data['source']}",
            f"dataset.references=[{data['reference']}]",
        ),
        "hub_translation": (
            "dataset=wmt16_ro_en",
            f"dataset.hub_name={data['hub']}",
            "dataset.config=null",
            "task.source_lang=en",
        ),
        "seed": ("dataset=seed",),
    }


@pytest.mark.parametrize("loader", ["parallel_text", "hub_translation", "seed"])
def test_every_translation_loader_shards_after_selection(translation_data: dict[str, str], loader: str) -> None:
    """Shards tile the selected examples (shuffle and limit first), with the ids of the whole selection."""
    from harness.app.hydra_app import compose_config
    from harness.core.task import task_spec
    from harness.data.loading import load_examples

    def ids(*overrides: str) -> list[str]:
        cfg = compose_config(
            [
                "task=translate",
                "task.target_lang=es",
                *translation_datasets(translation_data)[loader],
                "dataset.shuffle=true",
                "dataset.limit=7",
                *overrides,
            ]
        )
        return [e.id for e in load_examples(cfg.dataset, task_spec(cfg))]

    whole = ids()
    shards = [ids("dataset.num_shards=3", f"dataset.shard_index={i}") for i in range(3)]
    assert [len(s) for s in shards] == [3, 2, 2]
    assert [i for shard in shards for i in shard] == whole


@pytest.mark.slow
def test_merged_translation_shards_equal_the_unsharded_run(
    run_eval, translation_data: dict[str, str], tmp_path: Path
) -> None:
    """Outputs read line by line (``model=predictions``): each shard takes the lines of its own rows."""
    outputs = write_lines(tmp_path / "system.es", [f"El consejo se reunió {i} veces." for i in range(10)])
    common = (
        "task=translate",
        "task.target_lang=es",
        "model=predictions",
        f"model.path={outputs}",
        *translation_datasets(translation_data)["parallel_text"],
        "metrics.names=[bleu,chrf,facts]",
    )
    whole = run_eval(*common)
    shards = [run_eval(*common, "dataset.num_shards=3", f"dataset.shard_index={i}") for i in range(3)]
    assert [read_json(s / "run.json")["dataset"]["n_examples"] for s in shards] == [4, 3, 3]
    merged = merge_runs(shards, tmp_path / "merged")
    assert read_json(merged / "metrics.json") == read_json(whole / "metrics.json")
    for name in ("examples.jsonl", "predictions.jsonl"):
        assert [r["id"] for r in read_jsonl(merged / name)] == [str(i) for i in range(10)]
    assert read_jsonl(merged / "scores.jsonl") == read_jsonl(whole / "scores.jsonl")


@pytest.mark.slow
def test_predictions_file_of_the_whole_dataset_scores_a_shard_or_a_limit(run_eval, data: Path) -> None:
    """A previous run's predictions.jsonl covers the whole dataset; a shard or a ``limit`` of the same
    dataset reads its own ids from it (ids outside the selection are expected there, not an error)."""
    common = ("dataset=files", f"dataset.path={data}", "debug=fast")
    whole = run_eval("model=lead", *common)
    predictions = ("model=predictions", f"model.path={whole / 'predictions.jsonl'}", *common)
    shards = [run_eval(*predictions, "dataset.num_shards=2", f"dataset.shard_index={i}") for i in range(2)]
    limited = run_eval(*predictions, "dataset.limit=5")
    outputs = {row["id"]: row["output"] for row in read_jsonl(whole / "predictions.jsonl")}
    for run_dir in (*shards, limited):
        rows = read_jsonl(run_dir / "predictions.jsonl")
        assert rows and all(row["output"] == outputs[row["id"]] for row in rows)
    assert sum(len(read_jsonl(s / "predictions.jsonl")) for s in shards) == len(outputs)
    assert len(read_jsonl(limited / "predictions.jsonl")) == 5


@pytest.mark.slow
def test_shards_written_before_the_per_metric_config_nodes_still_merge(run_eval, data: Path, tmp_path: Path) -> None:
    """Shard folders whose config.yaml has the old flat metric keys (``metrics.rouge_use_stemmer``) are
    read with those keys moved to their node, instead of failing on the missing node."""
    common = ("model=lead", "dataset=files", f"dataset.path={data}", "dataset.limit=8", "debug=fast")
    whole = run_eval(*common)
    shards = [run_eval(*common, "dataset.num_shards=2", f"dataset.shard_index={i}") for i in (0, 1)]
    for shard in shards:
        config = shard / "config.yaml"
        text = config.read_text(encoding="utf-8")
        assert "  rouge:\n    use_stemmer: true\n" in text
        config.write_text(text.replace("  rouge:\n    use_stemmer: true\n", "  rouge_use_stemmer: true\n"), "utf-8")
    merged = merge_runs(shards, tmp_path / "merged")
    assert read_json(merged / "metrics.json") == read_json(whole / "metrics.json")


@pytest.mark.slow
def test_merge_refuses_one_shard_index_given_twice(run_eval, data: Path) -> None:
    """Two runs of shard 1 (a job run twice): the last one must not silently win."""
    common = ("model=lead", "dataset=files", f"dataset.path={data}", "debug=fast", "dataset.num_shards=2")
    first, second, again = (run_eval(*common, f"dataset.shard_index={i}") for i in (0, 1, 1))
    for shards in ([first, second, again], [first, second, second]):
        with pytest.raises(MergeError, match=r"are both shard 1"):
            merge_runs(shards)


@pytest.mark.slow
def test_merge_refuses_shards_of_different_data(run_eval, data: Path, tmp_path: Path) -> None:
    """The data file changed between the shard jobs: the shards are of different selections (rows
    duplicated or missed), whatever their configs say."""
    common = ("model=lead", "dataset=files", f"dataset.path={data}", "debug=fast", "dataset.num_shards=2")
    first = run_eval(*common, "dataset.shard_index=0")
    rows = data.read_text(encoding="utf-8").splitlines(keepends=True)
    data.write_text("".join(rows[5:] + rows[:5]), encoding="utf-8")  # the same rows, in another order
    second = run_eval(*common, "dataset.shard_index=1")
    before = sorted(p.name for p in first.parent.iterdir())
    with pytest.raises(MergeError, match=rf"{second}: shard 1 was taken from other data than shard 0"):
        merge_runs([first, second])
    assert sorted(p.name for p in first.parent.iterdir()) == before  # no merged folder left behind


@pytest.mark.slow
def test_merge_refuses_a_shard_whose_examples_were_changed(run_eval, data: Path) -> None:
    common = ("model=lead", "dataset=files", f"dataset.path={data}", "debug=fast", "dataset.num_shards=2")
    first, second = (run_eval(*common, f"dataset.shard_index={i}") for i in (0, 1))
    examples = second / "examples.jsonl"
    lines = examples.read_text(encoding="utf-8").splitlines(keepends=True)
    examples.write_text("".join(lines + lines[:1]), encoding="utf-8")
    with pytest.raises(MergeError, match=rf"{examples}: its examples do not match the fingerprint"):
        merge_runs([first, second])


@pytest.mark.slow
def test_merge_refuses_shards_of_an_earlier_version_that_repeat_ids(run_eval, data: Path) -> None:
    """Shards whose run.json records no selection (written before it was): repeated ids still give away
    that the data changed between the shard jobs."""
    rows = [{"id": f"r{i}", **json.loads(line)} for i, line in enumerate(data.read_text(encoding="utf-8").splitlines())]
    data.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    common = ("model=lead", "dataset=files", f"dataset.path={data}", "dataset.id_column=id", "debug=fast")
    first = run_eval(*common, "dataset.num_shards=2", "dataset.shard_index=0")
    data.write_text("".join(json.dumps(r) + "\n" for r in rows[5:] + rows[:5]), encoding="utf-8")
    second = run_eval(*common, "dataset.num_shards=2", "dataset.shard_index=1")
    for shard in (first, second):
        info = read_json(shard / "run.json")
        del info["dataset"]["selection"]
        (shard / "run.json").write_text(json.dumps(info), encoding="utf-8")
    with pytest.raises(MergeError, match=r"example ids more than once \(r0, r1, r2, r3, r4\)"):
        merge_runs([first, second])
