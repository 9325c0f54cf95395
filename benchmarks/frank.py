"""Faithfulness metrics on FRANK: system-controlled partial correlation with human factuality.

Runs a metric over a FRANK-format JSONL (one row per summary: ``doc_id``, ``dataset``, ``system``,
``article``, ``summary``, ``human_factuality``, ``frank_baselines``) and prints partial Pearson and
Spearman correlations (see ``harness.app.meta_eval.partial_correlation``) for all rows, CNN/DM and XSum
(``bbc``), next to the published baselines computed with the same code, plus throughput.

For ``faithfulness`` it also prints a cross-validated estimate: the weights of its combined features
(``harness.metrics.faithfulness.features``) are refitted (least squares on system-residualised
values) on a random half of the dev articles (never the holdout: ``harness.app.meta_eval.data``) and
evaluated on the other half, both ways, over 20 random splits. The held-out figures come from
``harness meta-eval --split holdout``.

    python benchmarks/frank.py [--data ../shared/data/frank-valid.jsonl] [--limit N]
    python benchmarks/frank.py --metric nli_faithfulness --nli-model PATH_OR_NAME
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # this checkout's harness, even if another copy is installed

from harness.app.meta_eval.data import FRANK, fitting_rows  # noqa: E402
from harness.app.meta_eval.partial_correlation import partial_correlation, residualise  # noqa: E402
from harness.data.example import Example  # noqa: E402
from harness.metrics.base import Metric, ScoringInput  # noqa: E402

SUBSETS = {"all": None, "cnndm": "cnndm", "bbc": "bbc"}
BASELINES = ("BertScore P Art", "FactCC", "DAE", "Dep Entail", "QAGS", "FEQA", "Rouge L", "Bleu")
COMPONENTS = (
    "alignment",
    "trigram_support",
    "novel_words",
    "aligned_words",
    "supported_facts",
    "supported_words",
)


def default_data() -> Path:
    """``../shared/data/frank-valid.jsonl`` next to the repository (or next to a parent, for worktrees)."""
    for parent in REPO.parents:
        candidate = parent / "shared" / "data" / "frank-valid.jsonl"
        if candidate.is_file():
            return candidate
    return REPO.parent / "shared" / "data" / "frank-valid.jsonl"


def load_rows(path: Path, limit: int | None) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle if line.strip()]
    return rows[:limit] if limit else rows


def build_metric(name: str, nli_model: str | None, device: str) -> Metric:
    if name == "faithfulness":
        from harness.metrics.faithfulness import FaithfulnessMetric

        return FaithfulnessMetric(device=device)
    if name == "nli_faithfulness":
        from harness.metrics.nli import NLIFaithfulnessMetric

        if not nli_model:
            raise SystemExit("--metric nli_faithfulness needs --nli-model NAME_OR_PATH")
        return NLIFaithfulnessMetric(model=nli_model, device=device)
    raise SystemExit(f"unknown metric {name!r}")


def run_metric(
    metric: Metric, rows: list[dict[str, Any]], batch_size: int
) -> tuple[list[dict[str, Any]], dict[str, tuple[float, float]]]:
    """Scores in row order, and scoring (wall, process CPU) seconds per dataset.

    Each dataset is timed on its own (CNN/DM and XSum summaries differ in length), with the
    summaries of one article batched together so that its encoding is computed once.
    """
    results: list[dict[str, Any]] = [{} for _ in rows]
    seconds: dict[str, tuple[float, float]] = {}
    for dataset in sorted({row["dataset"] for row in rows}):
        order = sorted((i for i, row in enumerate(rows) if row["dataset"] == dataset), key=lambda i: rows[i]["doc_id"])
        inputs = [
            ScoringInput(
                Example(id=rows[i]["id"], source=rows[i]["article"], references=(rows[i]["reference"],)),
                rows[i]["summary"],
            )
            for i in order
        ]
        start, cpu_start = time.perf_counter(), time.process_time()
        scored: list[dict[str, Any]] = []
        for begin in range(0, len(inputs), batch_size):
            scored.extend(metric.score(inputs[begin : begin + batch_size]))
        seconds[dataset] = (time.perf_counter() - start, time.process_time() - cpu_start)
        for i, values in zip(order, scored, strict=True):
            results[i] = values
    return results, seconds


def correlations(values: list[float], rows: list[dict[str, Any]]) -> list[str]:
    cells = []
    for dataset in SUBSETS.values():
        keep = [
            i for i, row in enumerate(rows) if (dataset is None or row["dataset"] == dataset) and values[i] is not None
        ]
        if len(keep) < 3:
            cells += ["   -  ", "   -  "]
            continue
        result = partial_correlation(
            [values[i] for i in keep],
            [rows[i]["human_factuality"] for i in keep],
            [rows[i]["system"] for i in keep],
        )
        cells += [f"{result.pearson:6.3f}", f"{result.spearman:6.3f}"]
    return cells


def print_table(table: dict[str, list[float]], rows: list[dict[str, Any]]) -> None:
    header = f"| {'metric':<28} | " + " | ".join(f"{subset} P | {subset} S" for subset in SUBSETS) + " |"
    print(header)
    print("|" + "---|" * (1 + 2 * len(SUBSETS)))
    for name, values in table.items():
        print(f"| {name:<28} | " + " | ".join(correlations(values, rows)) + " |")


def cross_validated(
    components: np.ndarray, rows: list[dict[str, Any]], splits: int = 20
) -> dict[str, tuple[float, float, float]]:
    """Per subset (``SUBSETS``), the mean partial Pearson, Spearman and rank-first Spearman of
    weights refitted on half the articles and tested on the other half."""
    human = np.array([row["human_factuality"] for row in rows])
    systems = np.array([row["system"] for row in rows])
    docs = np.array([row["doc_id"] for row in rows])
    datasets = np.array([row["dataset"] for row in rows])
    unique_docs = np.array(sorted(set(docs)))
    rng = np.random.default_rng(0)
    scores: dict[str, list[tuple[float, float, float]]] = {subset: [] for subset in SUBSETS}
    for _ in range(splits):
        half = set(rng.permutation(unique_docs)[: len(unique_docs) // 2])
        in_half = np.array([doc in half for doc in docs])
        for train, test in ((in_half, ~in_half), (~in_half, in_half)):
            design = np.column_stack(
                [residualise(components[train, j], systems[train]) for j in range(components.shape[1])]
            )
            weights, *_ = np.linalg.lstsq(design, residualise(human[train], systems[train]), rcond=None)
            predicted = components @ weights
            for subset, dataset in SUBSETS.items():
                keep = test & (datasets == dataset) if dataset else test
                if keep.sum() >= 3:
                    result = partial_correlation(predicted[keep], human[keep], systems[keep])
                    scores[subset].append((result.pearson, result.spearman, result.spearman_rank_first))
    return {subset: tuple(float(x) for x in np.mean(values, axis=0)) for subset, values in scores.items() if values}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=default_data())
    parser.add_argument("--metric", default="faithfulness", choices=["faithfulness", "nli_faithfulness"])
    parser.add_argument("--nli-model", default=None)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: torch's)")
    parser.add_argument("--batch-size", type=int, default=32, help="summaries per metric.score call")
    parser.add_argument("--limit", type=int, default=None, help="first N rows only (smoke test)")
    parser.add_argument("--dataset", default=None, help="only rows of this dataset (cnndm or bbc)")
    parser.add_argument("--save", type=Path, default=None, help="write per-summary scores as JSONL")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    if args.threads:
        torch.set_num_threads(args.threads)

    rows = load_rows(args.data, args.limit)
    if args.dataset:
        rows = [row for row in rows if row["dataset"] == args.dataset]
    metric = build_metric(args.metric, args.nli_model, args.device)
    warm_up = Example(id="warm-up", source="The model is warmed up before timing.")
    metric.score([ScoringInput(warm_up, "The model is warmed up.")])
    results, seconds = run_metric(metric, rows, args.batch_size)

    if args.save:
        with args.save.open("w", encoding="utf-8") as handle:
            for row, values in zip(rows, results, strict=True):
                handle.write(json.dumps({"id": row["id"], **values}) + "\n")

    table: dict[str, list[float]] = {args.metric: [r[args.metric] for r in results]}
    if args.metric == "faithfulness":
        for component in COMPONENTS:
            table[f"  .{component}"] = [r[f"faithfulness.{component}"] for r in results]
    for baseline in BASELINES:
        if any(baseline in row["frank_baselines"] for row in rows):
            table[f"baseline: {baseline}"] = [row["frank_baselines"].get(baseline) for row in rows]

    articles = len({row["doc_id"] for row in rows})
    print(f"data: {args.data} ({len(rows)} summaries, {articles} articles)")
    print(f"metric: {metric.signature()}")
    print("partial correlation with human factuality, controlling for system")
    print("(P = Pearson of residuals; S = Spearman of residuals, as in FRANK's scripts)\n")
    print_table(table, rows)
    if args.metric == "faithfulness":
        from harness.metrics.faithfulness import features

        design = np.array([list(features({c: r[f"faithfulness.{c}"] for c in COMPONENTS}).values()) for r in results])
        dev = fitting_rows(FRANK, rows)  # fitting reads dev articles only, never the holdout
        print(f"\ncross-validated on the {len(dev)} dev rows (weights refitted on half the articles, 20 splits x 2):")
        for subset, (pearson, spearman, cv_rank_first) in cross_validated(design[dev], [rows[i] for i in dev]).items():
            print(f"  {subset:<6} P {pearson:.3f} S {spearman:.3f} rank-first S {cv_rank_first:.3f}")
        rank_first = partial_correlation(
            table["faithfulness"], [r["human_factuality"] for r in rows], [r["system"] for r in rows]
        ).spearman_rank_first
        print(f"rank-first partial Spearman (rank, then residualise), all: {rank_first:.3f}")
    reuse = (
        "each article encoded once"
        if args.metric == "faithfulness"
        else "each (source chunk, output sentence) pair through the cross-encoder"
    )
    print(
        f"\nthroughput ({torch.get_num_threads()} threads, device {args.device}; {reuse}; "
        "CPU s = process CPU seconds, all threads, to show contention on a shared machine):"
    )
    total = (sum(w for w, _ in seconds.values()), sum(c for _, c in seconds.values()))
    for dataset, (wall, cpu) in [*seconds.items(), ("all", total)]:
        subset = [row for row in rows if dataset == "all" or row["dataset"] == dataset]
        print(
            f"  {dataset:<6} {len(subset) / wall:6.1f} summaries/s ({len(subset)} summaries, "
            f"{len({row['doc_id'] for row in subset})} articles, {wall:.1f} s wall, {cpu:.1f} CPU s)"
        )


if __name__ == "__main__":
    main()
