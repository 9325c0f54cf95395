"""Would a whole-source alignment signal improve ``faithfulness``? A dev / val study (issue 23, "v7").

MiniLM BERTScore precision against the source is the best baseline on cliff-goyal21's CNN/DM rows.
``faithfulness`` computes its own version of it at no cost: ``best``, each output token's highest
similarity to *any* source token (layer 4, the whole source in chunks, no 512-token cut), whose mean
over the output's tokens is ``source alignment`` here. This prints, for candidate combinations of it
with v6's signals, the figures v6 was chosen by, on the fitting rows only (FRANK dev articles and
cliff-goyal21 ``val``; ``harness.app.meta_eval.data.fitting_rows``): FRANK dev partial Pearson /
Spearman (system controlled), cliff val balanced accuracy (threshold chosen on half the articles,
measured on the other half, 20 random halvings both ways), and the mean over the four parts (FRANK
CNN/DM and XSum, cliff CNN/DM and XSum) of the rank correlation with the human judgement (partial
Spearman; Spearman with ``label``), over which convex weights are chosen on a grid (steps of 0.05).

    PYTHONPATH=. python benchmarks/faithfulness_signals.py   # --shared ../shared/data
"""

from __future__ import annotations

import argparse
import itertools
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from harness.app.meta_eval.data import FRANK, fitting_rows, load_rows  # noqa: E402
from harness.app.meta_eval.figures import (  # noqa: E402
    balanced_accuracy,
    best_threshold,
    partial_pearson_spearman,
    spearman,
)
from harness.metrics.faithfulness import FaithfulnessScorer, _alignment  # noqa: E402

PARTS = ("frank:cnndm", "frank:bbc", "cliff:cnndm", "cliff:bbc")


def shared_data() -> Path:
    found = [p / "shared" / "data" for p in REPO.parents if (p / "shared" / "data").is_dir()]
    return found[0] if found else REPO.parent / "shared" / "data"


def score_rows(shared: Path) -> tuple[list[dict[str, object]], dict[str, np.ndarray]]:
    """The fitting rows (FRANK dev, cliff val: nothing else is read) and their signals."""
    scorer = FaithfulnessScorer()
    rows: list[dict[str, object]] = []
    values: dict[str, list[float]] = {}
    for tag, name in (("frank", "frank-valid.jsonl"), ("cliff", "cliff-goyal21.jsonl")):
        data_format, data = load_rows(shared / name)
        chosen = [data[i] for i in fitting_rows(data_format, data)]
        for start in range(0, len(chosen), 32):
            batch = chosen[start : start + 32]
            pairs = [(str(r["article"]), str(r["summary"])) for r in batch]
            encoded = scorer._encode_outputs(pairs)
            for row, result, (source, _, sentences, chunk) in zip(batch, scorer.score(pairs), encoded, strict=True):
                human = row["human_factuality"] if data_format is FRANK else row["label"]
                rows.append({"part": f"{tag}:{row['dataset']}", "doc": str(row["doc_id"]), "system": row["system"],
                             "human": float(human)})  # fmt: skip
                signals = {k.split(".", 1)[1]: v for k, v in result.items() if isinstance(v, float) and "." in k}
                signals["faithfulness v6"] = result["faithfulness"]
                signals["trigram_support^2"] = signals["trigram_support"] ** 2
                if chunk is None:  # no sentence: nothing to align
                    signals["source alignment"] = 1.0
                else:
                    per_sentence = _alignment(source, chunk.embeddings, chunk.sentence_ids, len(sentences))[1]
                    signals["source alignment"] = float(per_sentence.max(1).values.mean().clamp(0.0, 1.0))
                for key, value in signals.items():
                    values.setdefault(key, []).append(value)
        print(f"{name}: {len(chosen)} fitting rows scored", file=sys.stderr)
    return rows, {k: np.array(v) for k, v in values.items()}


