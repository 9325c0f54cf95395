"""The default summarisation metrics end to end on FRANK validation (671 summaries) through
``model=predictions``, for this checkout and a baseline checkout, run alternately in one session.

Each run is ``python -m harness run model=predictions model.column=summary dataset=frank
run.cache=false`` (no generation or score cache) in its own checkout; the report gives each run's
examples/s (``run.json``), this checkout's per-stage and per-metric seconds, and the ratio of the
best examples/s of each side.

    git archive 8adfceb | tar -x -C /tmp/harness-8adfceb      # the baseline commit, unpacked
    PYTHONPATH=. python benchmarks/frank_end_to_end.py --baseline /tmp/harness-8adfceb [--repeats 2]
        [--limit N] [--workers 2] [--baseline /tmp/harness-main ...]

Further ``--baseline`` checkouts (another commit, e.g. main before a change) run in the same
alternation and get a ratio each (``speedup_over_baseline1``, ...). ``--limit N`` scores the first N
summaries (FRANK's rows are grouped by article, so the summaries of an article stay together);
``--workers 2`` also runs this checkout with ``metrics.workers=2`` and reports its ratio to the
one-worker run.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from _data import SHARED

HERE = Path(__file__).resolve().parents[1]


def run_once(checkout: Path, output_root: Path, overrides: list[str]) -> dict:
    env = {**os.environ, "PYTHONPATH": str(checkout), "HARNESS_PROGRESS": "0", "HF_HUB_OFFLINE": "1"}
    subprocess.run(
        [
            sys.executable,
            "-m",
            "harness",
            "run",
            "model=predictions",
            "model.column=summary",
            "dataset=frank",
            f"dataset.path={SHARED / 'data' / 'frank-valid.jsonl'}",
            "run.cache=false",
            f"run.output_root={output_root}",
            *overrides,
        ],
        cwd=checkout,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    info = json.loads(next(output_root.rglob("run.json")).read_text(encoding="utf-8"))
    return {
        "examples_per_second": info["examples_per_second"],
        "wall_seconds": info["wall_seconds"],
        "timings": info.get("timings"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--baseline",
        type=Path,
        action="append",
        required=True,
        help="a checkout of the baseline commit; repeat it for several (the first gives `speedup`)",
    )
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--limit", type=int, default=None, help="the first N summaries only")
    parser.add_argument("--workers", type=int, default=1, help="also run this checkout with metrics.workers=N")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="harness-frank-e2e-"))
    common = [f"dataset.limit={args.limit}"] if args.limit else []
    baselines = [(f"baseline{i}" if i else "baseline", path, common) for i, path in enumerate(args.baseline)]
    sides = [*baselines, ("this", HERE, common)]
    if args.workers > 1:
        sides.append((f"this_workers{args.workers}", HERE, [*common, f"metrics.workers={args.workers}"]))
    runs: dict[str, list[dict]] = {label: [] for label, _, _ in sides}
    loads = []
    for repeat in range(args.repeats):
        for label, checkout, overrides in sides:
            runs[label].append(run_once(checkout.resolve(), work / f"{label}-{repeat}", overrides))
            loads.append(os.getloadavg()[0])
            print(label, runs[label][-1]["examples_per_second"], file=sys.stderr, flush=True)
    best = {label: max(r["examples_per_second"] for r in results) for label, results in runs.items()}
    ratios = {
        ("speedup" if label == "baseline" else f"speedup_over_{label}"): best["this"] / best[label]
        for label, _, _ in baselines
    }
    if args.workers > 1:
        ratios["workers_speedup"] = best[f"this_workers{args.workers}"] / best["this"]
    print(
        json.dumps(
            {
                "cpus": os.cpu_count(),
                "baselines": {label: str(path) for label, path, _ in baselines},
                "load_average_after_each_run": loads,
                "runs": runs,
                "best_examples_per_second": best,
                **ratios,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
