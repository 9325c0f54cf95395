"""Benchmark: ``harness view``'s pages over 100,000 examples, against a naive table in the same run.

Synthetic run folders (written first, not timed, by the tests' run-folder writer): RUNS runs over the same
EXAMPLES examples (100,000 rows in all), each with a ~700-character source, a ~200-character output,
six scores and twelve key-fact verdicts (some contradicted). Timed, in this process:

- loading the run folders (``load_runs``) and building the viewer (its in-memory SQLite index): startup,
  paid once before the URL is printed;
- the first page of the examples table, the same page again, and a sorted, filtered and searched page
  (sort by rouge1 descending, any contradicted fact, a text search, a score range), each a full HTTP
  request through the app (Starlette's test client);
- the baseline: what a table that pages in the browser must send first, every row as JSON (the export's
  rows, ``harness.results.export.run_rows``, of the runs already loaded).

It prints the times and the ratio baseline / first page (how many times faster the viewer's first page is).

    python benchmarks/viewer_paging.py [--runs 4] [--examples 25000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from starlette.testclient import TestClient  # noqa: E402

from harness.app.view.server import create_app  # noqa: E402
from harness.results.export import run_rows  # noqa: E402
from harness.runfolder.load import load_runs  # noqa: E402
from runfolders import write_run  # noqa: E402

WORDS = "the pact was signed by russia and north korea in pyongyang on wednesday after talks about defence".split()
FACTS = [f"fact{i}" for i in range(12)]


def _text(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words)).capitalize() + "."


def write_runs(root: Path, runs: int, examples: int) -> None:
    rng = random.Random(0)
    data = [
        {"id": f"doc-{i:06d}", "source": _text(rng, 110), "references": [_text(rng, 30)], "meta": {}}
        for i in range(examples)
    ]
    names = ["rouge1", "rouge2", "rougeL", "bertscore_f1", "facts.recall", "faithfulness"]
    for r in range(runs):
        verdicts = [
            [
                {"fact_id": f, "kind": "entity", "verdict": v, "span": [0, 5] if v != "absent" else None, "text": "x"}
                for f, v in zip(
                    FACTS, rng.choices(["supported", "absent", "contradicted"], [5, 10, 1], k=12), strict=True
                )
            ]
            for _ in data
        ]
        write_run(
            root,
            task="summarise",
            model=f"model{r}",
            dataset="synthetic",
            examples=data,
            outputs=[_text(rng, 32) for _ in data],
            scores=[{name: rng.random() for name in names} for _ in data],
            details=[{"facts.verdicts": v} for v in verdicts],
            signatures={name: name for name in names},
            stamp=f"2026-01-01/1{r}-00-00",
        )


def timed(function: Any, repeat: int = 1) -> tuple[float, Any]:
    """Median seconds of ``repeat`` calls, and the last result."""
    seconds, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = function()
        seconds.append(time.perf_counter() - start)
    return statistics.median(seconds), result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=4)
    parser.add_argument("--examples", type=int, default=25_000, help="examples per run")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="viewer-bench-") as tmp:
        root = Path(tmp)
        start = time.perf_counter()
        write_runs(root, args.runs, args.examples)
        print(f"wrote {args.runs} runs x {args.examples} examples in {time.perf_counter() - start:.1f} s (not timed)")
        load_s, runs = timed(lambda: load_runs([root]))
        build_s, app = timed(lambda: create_app(runs))
        client = TestClient(app)

        def get(url: str) -> str:
            response = client.get(url)
            assert response.status_code == 200, response.text
            return response.text

        first_s, first = timed(lambda: get("/"))
        again_s, _ = timed(lambda: get("/"), args.repeat)
        query = "/?sort=rouge1&dir=desc&verdict=contradicted&q=pyongyang&col=rouge1&min.rouge1=0.2"
        filtered_s, filtered = timed(lambda: get(query), args.repeat)
        baseline_s, payload = timed(lambda: json.dumps([row for run in runs for row in run_rows(run)]), args.repeat)
    rows = sum(len(run.examples) for run in runs)
    total = first.split('<p id="count">', 1)[1].split(" ", 1)[0]
    matched = filtered.split('<p id="count">', 1)[1].split(" ", 1)[0]
    print(f"rows: {rows} (table says {total}); sorted+filtered page matches {matched}")
    print(f"startup: load_runs {load_s:.2f} s + index {build_s:.2f} s")
    print(
        f"first page (first request): {first_s * 1000:.0f} ms; again (median of {args.repeat}): {again_s * 1000:.0f} ms"
    )
    print(f"sorted + filtered + searched page (median of {args.repeat}): {filtered_s * 1000:.0f} ms")
    size = len(payload) / 1e6
    print(f"baseline, every row as JSON (median of {args.repeat}): {baseline_s * 1000:.0f} ms, {size:.0f} MB")
    print(
        f"ratio baseline / first page: {baseline_s / first_s:.1f}x; baseline / sorted+filtered page: "
        f"{baseline_s / filtered_s:.1f}x"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
