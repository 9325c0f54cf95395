"""Paired comparison of runs over the same examples: deltas, CIs, p-values, movers, fact flips.

The first run is the baseline. Every metric that all runs report with the same signature is
tested with sacrebleu's paired bootstrap and approximate randomisation; corpus metrics are
resampled from the per-example statistics their corpus hook stored (see
:mod:`harness.results.metric_meta`).
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from harness.core.errors import InputError
from harness.data.example import text_hash
from harness.results.metric_meta import corpus_hook_of, is_per_fact
from harness.results.significance import (
    DEFAULT_AR_TRIALS,
    DEFAULT_BOOTSTRAP_SAMPLES,
    DEFAULT_SEED,
    MIN_PAIRED_EXAMPLES,
    ApproximateRandomization,
    PairedBootstrap,
    SufficientStats,
    corpus_stats,
    mean_stats,
    too_few_examples,
)
from harness.runfolder.load import Run
from harness.runfolder.schema import Aggregate, ScoreRecord
from harness.runfolder.summary import markdown_text

FLIP_ORDER = {("supported", "contradicted"): 0, ("contradicted", "supported"): 1}
FACT_VERDICTS = "facts.verdicts"  # details key: list of {fact_id, kind, verdict, span, text}


class IncomparableRuns(InputError, ValueError):
    """The runs were not made over the same examples."""


@dataclass(frozen=True)
class SystemDelta:
    run: str
    score: float
    mean: float  # bootstrap estimate of the true score
    ci: float  # 95% CI half-width around ``mean``
    delta: float  # score - baseline score
    delta_ci: tuple[float, float]
    p_bootstrap: float | None  # None with too few examples
    p_ar: float | None  # None with too few examples or when approximate randomisation was not run


@dataclass(frozen=True)
class MetricComparison:
    name: str
    signature: str
    corpus: bool
    n: int  # examples in the paired test
    baseline: float
    baseline_mean: float
    baseline_ci: float
    systems: list[SystemDelta]
    too_few: str | None  # why no paired test was run (too few examples), else None


@dataclass(frozen=True)
class MovedExample:
    id: str
    baseline: float
    system: float
    delta: float
    baseline_output: str | None
    system_output: str | None


@dataclass(frozen=True)
class FactFlip:
    id: str
    fact_id: str
    kind: str
    before: str
    after: str
    text: str


@dataclass(frozen=True)
class Comparison:
    baseline: str
    runs: list[str]
    n_examples: int
    seed: int
    bootstrap_samples: int
    ar_trials: int
    metrics: list[MetricComparison]
    skipped: dict[str, str]  # metric -> why it was not compared
    moved_by: str | None
    moved: dict[str, list[MovedExample]]
    flips: dict[str, list[FactFlip]]

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, ensure_ascii=False)


def example_keys(run: Run) -> dict[str, tuple[str, tuple[str, ...]]]:
    """id -> (source hash, references): what makes two runs' examples the same."""
    return {ex["id"]: (text_hash(ex["source"]), tuple(ex.get("references", ()))) for ex in run.examples}


def check_same_examples(runs: Sequence[Run]) -> None:
    """Raise :class:`IncomparableRuns` with the reason unless all runs share their examples."""
    base = example_keys(runs[0])
    for run in runs[1:]:
        keys = example_keys(run)
        extra, missing = sorted(keys.keys() - base), sorted(base.keys() - keys)
        if extra or missing:
            raise IncomparableRuns(
                f"{run.label} and the baseline {runs[0].label} cover different examples: "
                f"{len(extra)} only in the former (e.g. {extra[:3]}), "
                f"{len(missing)} only in the baseline (e.g. {missing[:3]})"
            )
        for example_id, (source, references) in base.items():
            other_source, other_references = keys[example_id]
            if other_source != source:
                raise IncomparableRuns(f"example {example_id!r}: the source differs in {run.label}")
            if other_references != references:
                raise IncomparableRuns(f"example {example_id!r}: the references differ in {run.label}")


