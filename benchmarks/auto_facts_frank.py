"""Automatic fact checks (``auto_facts``) on FRANK: does the flag find the unfaithful summaries?

Runs the ``auto_facts`` metric over one split of a FRANK-format JSONL (``--split dev``, the default:
the articles not in ``harness/data/frank_holdout.json``; ``holdout``, measured once per version;
``all``) and prints, for its rows and per system group (CNN/DM, XSum = ``bbc``):
- ``auto_facts.flagged`` against "any error" (``human_factuality`` < 1): flagged, precision, recall;
- ROC AUC of the graded ``auto_facts.worst_gap`` (the worst-supported word of the summary) for entity
  errors (``human_errors.EntE`` < 1) and for circumstance errors (``CircE`` < 1);
- the same for the dates, numbers and entities alone (the old check: flagged when one is unsupported,
  graded by their count), for comparison;
- a cross-validation by article: the one free parameter of the flag (how many content words the
  source never states flag a summary) is chosen on a random half of the articles (largest recall at
  precision >= 0.90) and the flag is measured on the other half, both ways, 20 random splits; the
  AUCs (no fitted parameter) are measured on the same halves to show their spread;
- throughput (summaries/s, the summaries of one article scored together, as a run does).

With ``--data ../shared/data/cliff-goyal21.jsonl`` (labelled rows with annotated error spans;
``--split val``, or ``test`` once per version) it prints instead, overall and per dataset: precision
and recall of ``auto_facts.flagged`` for erroneous summaries (``label`` 0), the AUC of
``auto_facts.worst_gap``, and span precision: the share of ``auto_facts.flagged_spans`` of flagged
summaries that overlap an annotated error span (found in the summary by its text).

    python benchmarks/auto_facts_frank.py [--data ../shared/data/frank-valid.jsonl] [--split dev] [--limit N]
    python benchmarks/auto_facts_frank.py --data ../shared/data/cliff-goyal21.jsonl --split val
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from sklearn.metrics import roc_auc_score

sys.path.insert(0, str(Path(__file__).resolve().parent))  # frank.py beside this file
from frank import REPO, default_data, load_rows  # noqa: E402

sys.path.insert(0, str(REPO))
from harness.data.example import Example  # noqa: E402
from harness.data.frank_holdout import holdout_doc_ids  # noqa: E402
from harness.metrics.base import ScoringInput  # noqa: E402
from harness.metrics.facts import AutoFactsMetric  # noqa: E402

GROUPS = {"all": None, "cnndm": "cnndm", "bbc": "bbc"}
PRECISION_TARGET = 0.90
NOVEL_WORDS_CHOICES = (1, 2, 3, 4, 5)


@dataclass(frozen=True)
class Figures:
    flagged: int
    precision: float
    recall: float
    ente_auc: float
    circe_auc: float


def score_rows(rows: Sequence[dict[str, Any]]) -> tuple[list[dict[str, Any]], float]:
    """``auto_facts`` values per row (row order) and the seconds the scoring took."""
    metric = AutoFactsMetric()
    metric.score([ScoringInput(Example("warm-up", "The model is warmed up."), "It is warmed up.")])
    order = sorted(range(len(rows)), key=lambda i: rows[i]["doc_id"])
    results: list[dict[str, Any]] = [{} for _ in rows]
    start = time.perf_counter()
    for i in order:
        row = rows[i]
        references = (row["reference"],) if "reference" in row else ()  # cliff-goyal21 has none
        example = Example(id=row["id"], source=row["article"], references=references)
        (results[i],) = metric.score([ScoringInput(example, row["summary"])])
    return results, time.perf_counter() - start


def split_rows(rows: Sequence[dict[str, Any]], split: str) -> list[dict[str, Any]]:
    """The rows of a split: FRANK's ``dev``/``holdout`` articles, or the rows whose ``split`` field is
    ``split`` (cliff-goyal21's ``val``/``test``); ``all`` keeps every row."""
    if split == "all":
        return list(rows)
    if split in ("dev", "holdout"):
        held = holdout_doc_ids()
        return [row for row in rows if (row["doc_id"] in held) == (split == "holdout")]
    return [row for row in rows if row.get("split") == split]


def error_offsets(summary: str, spans: Sequence[str]) -> list[tuple[int, int]]:
    """Every occurrence in the summary of each annotated error span."""
    found = []
    for text in spans:
        start = summary.find(text)
        while text and start >= 0:
            found.append((start, start + len(text)))
            start = summary.find(text, start + 1)
    return found


def span_precision(rows: Sequence[dict[str, Any]], results: Sequence[dict[str, Any]]) -> tuple[float, int]:
    """Share of the flagged summaries' flagged spans that overlap an annotated error span, and their number."""
    hits = total = 0
    for row, values in zip(rows, results, strict=True):
        if values["auto_facts.flagged"] != 1.0:
            continue
        errors = error_offsets(row["summary"], row["error_spans"])
        for span in values["auto_facts.flagged_spans"]:
            start, end = span["span"]
            total += 1
            hits += any(start < e and s < end for s, e in errors)
    return (hits / total if total else float("nan")), total


def print_labelled(rows: Sequence[dict[str, Any]], results: Sequence[dict[str, Any]]) -> None:
    """Flag precision/recall for erroneous summaries, worst_gap AUC and span precision (cliff-goyal21)."""
    print("| rows | summaries | erroneous | flagged | precision | recall | worst_gap AUC | span precision (spans) |")
    print("|---|---|---|---|---|---|---|---|")
    for group, dataset in GROUPS.items():
        keep = [i for i, row in enumerate(rows) if dataset is None or row["dataset"] == dataset]
        sub_rows, sub_results = [rows[i] for i in keep], [results[i] for i in keep]
        wrong = np.array([row["label"] == 0 for row in sub_rows])
        flag = flags(sub_results)
        hits = int((flag & wrong).sum())
        precision = hits / flag.sum() if flag.any() else float("nan")
        auc = float(roc_auc_score(wrong, worst_gap(sub_results)))
        spans, n_spans = span_precision(sub_rows, sub_results)
        print(
            f"| {group} | {len(sub_rows)} | {int(wrong.sum())} | {int(flag.sum())} | {precision:.3f} | "
            f"{hits / wrong.sum():.3f} | {auc:.3f} | {spans:.3f} ({n_spans}) |"
        )


def labels(rows: Sequence[dict[str, Any]]) -> dict[str, np.ndarray]:
    return {
        "any": np.array([row["human_factuality"] < 1 for row in rows]),
        "EntE": np.array([row["human_errors"]["EntE"] < 1 for row in rows]),
        "CircE": np.array([row["human_errors"]["CircE"] < 1 for row in rows]),
    }


def flags(results: Sequence[dict[str, Any]], novel_words: int | None = None) -> np.ndarray:
    """The metric's flag; with ``novel_words``, the flag re-decided with that threshold instead."""
    if novel_words is None:
        return np.array([r["auto_facts.flagged"] == 1.0 for r in results])
    return np.array(
        [bool(r["auto_facts.unsupported"]) or r.get("auto_facts.novel_words", 0) >= novel_words for r in results]
    )


def worst_gap(results: Sequence[dict[str, Any]]) -> np.ndarray:
    return np.array([r.get("auto_facts.worst_gap", 0.0) for r in results])


def figures(flag: np.ndarray, gap: np.ndarray, truth: dict[str, np.ndarray]) -> Figures:
    hits = int((flag & truth["any"]).sum())
    return Figures(
        flagged=int(flag.sum()),
        precision=hits / flag.sum() if flag.any() else float("nan"),
        recall=hits / truth["any"].sum(),
        ente_auc=float(roc_auc_score(truth["EntE"], gap)),
        circe_auc=float(roc_auc_score(truth["CircE"], gap)),
    )


def choose_novel_words(flag_by_k: dict[int, np.ndarray], any_error: np.ndarray) -> int:
    """The threshold with the largest recall at precision >= the target (the strictest if none)."""
    best, best_recall = max(flag_by_k), -1.0
    for k, flag in sorted(flag_by_k.items()):
        if not flag.any() or (flag & any_error).sum() / flag.sum() < PRECISION_TARGET:
            continue
        recall = (flag & any_error).sum() / any_error.sum()
        if recall > best_recall:
            best, best_recall = k, recall
    return best


def cross_validated(
    rows: Sequence[dict[str, Any]], results: Sequence[dict[str, Any]], splits: int = 20
) -> tuple[list[Figures], list[int]]:
    """Test-half figures of 2 x ``splits`` article splits, and the threshold each train half chose."""
    truth = labels(rows)
    flag_by_k = {k: flags(results, k) for k in NOVEL_WORDS_CHOICES}
    docs = np.array([row["doc_id"] for row in rows])
    rng = np.random.default_rng(0)
    tested, chosen = [], []
    for _ in range(splits):
        half = set(rng.permutation(sorted(set(docs)))[: len(set(docs)) // 2])
        in_half = np.array([doc in half for doc in docs])
        for train, test in ((in_half, ~in_half), (~in_half, in_half)):
            k = choose_novel_words({k: f[train] for k, f in flag_by_k.items()}, truth["any"][train])
            chosen.append(k)
            test_truth = {name: values[test] for name, values in truth.items()}
            tested.append(figures(flag_by_k[k][test], worst_gap(results)[test], test_truth))
    return tested, chosen


def print_figures(name: str, f: Figures) -> None:
    print(
        f"| {name:<34} | {f.flagged:7d} | {f.precision:9.3f} | {f.recall:6.3f} | "
        f"{f.ente_auc:8.3f} | {f.circe_auc:9.3f} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=default_data())
    parser.add_argument(
        "--split",
        default="dev",
        choices=("dev", "holdout", "val", "test", "all"),
        help="FRANK: dev (default) or holdout articles; cliff-goyal21: val or test rows",
    )
    parser.add_argument("--limit", type=int, default=None, help="first N rows of the split only (smoke test)")
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads (1: no spinning on a busy machine)")
    parser.add_argument("--save", type=Path, default=None, help="write per-summary values as JSONL")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    torch.set_num_threads(args.threads)
    rows = split_rows(load_rows(args.data, None), args.split)[: args.limit]
    results, seconds = score_rows(rows)
    if args.save:
        with args.save.open("w", encoding="utf-8") as handle:
            handle.writelines(
                json.dumps({"id": row["id"], **values}) + "\n" for row, values in zip(rows, results, strict=True)
            )

    print(f"data: {args.data}, split {args.split} ({len(rows)} summaries, {len({r['doc_id'] for r in rows})} articles)")
    print(f"metric: {AutoFactsMetric().signature()}\n")
    if "label" in rows[0]:
        print_labelled(rows, results)
        print(f"\nthroughput: {len(rows) / seconds:.1f} summaries/s ({seconds:.1f} s)")
        return
    print("| rows (flag; graded score)          | flagged | precision | recall | EntE AUC | CircE AUC |")
    print("|---|---|---|---|---|---|")
    for group, dataset in GROUPS.items():
        keep = [i for i, row in enumerate(rows) if dataset is None or row["dataset"] == dataset]
        sub_rows, sub_results = [rows[i] for i in keep], [results[i] for i in keep]
        truth = labels(sub_rows)
        print_figures(f"{group} (flagged; worst_gap)", figures(flags(sub_results), worst_gap(sub_results), truth))
        items = np.array([len(r["auto_facts.unsupported"]) for r in sub_results])
        print_figures(f"{group} (items only)", figures(items > 0, items, truth))

    tested, chosen = cross_validated(rows, results)
    mean = Figures(*(float(np.mean([getattr(f, name) for f in tested])) for name in Figures.__dataclass_fields__))
    high = Figures(*(float(np.max([getattr(f, name) for f in tested])) for name in Figures.__dataclass_fields__))
    low = Figures(*(float(np.min([getattr(f, name) for f in tested])) for name in Figures.__dataclass_fields__))
    print(
        f"\ncross-validated by article (20 splits x 2; novel-words threshold chosen on the train half: "
        f"{ {k: chosen.count(k) for k in sorted(set(chosen))} }):"
    )
    print(
        f"  test halves, mean: precision {mean.precision:.3f}, recall {mean.recall:.3f}, "
        f"EntE AUC {mean.ente_auc:.3f}, CircE AUC {mean.circe_auc:.3f}"
    )
    print(
        f"  test halves, min:  precision {low.precision:.3f}, recall {low.recall:.3f}, "
        f"EntE AUC {low.ente_auc:.3f}, CircE AUC {low.circe_auc:.3f}"
    )
    print(
        f"  test halves, max:  precision {high.precision:.3f}, recall {high.recall:.3f}, "
        f"EntE AUC {high.ente_auc:.3f}, CircE AUC {high.circe_auc:.3f}"
    )
    print(
        f"\nthroughput ({args.threads} torch threads; one summary per call, the summaries of an article in a "
        f"row): {len(rows) / seconds:.1f} summaries/s ({seconds:.1f} s)"
    )


if __name__ == "__main__":
    main()