def part_correlations(scores: np.ndarray, rows: Sequence[dict[str, object]]) -> list[float]:
    found = []
    for part in PARTS:
        index = [i for i, r in enumerate(rows) if r["part"] == part]
        human = np.array([rows[i]["human"] for i in index], dtype=float)
        if part.startswith("frank"):
            found.append(partial_pearson_spearman(scores[index], human, [str(rows[i]["system"]) for i in index])[1])
        else:
            found.append(spearman(scores[index], human))
    return found


def grid_fit(table: np.ndarray, rows: Sequence[dict[str, object]], step: float = 0.05) -> tuple[float, ...]:
    """The convex weights (a grid in steps of ``step``) with the highest mean part correlation."""
    units = round(1 / step)
    best, chosen = -np.inf, (1.0,) + (0.0,) * (table.shape[1] - 1)
    for parts in itertools.product(range(units + 1), repeat=table.shape[1]):
        if sum(parts) == units:
            weights = tuple(round(p * step, 2) for p in parts)
            value = float(np.mean(part_correlations(table @ np.array(weights), rows)))
            if value > best:
                best, chosen = value, weights
    return chosen


def subset(rows: Sequence[dict[str, object]], data: str, dataset: str | None) -> list[int]:
    """Indices of the rows of one data file (``frank`` / ``cliff``), of one dataset or all."""
    prefix = f"{data}:{dataset or ''}"
    parts = [str(r["part"]) for r in rows]
    return [i for i, part in enumerate(parts) if part == prefix or (not dataset and part.startswith(prefix))]


def cross_validated_accuracy(scores: np.ndarray, rows: Sequence[dict[str, object]], dataset: str | None) -> float:
    index = subset(rows, "cliff", dataset)
    docs = np.array([rows[i]["doc"] for i in index])
    truth = np.array([rows[i]["human"] == 1.0 for i in index])
    values, rng = scores[index], np.random.default_rng(0)
    found = []
    for _ in range(20):
        half = np.isin(docs, rng.permutation(sorted(set(docs)))[: len(set(docs)) // 2])
        for fit, held in ((half, ~half), (~half, half)):
            found.append(balanced_accuracy(values[held], truth[held], best_threshold(values[fit], truth[fit])))
    return float(np.mean(found))


def row_line(name: str, scores: np.ndarray, rows: Sequence[dict[str, object]]) -> str:
    cells = []
    for dataset in (None, "cnndm", "bbc"):
        index = subset(rows, "frank", dataset)
        human = np.array([rows[i]["human"] for i in index], dtype=float)
        p, s = partial_pearson_spearman(scores[index], human, [str(rows[i]["system"]) for i in index])
        cells.append(f"{p:.3f} / {s:.3f}")
    cells += [f"{cross_validated_accuracy(scores, rows, d):.3f}" for d in (None, "cnndm", "bbc")]
    cells.append(f"{np.mean(part_correlations(scores, rows)):.3f}")
    return f"| {name} | " + " | ".join(cells) + " |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shared", type=Path, default=shared_data(), help="the folder of the data files")
    args = parser.parse_args()
    rows, signals = score_rows(args.shared)
    v6, source = signals["faithfulness v6"], signals["source alignment"]
    three = ["trigram_support^2", "supported_words", "supported_facts"]
    candidates: dict[str, Callable[[], np.ndarray]] = {
        "faithfulness v6": lambda: v6,
        "source alignment alone": lambda: source,
        "v6 x source alignment^2": lambda: v6 * source**2,
        "min(v6, 2 x source alignment - 1)": lambda: np.minimum(v6, np.clip(2 * source - 1, 0, 1)),
    }
    for names in (three, [*three, "source alignment"]):
        table = np.stack([signals[n] for n in names], axis=1)
        weights = grid_fit(table, rows)
        label = " + ".join(f"{w:g} {n}" for w, n in zip(weights, names, strict=True) if w)
        candidates[f"grid over {', '.join(names)}: {label}"] = lambda t=table, w=weights: t @ np.array(w)
    print("| candidate | FRANK dev P / S | cnndm | bbc | cliff val BA | cnndm | bbc | mean part corr. |")
    print("|---|---|---|---|---:|---:|---:|---:|")
    for name, scores in candidates.items():
        print(row_line(name, scores(), rows))


if __name__ == "__main__":
    main()
