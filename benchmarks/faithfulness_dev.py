"""Faithfulness against simple baselines on FRANK dev / holdout and cliff-goyal21 val / test.

A dev-only stand-in for ``harness meta-eval --split`` (issue 23): scores every summary of FRANK
validation (``frank-valid.jsonl``) and cliff-goyal21 with ``faithfulness`` (the ``harness`` on
``PYTHONPATH``: ``--as v5`` with an older checkout there gives that version's column) and with the
baselines ROUGE-1 and ROUGE-2 precision of the summary against its article (rouge-score-rs, Porter
stemmer) and BERTScore precision against the article (MiniLM, bert-score), then prints per subset
(all, cnndm, bbc):

- FRANK: partial Pearson / Spearman with human factuality, controlling for system;
- cliff-goyal21: balanced accuracy of "consistent" (label 1) at a threshold; on dev rows the threshold
  is chosen on half the articles and applied to the other half (20 random halvings, both ways); with
  ``--final`` it is chosen on each subset's ``val`` rows and applied to its ``test`` rows.

By default only the dev rows (FRANK dev articles, cliff ``val``) are reported: choose on those.
``--final`` reports the FRANK holdout articles (``harness/data/frank_holdout.json``) and the cliff
``test`` rows, once per version. Faithfulness's throughput (summaries/s, one thread) is printed too.

    PYTHONPATH=OLD_CHECKOUT python benchmarks/faithfulness_dev.py --as v5 --scores scores.json
    PYTHONPATH=. python benchmarks/faithfulness_dev.py --scores scores.json [--final]
    PYTHONPATH=. python benchmarks/faithfulness_dev.py --throughput 120   # run alternately with OLD_CHECKOUT
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch

from _data import SHARED, frank_rows
from harness.data.example import Example
from harness.meta_eval import SUBSETS, balanced_accuracy, best_threshold, meta_evaluate
from harness.metrics.base import ScoringInput

HOLDOUT = Path(__file__).resolve().parents[1] / "harness" / "data" / "frank_holdout.json"

BASELINES = ("rouge1_p", "rouge2_p", "bertscore_p")


def load() -> list[dict[str, Any]]:
    """FRANK and cliff rows with ``bench`` and ``part`` (dev/holdout, val/test); a cliff row's label is
    its ``human_factuality`` (1 consistent, 0 not)."""
    # this checkout's split, read here: an older harness on PYTHONPATH (--as v5) has no holdout_doc_ids
    holdout = set(json.loads(HOLDOUT.read_text(encoding="utf-8"))["holdout_doc_ids"])
    rows = []
    for r in frank_rows():
        part = "holdout" if r["doc_id"] in holdout else "dev"
        rows.append({**r, "bench": "frank", "part": part})
    for line in (SHARED / "data" / "cliff-goyal21.jsonl").read_text(encoding="utf-8").splitlines():
        r = json.loads(line)
        rows.append({**r, "bench": "cliff", "part": r["split"], "human_factuality": float(r["label"])})
    return rows


def faithfulness(rows: list[dict[str, Any]]) -> tuple[list[float], float]:
    """``faithfulness`` per row and summaries per second (one thread, batches of 16 in file order)."""
    from harness.metrics.faithfulness import FaithfulnessMetric

    torch.set_num_threads(1)
    inputs = [ScoringInput(Example(id=str(r["id"]), source=r["article"]), r["summary"]) for r in rows]
    metric = FaithfulnessMetric()
    start = time.perf_counter()
    values = [x["faithfulness"] for i in range(0, len(inputs), 16) for x in metric.score(inputs[i : i + 16])]
    return values, len(rows) / (time.perf_counter() - start)


def baselines(rows: list[dict[str, Any]], names: list[str]) -> dict[str, list[float]]:
    """Of ROUGE-1 / ROUGE-2 precision and BERTScore precision (MiniLM) of each summary against its
    article, those in ``names``."""
    from rouge_score_rs import rouge_scorer

    from harness.metrics.bertscore import BertScoreMetric

    rouge = rouge_scorer.RougeScorer(["rouge1", "rouge2"], use_stemmer=True)
    overlaps = [rouge.score(r["article"], r["summary"]) for r in rows]
    columns = {
        "rouge1_p": [o["rouge1"].precision for o in overlaps],
        "rouge2_p": [o["rouge2"].precision for o in overlaps],
    }
    if "bertscore_p" not in names:
        return {name: columns[name] for name in names}
    bertscore = BertScoreMetric()
    inputs = [ScoringInput(Example(id=str(r["id"]), source="", references=(r["article"],)), r["summary"]) for r in rows]
    precision = [x["bertscore_precision"] for i in range(0, len(rows), 32) for x in bertscore.score(inputs[i : i + 32])]
    return {**{name: columns[name] for name in names if name in columns}, "bertscore_p": precision}


def subset(rows: list[dict[str, Any]], name: str) -> np.ndarray:
    return np.array([name == "all" or r["dataset"] == name for r in rows])


def cliff_test_accuracy(rows: list[dict[str, Any]], values: np.ndarray) -> dict[str, float]:
    """Balanced accuracy on each subset's test rows at the threshold chosen on its val rows."""
    labels = np.array([r["human_factuality"] == 1.0 for r in rows])
    out = {}
    for name in SUBSETS:
        val = subset(rows, name) & np.array([r["part"] == "val" for r in rows])
        test = subset(rows, name) & np.array([r["part"] == "test" for r in rows])
        out[name] = balanced_accuracy(values[test], labels[test], best_threshold(values[val], labels[val]))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--final", action="store_true", help="report FRANK holdout and cliff test (once per version)")
    parser.add_argument(
        "--scores", type=Path, help="JSON file of columns: those it has are read, the others computed and added"
    )
    parser.add_argument(
        "--as", dest="column", default="faithfulness", help="column name of this checkout's faithfulness (e.g. v5)"
    )
    parser.add_argument(
        "--baselines", default=",".join(BASELINES), help=f"comma-separated, of {', '.join(BASELINES)} (all by default)"
    )
    parser.add_argument("--throughput", type=int, metavar="N", help="only time faithfulness on the first N FRANK rows")
    args = parser.parse_args()
    if args.throughput:
        _, rate = faithfulness(frank_rows()[: args.throughput])
        print(f"faithfulness: {rate:.2f} summaries/s (one thread, the first {args.throughput} FRANK rows)")
        return
    shown = [name for name in args.baselines.split(",") if name]
    if unknown := set(shown) - set(BASELINES):
        parser.error(f"--baselines: unknown {', '.join(sorted(unknown))}; expected some of {', '.join(BASELINES)}")
    rows = load()
    stored = json.loads(args.scores.read_text()) if args.scores and args.scores.is_file() else {}
    columns, rates = stored.get("columns", {}), stored.get("rates", {})
    if args.column not in columns:
        columns[args.column], rates[args.column] = faithfulness(rows)
    if missing := [name for name in shown if name not in columns]:
        columns.update(baselines(rows, missing))
    if args.scores:
        args.scores.write_text(json.dumps({"columns": columns, "rates": rates}))
    frank_part = "holdout" if args.final else "dev"
    frank = [i for i, r in enumerate(rows) if r["bench"] == "frank" and r["part"] == frank_part]
    cliff = [i for i, r in enumerate(rows) if r["bench"] == "cliff"]
    for name, rate in rates.items():
        print(f"{name}: {rate:.1f} summaries/s (one thread, all {len(rows)} rows)")
    print(
        f"FRANK {frank_part} ({len(frank)} summaries): partial P / S; cliff-goyal21 "
        + ("test (threshold from val)" if args.final else "val (threshold from half the articles)")
        + ": balanced accuracy"
    )
    print("| column | FRANK all | cnndm | bbc | cliff all | cnndm | bbc |")
    print("|---|---|---|---|---:|---:|---:|")
    for column in [name for name in columns if name not in BASELINES] + shown:
        values = np.array(columns[column], dtype=float)
        frank_results = meta_evaluate(values[frank].tolist(), [rows[i] for i in frank])
        cells = [f"{r.pearson:.3f} / {r.spearman:.3f}" for r in frank_results]
        if args.final:
            accuracy = cliff_test_accuracy([rows[i] for i in cliff], values[cliff])
            cells += [f"{accuracy[name]:.3f}" for name in SUBSETS]
        else:
            val = [i for i in cliff if rows[i]["part"] == "val"]
            cells += [
                f"{r.balanced_accuracy_cv:.3f}" for r in meta_evaluate(values[val].tolist(), [rows[i] for i in val])
            ]
        print(f"| {column} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
