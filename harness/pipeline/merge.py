"""``harness merge``: join the run folders of a sharded evaluation into one run.

The shards (``dataset.num_shards=N dataset.shard_index=0..N-1``, same config otherwise) are checked
for completeness and for their data, as a resumed run is: each shard's ``examples.jsonl`` must have the
fingerprint its run recorded, and every shard must have been taken from the same selection (the data
file may have changed between the shard jobs: rows would be duplicated or missed). Their examples and
predictions are concatenated in shard order, and the joined outputs are scored again, so that means,
bootstrap intervals and corpus scores (BLEU needs all sentences at once) equal those of the unsharded run.
"""

from __future__ import annotations

import json
import shutil
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from omegaconf import OmegaConf

from harness.core.errors import InputError
from harness.core.task import task_spec
from harness.data.example import Example
from harness.data.loading import fingerprint
from harness.metrics.config import with_metric_nodes
from harness.metrics.registry import build_metrics
from harness.pipeline.resume import comparable
from harness.pipeline.scoring import score_run
from harness.pipeline.timing import Timings
from harness.runfolder.folder import RunFolder
from harness.runfolder.schema import RunInfo
from harness.runfolder.summary import summary_markdown


class MergeError(InputError, ValueError):
    """The folders are not the complete shards of one evaluation; the message says why."""


class JsonlExamples:
    """The examples of a run folder's ``examples.jsonl``, read again on each iteration."""

    def __init__(self, path: Path) -> None:
        self.path = path
        with path.open(encoding="utf-8") as lines:
            self.count = sum(1 for _ in lines)

    def __len__(self) -> int:
        return self.count

    def __iter__(self) -> Iterator[Example]:
        with self.path.open(encoding="utf-8") as lines:
            for line in lines:
                record = json.loads(line)
                yield Example(record["id"], record["source"], tuple(record["references"]), record["meta"])


def merge_runs(shard_dirs: Sequence[str | Path], output_root: Path | None = None) -> Path:
    """Join complete shard runs into a new run folder (under ``output_root``, default the shards' root)."""
    clock, started, timings = time.perf_counter(), datetime.now().astimezone(), Timings()
    shards = _ordered_shards([Path(d) for d in shard_dirs])
    _check_data(shards)
    config = shards[0].config()
    cfg = OmegaConf.create({**config, "metrics": with_metric_nodes(config["metrics"])})
    cfg.dataset.num_shards, cfg.dataset.shard_index = 1, 0
    infos = [shard.info() for shard in shards]
    root = output_root or shards[0].path.parent.parent
    option = "--output-root" if output_root else "run.output_root"  # else the shards' own root
    folder = RunFolder.create(root, cfg.task.name, cfg.model.name, cfg.dataset.name, started, option)
    try:
        folder.write_config(cfg)
        for name in ("examples.jsonl", "predictions.jsonl"):
            with (folder.path / name).open("x", encoding="utf-8") as target:
                for shard in shards:
                    with (shard.path / name).open(encoding="utf-8") as source:
                        shutil.copyfileobj(source, target)
        with timings.stage("load"):
            examples = JsonlExamples(folder.path / "examples.jsonl")
            metrics = build_metrics(cfg.metrics, task_spec(cfg), list(cfg.task.default_metrics))
        metrics_file = score_run(metrics, examples, len(examples), folder, cfg.metrics, timings=timings)
    finally:
        folder.close()
    info = _merged_info(infos, folder, examples, started)
    info["wall_seconds"] = sum(i["wall_seconds"] or 0.0 for i in infos) + time.perf_counter() - clock
    info["timings"] = timings.as_dict()  # the merge's own: reading the shards and scoring again
    folder.write_json("run.json", info)
    folder.write_text("summary.md", summary_markdown(dict(info), metrics_file))
    return folder.path


def _ordered_shards(dirs: list[Path]) -> list[RunFolder]:
    """The folders in shard order, after checking they are all the complete shards of one config."""
    if not dirs:
        raise MergeError("harness merge: name the shard run folders to join")
    by_index: dict[int, RunFolder] = {}
    reference: dict[str, Any] | None = None
    for path in dirs:
        folder = RunFolder.open(path)
        status = folder.status()
        if status != "complete":
            raise MergeError(f"{path}: the run is {status}; finish it first (run.resume={path})")
        cfg = comparable(folder.config())
        index = cfg["dataset"].pop("shard_index")
        if index in by_index:
            raise MergeError(f"{path} and {by_index[index].path} are both shard {index}")
        by_index[index] = folder
        if reference is None:
            reference = cfg
        elif cfg != reference:
            raise MergeError(f"{path}: its config differs from {dirs[0]}'s beyond dataset.shard_index")
    assert reference is not None
    expected = reference["dataset"]["num_shards"]
    missing = sorted(set(range(expected)) - set(by_index))
    if missing:
        raise MergeError(f"dataset.num_shards={expected} but shards {missing} are not among the folders")
    return [by_index[i] for i in range(expected)]


def _check_data(shards: list[RunFolder]) -> None:
    """Every shard holds the examples its run recorded, all taken from one selection (so that joined they
    are that selection), and no example id is in two shards (which also checks shards written before the
    selection was recorded)."""
    infos = [shard.info()["dataset"] for shard in shards]
    for index, (shard, dataset) in enumerate(zip(shards, infos, strict=True)):
        examples = shard.path / "examples.jsonl"
        found = fingerprint(JsonlExamples(examples))
        if found != dataset["fingerprint"]:
            raise MergeError(
                f"{examples}: its examples do not match the fingerprint in run.json ({dataset['fingerprint']} "
                f"there, {found} in the file); the file was changed after the run"
            )
        if dataset.get("selection") != infos[0].get("selection"):
            raise MergeError(
                f"{shard.path}: shard {index} was taken from other data than shard 0 ({shards[0].path}): selection "
                f"{dataset.get('selection')} there, {infos[0].get('selection')} in shard 0; the dataset changed "
                "between the shard jobs: run them again on the same data"
            )
    ids = Counter(example.id for shard in shards for example in JsonlExamples(shard.path / "examples.jsonl"))
    repeated = [example_id for example_id, count in ids.items() if count > 1]
    if repeated:
        raise MergeError(
            f"the shards hold example ids more than once ({', '.join(repeated[:5])}); they are not one dataset's shards"
        )


def _merged_info(infos: list[RunInfo], folder: RunFolder, examples: JsonlExamples, started: datetime) -> RunInfo:
    first = infos[0]
    dataset = {k: v for k, v in first["dataset"].items() if k not in ("num_shards", "shard_index", "selection")}
    dataset.update(fingerprint=fingerprint(examples), n_examples=len(examples))
    cache = dict(first["cache"])
    cache.update(
        hits=sum(i["cache"].get("hits", 0) for i in infos), misses=sum(i["cache"].get("misses", 0) for i in infos)
    )
    return RunInfo(
        run_id=f"{folder.path.parent.name}/{folder.path.name}",
        status="complete",
        started=started.isoformat(),
        finished=datetime.now().astimezone().isoformat(),
        git_commit=first["git_commit"],
        versions=first["versions"],
        task=first["task"],
        model=first["model"],
        dataset=dataset,
        seed=first["seed"],
        device=first["device"],
        wall_seconds=None,
        examples_per_second=None,
        cache=cache,  # type: ignore[typeddict-item]
        merged_from=[i["run_id"] for i in infos],
    )
