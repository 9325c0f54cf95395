"""Metric metadata: declared per score key, stored in metrics.json, read by gate and table; run folders
and baselines written before it existed are read as they were then."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any, ClassVar

import pytest
from omegaconf import OmegaConf

from harness.data.example import Example
from harness.metrics import bertscore, comet, facts, faithfulness, language, nli, reference_free, rouge  # noqa: F401
from harness.metrics.base import Metric, ScoringInput
from harness.metrics.config import MetricsConfig
from harness.metrics.metadata import LOWER, KeyMeta
from harness.metrics.sacrebleu_metrics import SacreBleuMetrics
from harness.metrics.support.sacrebleu_adapter import SacreBleuHook
from harness.pipeline.scoring import score_stream
from harness.results.gate import baseline_from_run, check_run, read_baseline
from harness.results.metric_meta import corpus_hook_of, higher_is_better
from harness.results.table import group_runs, sort_rows
from harness.runfolder.folder import RunFolder
from harness.runfolder.load import load_run
from runfolders import write_run
from testkit import ROOT

EXAMPLES = [{"id": f"e{i}", "source": f"Source {i}.", "references": [f"R {i}."], "meta": {}} for i in range(30)]
BASELINES = sorted((ROOT / "results" / "baselines").glob("*.json"))


def _run(root: Path, model: str, copy: float, stamp: str, declared: bool) -> Path:
    """A run with ``language.copy`` (the share of outputs that copy the source: lower is better),
    with the metadata a run of this version stores, or without it (a run made before it existed)."""
    folder = write_run(
        root,
        task="translate",
        model=model,
        dataset="seed",
        examples=EXAMPLES,
        outputs=["out"] * len(EXAMPLES),
        scores=[{"language.copy": float(i < copy * len(EXAMPLES))} for i in range(len(EXAMPLES))],
        signatures={"language.copy": "language|copy"},
        stamp=stamp,
    )
    if declared:
        path = folder / "metrics.json"
        metrics = json.loads(path.read_text(encoding="utf-8"))
        metrics["metrics"]["language.copy"].update(LOWER.fields())
        path.write_text(json.dumps(metrics), encoding="utf-8")
    return folder


def test_gate_fails_a_rise_of_a_declared_error_rate(tmp_path: Path) -> None:
    """The name ``language.copy`` says nothing of its direction: only the declaration does."""
    base = load_run(_run(tmp_path, "a", 0.1, "2026-01-01/10-00-00", declared=True))
    worse = load_run(_run(tmp_path, "b", 0.5, "2026-01-01/11-00-00", declared=True))
    (check,) = check_run(worse, baseline_from_run(base)).checks
    assert check.failures and check.failures[0].startswith("language.copy fell by 0.4000")
    (check,) = check_run(base, baseline_from_run(worse)).checks
    assert check.failures == []


def test_table_ranks_a_declared_error_rate_lowest_first(tmp_path: Path) -> None:
    for model, copy, stamp in (("a", 0.5, "10"), ("b", 0.1, "11"), ("c", 0.3, "12")):
        _run(tmp_path, model, copy, f"2026-01-01/{stamp}-00-00", declared=True)
    groups = group_runs([load_run(p.parent) for p in sorted(tmp_path.glob("*/*/run.json"))])
    sort_rows(groups, "language.copy")
    assert [row.model for row in groups[0].rows] == ["b", "c", "a"]


def test_runs_without_metadata_are_read_as_before() -> None:
    """The fallback for run folders and baselines written before metrics declared their keys."""
    assert higher_is_better("language.copy", {"value": 0.1}) is True  # as ranked then
    assert higher_is_better("language.copy", {"value": 0.1, "higher_is_better": False}) is False
    assert higher_is_better("ter", {}) is False and higher_is_better("facts.contradiction_rate", {}) is False
    assert higher_is_better("auto_facts.unsupported_rate", {}) is False and higher_is_better("rouge1", {}) is True
    # The first aggregate that declares the direction wins: the run's, then the baseline's.
    assert higher_is_better("ter", {}, {"higher_is_better": True}) is True
    assert isinstance(corpus_hook_of({"corpus": True, "settings": {}}), SacreBleuHook)  # sacrebleu's, then
    assert corpus_hook_of({"corpus": True}) is None  # e.g. an evaluate module's value: not recomputable
    assert corpus_hook_of({"corpus": False, "settings": {}}) is None
    assert isinstance(corpus_hook_of({"corpus": True, "corpus_hook": "sacrebleu"}), SacreBleuHook)


@pytest.mark.parametrize("path", BASELINES, ids=[p.stem for p in BASELINES])
def test_every_key_of_the_committed_baselines_is_declared(path: Path) -> None:
    """Each metric declares the keys it gave the committed baselines; where the baselines were read
    by name, the declarations agree except for the keys whose name hid their direction."""
    declared = {
        pattern: meta
        for cls in _metric_classes()
        for pattern, meta in cls.score_keys.items()
        if pattern != "*"  # evaluate modules: any name
    }
    renamed = {"auto_facts.flagged", "auto_facts.novel_words", "auto_facts.worst_gap"}  # lower is better
    for key, aggregate in read_baseline(path)["metrics"].items():
        meta = _match(declared, key)
        assert meta is not None, f"{path.name}: {key} is not declared by any metric"
        assert meta.corpus == aggregate["corpus"], key
        assert meta.higher_is_better == (higher_is_better(key, aggregate) if key not in renamed else False), key


class _Misdeclared(Metric):
    name: ClassVar[str] = "misdeclared"
    score_keys: ClassVar[dict[str, KeyMeta]] = {"total": KeyMeta(corpus=True)}

    def signature(self) -> str:
        return "misdeclared"

    def score(self, batch: Sequence[ScoringInput]) -> list[dict[str, Any]]:
        return [{"total": 1.0} for _ in batch]


def _score(tmp_path: Path, metrics: list[Metric], items: list[ScoringInput]) -> dict[str, Any]:
    cfg = OmegaConf.merge(OmegaConf.structured(MetricsConfig), {"chunk_size": 4, "bootstrap_samples": 10})
    folder = RunFolder(tmp_path / "run")
    folder.path.mkdir(parents=True)
    try:
        return dict(score_stream(metrics, iter(items), len(items), folder, cfg)["metrics"])
    finally:
        folder.close()


def test_scoring_stores_the_declarations(tmp_path: Path) -> None:
    items = [ScoringInput(Example(str(i), "src", (f"a cat {i} sat",)), f"a cat {i} sits") for i in range(10)]
    metrics = _score(tmp_path, [SacreBleuMetrics("en")], items)
    assert metrics["ter"]["higher_is_better"] is False and metrics["bleu"]["higher_is_better"] is True
    assert metrics["ter"]["corpus"] is True and metrics["ter"]["corpus_hook"] == "sacrebleu"
    assert metrics["sentence_bleu"]["corpus"] is False and "corpus_hook" not in metrics["sentence_bleu"]
    with pytest.raises(
        ValueError, match="misdeclared: score key 'total' is declared a corpus score but was given per example"
    ):
        _score(tmp_path / "x", [_Misdeclared()], items)


def _metric_classes() -> list[type[Metric]]:
    """Every subclass of :class:`Metric` imported so far."""
    found: list[type[Metric]] = []
    pending = list(Metric.__subclasses__())
    while pending:
        cls = pending.pop()
        found.append(cls)
        pending += cls.__subclasses__()
    return found


def _match(declared: dict[str, KeyMeta], key: str) -> KeyMeta | None:
    return next((meta for pattern, meta in declared.items() if fnmatchcase(key, pattern)), None)


def test_only_the_adapter_calls_sacrebleu_internals() -> None:
    """sacrebleu's statistics methods are private: one module uses them, the rest goes through it."""
    private = re.compile(
        r"\._(extract_corpus_statistics|compute_score_from_stats|aggregate_and_compute|SIGNATURE_TYPE)\b"
    )
    callers = {
        path.relative_to(ROOT).as_posix()
        for path in (ROOT / "harness").rglob("*.py")
        if private.search(path.read_text(encoding="utf-8"))
    }
    assert callers == {"harness/metrics/support/sacrebleu_adapter.py"}
