"""Benchmark: ``harness compare`` of the 16 WMT17 en-de systems against ``sacrebleu --paired-bs``.

Both sides run as command-line programs on the same files, with the same metrics, the same seed
(12345) and 1000 bootstrap resamples, one after the other in one process of this script; the
result is a time ratio, harness / sacrebleu (target: <= 1). The run folders are built first (not
timed) by the tests' run-folder writer: one translation run per system, with the same sacrebleu
sentence statistics as the runner stores (``tests/results/test_compare.py::test_compare_on_runner_runs``
checks that), in seconds instead of the runner's minutes. The printed BLEU scores
and p-values of both are checked equal.

    python benchmarks/compare_wmt17.py [--metrics bleu chrf] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from runfolders import wmt17_systems, write_wmt17_runs  # noqa: E402

BASELINE = "LIUM-NMT"


def timed(command: list[str]) -> tuple[float, str]:
    env = {k: v for k, v in os.environ.items() if k != "SACREBLEU_SEED"}
    start = time.perf_counter()
    out = subprocess.run(command, capture_output=True, text=True, check=True, env=env, cwd=ROOT).stdout
    return time.perf_counter() - start, out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--metrics", nargs="+", default=["bleu", "chrf"], choices=["bleu", "chrf"])
    parser.add_argument("--repeat", type=int, default=3, help="timings per side; the best is kept")
    args = parser.parse_args()

    systems = wmt17_systems()
    order = [BASELINE] + [name for name in systems if name != BASELINE]
    with tempfile.TemporaryDirectory() as tmp:
        folders = write_wmt17_runs(Path(tmp), metrics=args.metrics)
        ours_cmd = [
            sys.executable,
            "-m",
            "harness",
            "compare",
            *(str(folders[n]) for n in order),
            "--samples",
            "1000",
            "--trials",
            "0",
            "--seed",
            "12345",
        ]
        ref = systems[BASELINE].parents[1] / "newstest2017.ref.de"
        theirs_cmd = [
            "sacrebleu",
            str(ref),
            "-i",
            *(str(systems[n]) for n in order),
            "-m",
            *args.metrics,
            "--paired-bs",
            "--paired-bs-n",
            "1000",
            "-f",
            "text",
            "-w",
            "4",
            "--no-color",
            "-q",
        ]
        ours_times, theirs_times = [], []
        for _ in range(args.repeat):
            seconds, ours_out = timed(ours_cmd)
            ours_times.append(seconds)
            seconds, theirs_out = timed(theirs_cmd)
            theirs_times.append(seconds)

    ours_p = re.findall(r"\| (\d+\.\d{4}) \|\s*\|\s*$", ours_out, re.MULTILINE)
    theirs_p = re.findall(r"\(p = (\d+\.\d{4})\)", theirs_out)
    ours_best, theirs_best = min(ours_times), min(theirs_times)
    print(
        f"systems: {len(order)} (baseline {BASELINE}), metrics: {' '.join(args.metrics)}, "
        f"bootstrap: 1000, seed: 12345, cores: {os.cpu_count()}"
    )
    print(f"harness compare : {ours_best:.2f} s (best of {args.repeat}: {', '.join(f'{t:.2f}' for t in ours_times)})")
    print(
        f"sacrebleu       : {theirs_best:.2f} s (best of {args.repeat}: {', '.join(f'{t:.2f}' for t in theirs_times)})"
    )
    print(f"ratio harness / sacrebleu: {ours_best / theirs_best:.3f}")
    print(f"p-values equal: {sorted(ours_p) == sorted(theirs_p)} ({len(theirs_p)} compared)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
