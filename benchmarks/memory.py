"""Peak memory of ``harness run`` at 10k and 100k examples: outputs stream from the dataset to the run
folder and back, so only per-example numbers (score columns, an id -> offset index) grow with n.

Each size runs ``python -m harness run model=predictions model.column=summary`` (outputs taken from a
dataset column: no model cost, so the run is all data handling and scoring) in a child process; its peak
resident memory comes from ``wait4``. The datasets are written first; their conversion to Arrow by
``datasets`` is part of the measured run.

    PYTHONPATH=. python benchmarks/memory.py [--sizes 10000 100000] [--metrics [rouge]]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WORDS = ("council", "voted", "city", "budget", "river", "bridge", "school", "winter", "plan", "road", "mayor", "late")


def write_dataset(path: Path, n: int) -> Path:
    with path.open("w", encoding="utf-8") as stream:
        for i in range(n):
            words = [WORDS[(i * 7 + j * 3) % len(WORDS)] for j in range(40)]
            source = f"Report {i}. " + " ".join(words[:20]) + ". " + " ".join(words[20:]) + "."
            row = {
                "id": f"r{i}",
                "source": source,
                "reference": " ".join(words[5:17]) + ".",
                "summary": " ".join(words[:12]) + ".",
            }
            stream.write(json.dumps(row) + "\n")
    return path


def peak_rss(n: int, metrics: str, work: Path) -> dict[str, float]:
    data = write_dataset(work / f"data-{n}.jsonl", n)
    command = [
        sys.executable,
        "-m",
        "harness",
        "run",
        "model=predictions",
        "model.column=summary",
        "dataset=files",
        f"dataset.path={data}",
        "dataset.id_column=id",
        f"metrics.names={metrics}",
        f"run.output_root={work / 'results'}",
    ]
    env = {**os.environ, "HARNESS_PROGRESS": "0", "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(ROOT)}
    start = time.perf_counter()
    child = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    if status != 0:
        raise SystemExit(f"{' '.join(command)} failed with status {status}")
    return {"n": n, "peak_rss_mb": usage.ru_maxrss / 1024, "seconds": time.perf_counter() - start}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--metrics", default="[rouge]")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="harness-memory-"))
    results = [peak_rss(n, args.metrics, work) for n in args.sizes]
    print(
        json.dumps(
            {"metrics": args.metrics, "runs": results, "ratio": results[-1]["peak_rss_mb"] / results[0]["peak_rss_mb"]},
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
