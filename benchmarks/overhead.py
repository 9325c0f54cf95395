"""Harness overhead: ``harness run`` with the tiny seq2seq model over 2,000 inputs against a bare loop
that calls ``generate`` on the same chunks of the same examples.

Both sides build the model and read the dataset; the harness also writes the run folder (examples,
predictions, run.json, config), consults the generation cache (``run.cache=false`` here, so that it
generates), updates progress and streams the data. No metrics run (``metrics.names=[]``): scoring is
work a bare loop does not do. The two sides alternate ``--repeats`` times in one process.

Three ratios: the fastest wall time of each side; total process CPU time of each side; and the harness's
own share: CPU time of the harness run spent outside ``model.generate`` over the bare loop's CPU time.
On a machine shared with other work, the time ``generate`` itself takes varies by 10-20% from one
call to the next for the same inputs, which swamps the first two; the third does not depend on it.

    PYTHONPATH=. python benchmarks/overhead.py [--n 2000] [--repeats 3] [--threads 1]
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

os.environ.setdefault("HARNESS_PROGRESS", "0")

import torch  # noqa: E402
import transformers  # noqa: E402

from _data import write_inputs  # noqa: E402
from harness.app.hydra_app import compose_config  # noqa: E402
from harness.core.task import task_spec  # noqa: E402
from harness.data.example import Example  # noqa: E402
from harness.data.loading import load_examples  # noqa: E402
from harness.models.base import Generation  # noqa: E402
from harness.models.hf_seq2seq import HFSeq2SeqModel  # noqa: E402
from harness.models.registry import build_model  # noqa: E402
from harness.pipeline.generation import chunked  # noqa: E402
from harness.pipeline.runner import run  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1, help="torch threads (1 is steadiest on a shared machine)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    transformers.utils.logging.set_verbosity_error()
    work = Path(tempfile.mkdtemp(prefix="harness-overhead-"))
    data = write_inputs(work / "inputs.jsonl", args.n)
    cfg = compose_config(
        [
            "model=tiny_t5",
            "dataset=files",
            f"dataset.path={data}",
            "metrics.names=[]",
            "run.cache=false",
            f"run.output_root={work / 'results'}",
        ]
    )

    def bare() -> None:
        model = build_model(cfg.model, task_spec(cfg))
        examples = list(load_examples(cfg.dataset, task_spec(cfg)))
        outputs = [g.output for chunk in chunked(examples, cfg.run.chunk_size) for g in model.generate(chunk)]
        assert len(outputs) == args.n

    in_generate = [0.0]
    generate = HFSeq2SeqModel.generate

    def counted(self: HFSeq2SeqModel, examples: Sequence[Example]) -> list[Generation]:
        start = time.process_time()
        try:
            return generate(self, examples)
        finally:
            in_generate[0] += time.process_time() - start

    HFSeq2SeqModel.generate = counted  # type: ignore[method-assign]

    def timed(job: Callable[[], object]) -> tuple[float, float]:
        wall, cpu = time.perf_counter(), time.process_time()
        in_generate[0] = 0.0
        job()
        return time.perf_counter() - wall, time.process_time() - cpu

    bare()  # warm-up: the tiny model is built once, imports and caches settle
    wall: dict[str, list[float]] = {"bare": [], "harness": []}
    cpu: dict[str, list[float]] = {"bare": [], "harness": []}
    outside_generate: list[float] = []
    for _ in range(args.repeats):
        for label, job in (("bare", bare), ("harness", lambda: run(cfg))):
            seconds, cpu_seconds = timed(job)
            wall[label].append(seconds)
            cpu[label].append(cpu_seconds)
        outside_generate.append(cpu["harness"][-1] - in_generate[0])
    print(
        json.dumps(
            {
                "n": args.n,
                "threads": args.threads,
                "wall_seconds": wall,
                "cpu_seconds": cpu,
                "harness_cpu_outside_generate": outside_generate,
                "overhead_best_wall": min(wall["harness"]) / min(wall["bare"]) - 1,
                "overhead_cpu": sum(cpu["harness"]) / sum(cpu["bare"]) - 1,
                "overhead_own_cpu": sum(outside_generate) / sum(cpu["bare"]),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
