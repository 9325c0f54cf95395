"""CUDA check of the model-based metrics (run on a machine with a GPU): ``metrics.device=auto`` picks
CUDA; BERTScore and faithfulness on CUDA in float32 equal the CPU scores (to 1e-4) on FRANK pairs;
float16 and bfloat16 run, with their largest difference from float32; seconds per run. One JSON report.

    python benchmarks/cuda_metrics.py [--rows 64] [--out report.json]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import torch

from _data import frank_rows
from harness.data.example import Example
from harness.metrics.base import ScoringInput
from harness.metrics.bertscore import BertScoreMetric
from harness.metrics.faithfulness import FaithfulnessMetric
from harness.metrics.support.device import metric_device


def largest_difference(a: list[dict], b: list[dict]) -> float:
    return max(abs(x[k] - y[k]) for x, y in zip(a, b, strict=True) for k in x if isinstance(x[k], float))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=64)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    rows = frank_rows()
    items = [ScoringInput(Example(r["id"], r["article"], (r["reference"],)), r["summary"]) for r in rows[: args.rows]]
    report: dict = {"auto_device": metric_device("auto"), "torch": torch.__version__}
    for name, make in (("faithfulness", FaithfulnessMetric), ("bertscore", BertScoreMetric)):
        results, seconds = {}, {}
        for label, device, dtype in (
            ("cpu", "cpu", torch.float32),
            ("cuda", "cuda", torch.float32),
            ("cuda_fp16", "cuda", torch.float16),
            ("cuda_bf16", "cuda", torch.bfloat16),
        ):
            metric = make(device=device, dtype=dtype)
            start = time.perf_counter()
            results[label] = metric.score(items)
            seconds[label] = time.perf_counter() - start
        report[name] = {
            "seconds": seconds,
            "cuda_fp32_vs_cpu": largest_difference(results["cuda"], results["cpu"]),
            "fp16_vs_fp32": largest_difference(results["cuda_fp16"], results["cuda"]),
            "bf16_vs_fp32": largest_difference(results["cuda_bf16"], results["cuda"]),
        }
        assert report[name]["cuda_fp32_vs_cpu"] < 1e-4, report[name]
    text = json.dumps(report, indent=2)
    print(text)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
