"""Writers of small run folders that follow the results contract (harness.runfolder.schema).

They stand in for the runner in unit tests: each writes the six contract files the way the runner
does, with aggregates computed from the per-example values it is given.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from sacrebleu.metrics import BLEU, CHRF, TER

from harness.data.example import text_hash
from testkit import WMT17

SEED = 12345

SACREBLEU_CLASSES: dict[str, tuple[type[BLEU] | type[CHRF] | type[TER], dict[str, Any]]] = {
    "bleu": (BLEU, {}),
    "chrf": (CHRF, {}),
    "chrf++": (CHRF, {"word_order": 2}),
    "ter": (TER, {}),
}


def _mean_aggregate(values: list[float], signature: str) -> dict[str, Any]:
    array = np.asarray(values, dtype=float)
    rng = np.random.default_rng(SEED)
    means = array[rng.integers(len(array), size=(200, len(array)))].mean(axis=1)
    return {
        "value": float(array.mean()),
        "ci": [float(np.percentile(means, 2.5)), float(np.percentile(means, 97.5))],
        "n": len(values),
        "signature": signature,
        "corpus": False,
    }


def write_run(
    root: Path,
    *,
    task: str,
    model: str,
    dataset: str,
    examples: Sequence[dict[str, Any]],
    outputs: Sequence[str | None],
    scores: Sequence[dict[str, float]],
    details: Sequence[dict[str, Any]] | None = None,
    signatures: dict[str, str] | None = None,
    corpus: dict[str, dict[str, Any]] | None = None,
    tables: dict[str, Any] | None = None,
    stamp: str = "2026-01-01/12-00-00",
    fingerprint: str = "fp0",
) -> Path:
    """Write a complete run folder; mean aggregates are computed from ``scores``."""
    day, time = stamp.split("/")
    folder = root / day / f"{time}_{task}_{model}_{dataset}".replace("/", "-")
    folder.mkdir(parents=True)
    details = details or [{} for _ in examples]
    errors = {ex["id"]: "generation failed" for ex, out in zip(examples, outputs, strict=True) if out is None}
    config = {
        "task": {"name": task},
        "model": {"name": model},
        "dataset": {"name": dataset},
        "metrics": sorted({*(signatures or {}), *(corpus or {})}),
        "seed": SEED,
    }
    (folder / "config.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    info = {
        "run_id": folder.name,
        "status": "complete",
        "started": f"{day}T{time.replace('-', ':')}",
        "finished": f"{day}T{time.replace('-', ':')}",
        "git_commit": None,
        "versions": {},
        "task": {"name": task},
        "model": {"name": model, "backend": model},
        "dataset": {"name": dataset, "fingerprint": fingerprint, "n_examples": len(examples)},
        "seed": SEED,
        "device": "cpu",
        "wall_seconds": 1.0,
        "examples_per_second": float(len(examples)),
        "cache": {"hits": 0, "misses": len(examples)},
    }
    (folder / "run.json").write_text(json.dumps(info), encoding="utf-8")
    _write_jsonl(folder / "examples.jsonl", examples)
    _write_jsonl(
        folder / "predictions.jsonl",
        [
            {
                "id": ex["id"],
                "source_hash": text_hash(ex["source"]),
                "output": out,
                "seconds": 0.01,
                "truncated": False,
                "error": errors.get(ex["id"]),
            }
            for ex, out in zip(examples, outputs, strict=True)
        ],
    )
    _write_jsonl(
        folder / "scores.jsonl",
        [
            {"id": ex["id"], "scores": sc, "details": de}
            for ex, sc, de, out in zip(examples, scores, details, outputs, strict=True)
            if out is not None
        ],
    )
    aggregates: dict[str, Any] = {}
    for name, signature in (signatures or {}).items():
        values = [sc[name] for sc, out in zip(scores, outputs, strict=True) if out is not None and name in sc]
        aggregates[name] = _mean_aggregate(values, signature)
    aggregates.update(corpus or {})
    metrics = {
        "n_examples": len(examples),
        "n_scored": len(examples) - len(errors),
        "n_errors": len(errors),
        "errors": errors,
        "bootstrap": {"samples": 1000, "seed": SEED},
        "metrics": aggregates,
        "tables": tables or {},
    }
    (folder / "metrics.json").write_text(json.dumps(metrics), encoding="utf-8")
    (folder / "summary.md").write_text(f"# {folder.name}\n", encoding="utf-8")
    return folder


def write_translation_run(
    root: Path,
    *,
    model: str,
    sources: Sequence[str],
    references: Sequence[str],
    outputs: Sequence[str],
    metrics: Sequence[str] = ("bleu", "chrf"),
    dataset: str = "wmt17",
    stamp: str = "2026-01-01/12-00-00",
    settings: dict[str, dict[str, Any]] | None = None,
) -> Path:
    """A translation run scored like the translation metric module does: sacrebleu sentence
    statistics per example and corpus scores with their settings and signature."""
    examples = [
        {"id": f"{i:05d}", "source": src, "references": [ref], "meta": {}}
        for i, (src, ref) in enumerate(zip(sources, references, strict=True))
    ]
    details: list[dict[str, Any]] = [{"sacrebleu_stats": {}} for _ in examples]
    corpus: dict[str, dict[str, Any]] = {}
    for name in metrics:
        cls, defaults = SACREBLEU_CLASSES[name]
        kwargs = {**defaults, **(settings or {}).get(name, {})}
        metric = cls(**kwargs)
        stats = metric._extract_corpus_statistics(list(outputs), [list(references)])
        score = metric._aggregate_and_compute(stats)
        for record, row in zip(details, stats, strict=True):
            record["sacrebleu_stats"][name] = [float(x) if isinstance(x, float) else x for x in row]
        corpus[name] = {
            "value": score.score,
            "ci": [score.score - 1.0, score.score + 1.0],
            "n": len(examples),
            "signature": str(metric.get_signature()),
            "corpus": True,
            "settings": kwargs,
        }
    return write_run(
        root,
        task="translate",
        model=model,
        dataset=dataset,
        examples=examples,
        outputs=outputs,
        scores=[{} for _ in examples],
        details=details,
        corpus=corpus,
        stamp=stamp,
    )


def _write_jsonl(path: Path, records: Sequence[dict[str, Any]]) -> None:
    with path.open("w", encoding="utf-8") as out:
        for record in records:
            out.write(json.dumps(record, ensure_ascii=False) + "\n")


def wmt17_systems() -> dict[str, Path]:
    """System name (e.g. ``LIUM-NMT``) -> output file of the 16 WMT17 en-de systems."""
    return {path.name.split(".")[1]: path for path in sorted((WMT17 / "systems").glob("newstest2017.*"))}


def write_wmt17_runs(root: Path, metrics: Sequence[str] = ("bleu",)) -> dict[str, Path]:
    """One translation run per WMT17 system, scored against newstest2017.ref.de."""
    references = (WMT17 / "newstest2017.ref.de").read_text(encoding="utf-8").splitlines()
    sources = [f"newstest2017 segment {i + 1}" for i in range(len(references))]
    return {
        name: write_translation_run(
            root,
            model=name,
            sources=sources,
            references=references,
            outputs=path.read_text(encoding="utf-8").splitlines(),
            metrics=metrics,
            dataset="newstest2017",
        )
        for name, path in wmt17_systems().items()
    }