def metric_stats(
    name: str, aggregate: Aggregate, records: dict[str, ScoreRecord], ids: Sequence[str]
) -> SufficientStats:
    """Per-example statistics of one metric over ``ids``, in that order."""
    hook = corpus_hook_of(aggregate)
    if hook is None:
        return mean_stats([records[i]["scores"][name] for i in ids])
    rows = [records[i]["details"][hook.stats_key][name] for i in ids]
    return corpus_stats(rows, hook.scorer(name, aggregate.get("settings", {})), hook.resample_dtype)


def has_value(name: str, aggregate: Aggregate, record: ScoreRecord | None) -> bool:
    if record is None:
        return False
    hook = corpus_hook_of(aggregate)
    if hook is not None:
        return name in record.get("details", {}).get(hook.stats_key, {})
    value = record.get("scores", {}).get(name)
    return value is not None and not math.isnan(value)


def compare_metrics(
    labels: Sequence[str],
    aggregates: Sequence[dict[str, Aggregate]],
    records: Sequence[dict[str, ScoreRecord]],
    ids: Sequence[str],
    *,
    bootstrap_samples: int = DEFAULT_BOOTSTRAP_SAMPLES,
    ar_trials: int = DEFAULT_AR_TRIALS,
    seed: int = DEFAULT_SEED,
) -> tuple[list[MetricComparison], dict[str, str]]:
    """Paired tests of every shared metric; the first of each sequence is the baseline.

    Returns the comparisons and, for each metric left out, the reason.
    """
    compared: list[MetricComparison] = []
    skipped: dict[str, str] = {}
    # Resamples depend only on the number of examples (as in sacrebleu): draw them once per size.
    bootstraps: dict[int, PairedBootstrap] = {}
    randomisations: dict[int, ApproximateRandomization] = {}
    for name, base_aggregate in aggregates[0].items():
        if is_per_fact(name):
            skipped["facts.<id>.supported/contradicted"] = "per-fact indicators: see the key facts that flipped"
            continue
        lacking = [label for label, agg in zip(labels, aggregates, strict=True) if name not in agg]
        if lacking:
            skipped[name] = f"not reported by {', '.join(lacking)}"
            continue
        if base_aggregate.get("corpus") and any(corpus_hook_of(agg[name]) is None for agg in aggregates):
            skipped[name] = "corpus score without a hook that recomputes it from per-example statistics"
            continue
        signatures = {agg[name].get("signature", "") for agg in aggregates}
        if len(signatures) > 1:
            skipped[name] = "different signatures: " + " vs ".join(sorted(signatures))
            continue
        shared = [
            i
            for i in ids
            if all(has_value(name, agg[name], recs.get(i)) for agg, recs in zip(aggregates, records, strict=True))
        ]
        if not shared:
            skipped[name] = "no example has a value in every run"
            continue
        stats = [metric_stats(name, agg[name], recs, shared) for agg, recs in zip(aggregates, records, strict=True)]
        n = len(shared)
        if n not in bootstraps:
            bootstraps[n] = PairedBootstrap(n, bootstrap_samples, seed)
        bootstrap = bootstraps[n]
        base_mean, base_ci = bootstrap.estimate(stats[0])
        results = bootstrap.compare(stats[0], stats[1:])
        too_few = too_few_examples(n)
        p_bootstrap = [None if too_few else result.p_value for result in results]
        if ar_trials > 0 and not too_few:
            if n not in randomisations:
                randomisations[n] = ApproximateRandomization(n, ar_trials, seed)
            ar = randomisations[n]
            p_ar: list[float | None] = list(ar.compare(stats[0], stats[1:]))
        else:
            p_ar = [None] * len(results)
        compared.append(
            MetricComparison(
                name=name,
                signature=base_aggregate.get("signature", ""),
                corpus=bool(base_aggregate.get("corpus")),
                n=len(shared),
                baseline=stats[0].score(),
                baseline_mean=base_mean,
                baseline_ci=base_ci,
                systems=[
                    SystemDelta(
                        run=label,
                        score=result.score,
                        mean=result.mean,
                        ci=result.ci,
                        delta=result.delta,
                        delta_ci=result.delta_ci,
                        p_bootstrap=p_bs,
                        p_ar=p,
                    )
                    for label, result, p_bs, p in zip(labels[1:], results, p_bootstrap, p_ar, strict=True)
                ],
                too_few=too_few,
            )
        )
    return compared, skipped


