"""The encoder floor of the default summarisation metrics on FRANK validation, against the time that
3x a baseline's examples/s leaves.

``auto_facts`` (relation checks) and ``faithfulness`` both need every source sentence and every
output through MiniLM, so one pass of all-MiniLM-L6-v2 (all six layers, length-sorted batches of
32, 256 tokens at most, as ``harness.metrics.support.embedder`` encodes) over the unique source sentences
(``harness.core.sentences.split_sentences``) of FRANK validation's 149 articles and its 671 outputs is a lower
bound on the model work of any run of the default set that keeps these metrics. It is timed in
float32 and in bfloat16, and set against the budget: 671 / (3 x the baseline's examples/s), of which
a run also spends some on loading (the run's ``load`` stage). Wall and process CPU seconds are
reported: on a loaded machine two torch threads wait for each other and the wall time says little.

    git archive 8adfceb | tar -x -C /tmp/harness-8adfceb      # the baseline commit, unpacked
    PYTHONPATH=. python benchmarks/encoder_floor.py --baseline /tmp/harness-8adfceb
    PYTHONPATH=. python benchmarks/encoder_floor.py --baseline-rate 13.8     # a rate measured before

With ``--baseline`` the baseline's default set is run end to end first (``frank_end_to_end``'s run,
no caches), in the same session as the floor.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import torch
from frank_end_to_end import run_once

from _data import frank_rows
from harness.core.sentences import split_sentences
from harness.metrics.support.embedder import load_minilm

BATCH_SIZE = 32
MAX_TOKENS = 256


def floor_texts(rows: list[dict]) -> list[str]:
    """The unique source sentences of the articles and the outputs, shortest first."""
    articles = dict.fromkeys(row["article"] for row in rows)
    sentences = [sentence for article in articles for sentence in split_sentences(article)]
    return sorted(set(sentences + [row["summary"] for row in rows]), key=len)


def encode_all(texts: list[str], dtype: torch.dtype) -> tuple[float, float, int]:
    """Wall and process CPU seconds of one MiniLM pass over ``texts`` in ``dtype`` (tokenising
    included, loading not), and their tokens."""
    tokenizer, model = load_minilm(dtype=dtype)  # a copy per dtype: converting one back would keep bf16's rounding
    tokens = 0
    started, cpu = time.perf_counter(), time.process_time()
    with torch.inference_mode():
        for start in range(0, len(texts), BATCH_SIZE):
            batch = tokenizer(
                texts[start : start + BATCH_SIZE],
                padding=True,
                truncation=True,
                max_length=MAX_TOKENS,
                return_tensors="pt",
            )
            tokens += int(batch["attention_mask"].sum())
            model(**batch)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    return seconds, cpu, tokens


def cpu_has_bf16() -> bool:
    """Whether the CPU multiplies bfloat16 natively (AVX512-BF16 or AMX), per /proc/cpuinfo."""
    try:
        flags = Path("/proc/cpuinfo").read_text(encoding="utf-8")
    except OSError:
        return False
    return "avx512_bf16" in flags or "amx_bf16" in flags


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--baseline", type=Path, help="a checkout of the baseline commit, run end to end first")
    source.add_argument("--baseline-rate", type=float, help="the baseline's examples/s, measured before")
    parser.add_argument("--speedup", type=float, default=3.0, help="the target ratio to the baseline")
    parser.add_argument("--repeats", type=int, default=1, help="passes per dtype; the fastest is kept")
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: torch's, as a run)")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    rows = frank_rows()
    report: dict = {"cpus": os.cpu_count(), "torch_threads": torch.get_num_threads(), "cpu_bf16": cpu_has_bf16()}
    if args.baseline is not None:
        with tempfile.TemporaryDirectory(prefix="harness-encoder-floor-") as work:
            baseline = run_once(args.baseline.resolve(), Path(work), [])
        report["baseline"] = baseline
        rate = baseline["examples_per_second"]
    else:
        rate = args.baseline_rate
    budget = len(rows) / (args.speedup * rate)
    texts = floor_texts(rows)
    floor = {}
    for name, dtype in (("float32", torch.float32), ("bfloat16", torch.bfloat16)):
        passes = [encode_all(texts, dtype) for _ in range(args.repeats)]
        seconds, cpu, report["tokens"] = min(passes)
        floor[name] = {
            "seconds": round(seconds, 2),
            "cpu_seconds": round(cpu, 2),
            "share_of_budget": round(seconds / budget, 2),
        }
        print(name, floor[name], file=sys.stderr, flush=True)
    report.update(
        {
            "examples": len(rows),
            "texts": len(texts),
            "baseline_examples_per_second": rate,
            "target": f">= {args.speedup:g}x: {args.speedup * rate:.1f} examples/s",
            "budget_seconds": round(budget, 2),
            "floor": floor,
            "load_average": os.getloadavg()[0],
        }
    )
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
