"""``model=lead`` on one long article: time against the article's length (sentence splitting must be
linear). The articles are FRANK validation articles joined into one paragraph (no blank line: the
hardest case, since pysbd segments a paragraph at a time), cut at 10 KB and at 1 MB; the report gives
both times and the ratio of their per-byte rates (1.0 = linear), and pysbd's own segmenter on 10 KB
and 50 KB for reference (it took 6 min 52 s on a 1.1 MB article). The 1 MB cut holds all 149
articles while the 10 KB one holds the first four, so the per-byte rates also differ by content; the
10 KB text repeated to 1 MB isolates the length.

    PYTHONPATH=. python benchmarks/sentence_split.py [--large 1000000] [--small 10000]
"""

from __future__ import annotations

import argparse
import json
import os
import time

import pysbd

from _data import frank_rows
from harness.app.hydra_app import compose_config
from harness.core.task import task_spec
from harness.data.example import Example
from harness.models.registry import build_model


def article(chars: int) -> str:
    rows = frank_rows()
    text = " ".join(" ".join(r["article"].split()) for r in {r["doc_id"]: r for r in rows}.values())
    return (text * (chars // len(text) + 1))[:chars]


def seconds(job) -> float:  # noqa: ANN001
    start = time.perf_counter()
    job()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--large", type=int, default=1_000_000)
    parser.add_argument("--small", type=int, default=10_000)
    args = parser.parse_args()
    cfg = compose_config(["model=lead", "dataset=seed"])
    lead = build_model(cfg.model, task_spec(cfg))
    small, large = Example("small", article(args.small), ()), Example("large", article(args.large), ())
    repeated = Example("repeated", " ".join([small.source] * (args.large // args.small)), ())
    lead.generate([small])  # warm-up: pysbd's rules compile
    times = {name: seconds(lambda e=e: lead.generate([e])) for name, e in (("small", small), ("large", large))}
    times["small_repeated_to_large"] = seconds(lambda: lead.generate([repeated]))
    segmenter = pysbd.Segmenter(language="en", clean=False)
    stock = {f"pysbd_{n}": seconds(lambda n=n: segmenter.segment(article(n))) for n in (args.small, 50_000)}
    print(
        json.dumps(
            {
                "cpus": os.cpu_count(),
                "load_average": os.getloadavg(),
                "chars": {"small": args.small, "large": args.large},
                "lead_seconds": times,
                "pysbd_segment_seconds": stock,
                "per_byte_ratio_large_vs_small": (times["large"] / args.large) / (times["small"] / args.small),
                "per_byte_ratio_repeated_vs_small": (times["small_repeated_to_large"] / len(repeated.source))
                / (times["small"] / args.small),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