def unique_labels(runs: Sequence[Run]) -> list[str]:
    """Model labels where they tell the runs apart, else folder names, else paths."""
    for labels in (
        [run.model_label for run in runs],
        [run.label for run in runs],
        [str(run.path) for run in runs],
    ):
        if len(set(labels)) == len(labels):
            return labels
    return [f"{i}: {run.path}" for i, run in enumerate(runs)]


def compare_runs(
    runs: Sequence[Run],
    *,
    bootstrap_samples: int = DEFAULT_BOOTSTRAP_SAMPLES,
    ar_trials: int = DEFAULT_AR_TRIALS,
    seed: int = DEFAULT_SEED,
    moved_by: str | None = None,
    top: int = 5,
) -> Comparison:
    """Compare ``runs[1:]`` with the baseline ``runs[0]``."""
    if len(runs) < 2:
        raise IncomparableRuns("compare needs a baseline and at least one more run")
    check_same_examples(runs)
    labels = unique_labels(runs)
    records = [run.scores_by_id() for run in runs]
    ids = [ex["id"] for ex in runs[0].examples]
    metrics, skipped = compare_metrics(
        labels,
        [run.metrics["metrics"] for run in runs],
        records,
        ids,
        bootstrap_samples=bootstrap_samples,
        ar_trials=ar_trials,
        seed=seed,
    )
    by = moved_by or (metrics[0].name if metrics else None)
    by_metric = next((m for m in metrics if m.name == by), None)
    if moved_by and by_metric is None:
        raise InputError(f"--moved-by {moved_by}: not a compared metric")
    return Comparison(
        baseline=labels[0],
        runs=labels[1:],
        n_examples=len(ids),
        seed=seed,
        bootstrap_samples=bootstrap_samples,
        ar_trials=ar_trials,
        metrics=metrics,
        skipped=skipped,
        moved_by=by_metric.name if by_metric else None,
        moved={
            label: moved_examples(runs[0], run, by_metric.name, top) if by_metric else []
            for label, run in zip(labels[1:], runs[1:], strict=True)
        },
        flips={label: fact_flips(runs[0], run) for label, run in zip(labels[1:], runs[1:], strict=True)},
    )


def per_example_values(run: Run, name: str) -> dict[str, float]:
    """Each example's own value of a metric; for a corpus metric, the score of its statistics alone
    (e.g. sentence BLEU with the corpus settings)."""
    aggregate = run.metrics["metrics"][name]
    records = [r for r in run.scores if has_value(name, aggregate, r)]
    hook = corpus_hook_of(aggregate)
    if hook is None:
        return {r["id"]: float(r["scores"][name]) for r in records}
    if not records:
        return {}
    score_sums = hook.scorer(name, aggregate.get("settings", {}))
    rows: list[Any] = [r["details"][hook.stats_key][name] for r in records]
    scores = score_sums(np.asarray(rows, dtype=np.float64).reshape(len(rows), -1))
    return {r["id"]: float(score) for r, score in zip(records, scores, strict=True)}


def moved_examples(baseline: Run, system: Run, name: str, top: int) -> list[MovedExample]:
    """The examples whose value of ``name`` changed most, largest absolute change first."""
    before, after = per_example_values(baseline, name), per_example_values(system, name)
    base_out, sys_out = baseline.predictions_by_id(), system.predictions_by_id()
    moved = [
        MovedExample(
            id=i,
            baseline=before[i],
            system=after[i],
            delta=after[i] - before[i],
            baseline_output=base_out[i]["output"] if i in base_out else None,
            system_output=sys_out[i]["output"] if i in sys_out else None,
        )
        for i in before
        if i in after and after[i] != before[i]
    ]
    moved.sort(key=lambda m: (-abs(m.delta), m.id))
    return moved[:top]


def fact_flips(baseline: Run, system: Run) -> list[FactFlip]:
    """Key facts whose verdict changed; supported -> contradicted first, then the reverse."""
    before = {(r["id"], f["fact_id"]): f for r in baseline.scores for f in r["details"].get(FACT_VERDICTS, [])}
    flips = []
    for record in system.scores:
        for fact in record["details"].get(FACT_VERDICTS, []):
            old = before.get((record["id"], fact["fact_id"]))
            if old is not None and old["verdict"] != fact["verdict"]:
                flips.append(
                    FactFlip(
                        id=record["id"],
                        fact_id=str(fact["fact_id"]),
                        kind=str(fact.get("kind", "")),
                        before=old["verdict"],
                        after=fact["verdict"],
                        text=str(fact.get("text") or old.get("text") or ""),
                    )
                )
    flips.sort(key=lambda f: (FLIP_ORDER.get((f.before, f.after), 2), f.id, f.fact_id))
    return flips


