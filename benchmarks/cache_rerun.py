"""Cached re-run: the same ``harness run`` twice with a fresh generation cache; the second run takes its
outputs from the cache, so it costs model loading, data reading and scoring only.

The tiny T5 decodes like a real model (beam search, ``--new-tokens`` tokens) but is thousands of times
cheaper per step than a real summariser, so with it the ratio is bounded by generation / scoring time
per example: ``--metrics`` picks what the re-run scores (reference-free statistics by default; ROUGE
costs about as much per example as the tiny model's generation). With a real model the cold run is
far longer and the cached one is not.

Times are each run's ``wall_seconds`` from ``run.json`` (the whole pipeline inside the process).

    PYTHONPATH=. python benchmarks/cache_rerun.py [--n 1000] [--threads 1]
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
from pathlib import Path

os.environ.setdefault("HARNESS_PROGRESS", "0")

import torch  # noqa: E402
import transformers  # noqa: E402

from _data import write_inputs  # noqa: E402
from harness.app.hydra_app import compose_config  # noqa: E402
from harness.pipeline.runner import run  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--new-tokens", type=int, default=128)
    parser.add_argument("--beams", type=int, default=4)
    parser.add_argument("--metrics", default="[reference_free]", help="metrics.names, e.g. [rouge]")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    transformers.utils.logging.set_verbosity_error()
    work = Path(tempfile.mkdtemp(prefix="harness-cache-"))
    data = write_inputs(work / "inputs.jsonl", args.n)
    cfg = compose_config(
        [
            "model=tiny_t5",
            f"model.num_beams={args.beams}",
            f"model.min_new_tokens={args.new_tokens}",
            f"model.max_new_tokens={args.new_tokens}",
            "dataset=files",
            f"dataset.path={data}",
            f"metrics.names={args.metrics}",
            f"run.cache_dir={work / 'cache'}",
            f"run.output_root={work / 'results'}",
        ]
    )
    runs = [json.loads((run(cfg) / "run.json").read_text(encoding="utf-8")) for _ in range(2)]
    cold, warm = runs
    assert warm["cache"]["hits"] == args.n and warm["cache"]["misses"] == 0
    print(
        json.dumps(
            {
                "n": args.n,
                "threads": args.threads,
                "metrics": args.metrics,
                "cold_seconds": cold["wall_seconds"],
                "cached_seconds": warm["wall_seconds"],
                "speedup": cold["wall_seconds"] / warm["wall_seconds"],
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