def _fmt(value: float | None, digits: int = 4) -> str:
    return "" if value is None else f"{value:.{digits}f}"


def _cell(text: str | None, width: int = 60) -> str:
    """Untrusted text as one Markdown table cell."""
    if text is None:
        return "*(no output)*"
    flat = " ".join(text.split())
    return markdown_text(flat if len(flat) <= width else flat[: width - 1] + "…")


def render_markdown(comparison: Comparison) -> str:
    lines = [
        f"# Comparison with baseline {markdown_text(comparison.baseline)}",
        "",
        f"{comparison.n_examples} examples · paired bootstrap: {comparison.bootstrap_samples} "
        f"samples · approximate randomisation: {comparison.ar_trials} trials · "
        f"seed {comparison.seed}",
        "",
        "μ ± 95% CI: bootstrap mean and CI half-width, as sacrebleu prints them; "
        "Δ = run − baseline. As in sacrebleu, p = (c + 1)/(samples + 1) with c the resampled differences "
        "strictly above the observed one, but Δ = 0 gets p = 1; no p-value is computed on fewer than "
        f"{MIN_PAIRED_EXAMPLES} examples (too few for p < 0.05).",
    ]
    lines += [
        "",
        "| metric | n | run | score | μ ± 95% CI | Δ | 95% CI of Δ | p (bootstrap) | p (AR) |",
        "|---|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    signatures: dict[str, list[str]] = {}
    for metric in comparison.metrics:
        signatures.setdefault(metric.signature, []).append(metric.name)
        kind = " (corpus)" if metric.corpus else ""
        lines.append(
            f"| {markdown_text(metric.name)}{kind} | {metric.n} | baseline | {_fmt(metric.baseline)} | "
            f"{_fmt(metric.baseline_mean)} ± {_fmt(metric.baseline_ci)} | | | | |"
        )
        for s in metric.systems:
            lines.append(
                f"| | | {markdown_text(s.run)} | {_fmt(s.score)} | {_fmt(s.mean)} ± {_fmt(s.ci)} | "
                f"{s.delta:+.4f} | [{s.delta_ci[0]:+.4f}, {s.delta_ci[1]:+.4f}] | "
                f"{metric.too_few or _fmt(s.p_bootstrap)} | {metric.too_few or _fmt(s.p_ar)} |"
            )
    lines += ["", "Signatures:", ""]
    lines += [f"- {markdown_text(', '.join(names))}: {markdown_text(sig)}" for sig, names in signatures.items()]
    if comparison.skipped:
        lines += ["", "## Not compared", ""]
        lines += [f"- {markdown_text(name)}: {markdown_text(reason)}" for name, reason in comparison.skipped.items()]
    for run in comparison.runs:
        moved, flips = comparison.moved[run], comparison.flips[run]
        if moved:
            lines += [
                "",
                f"## Examples that moved most on {markdown_text(str(comparison.moved_by))}: {markdown_text(run)}",
                "",
                "| id | baseline | run | Δ | baseline output | run output |",
                "|---|---:|---:|---:|---|---|",
            ]
            lines += [
                f"| {_cell(m.id)} | {_fmt(m.baseline)} | {_fmt(m.system)} | {m.delta:+.4f} | "
                f"{_cell(m.baseline_output)} | {_cell(m.system_output)} |"
                for m in moved
            ]
        if flips:
            lines += [
                "",
                f"## Key facts that flipped: {markdown_text(run)}",
                "",
                "| id | fact | kind | baseline | run | fact text |",
                "|---|---|---|---|---|---|",
            ]
            lines += [
                f"| {_cell(f.id)} | {_cell(f.fact_id)} | {_cell(f.kind)} | {_cell(f.before)} | "
                f"{_cell(f.after)} | {_cell(f.text)} |"
                for f in flips
            ]
    return "\n".join(lines) + "\n"
