"""The regression gate: a run against a recorded baseline.

A baseline file is a run reduced to what the gate needs: its metrics (with signatures, metadata and
corpus settings), the identity of its examples, and per-example values (numeric scores and the
statistics of corpus scores) for the paired significance test. Which way is worse is what each
metric declared (see :mod:`harness.results.metric_meta`). A metric fails when it is worse than the
baseline by more than its tolerance; the paired bootstrap then says whether the drop is significant
(p below ``alpha``), except on fewer than ``MIN_PAIRED_EXAMPLES`` examples, where no test is run and
the tolerance alone decides. A drop within the tolerance passes without the test. With ``any_change``
a move in either direction beyond the tolerance fails too, so that a deliberate change must come with a
rewritten baseline.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.core.errors import InputError
from harness.results.compare import compare_metrics, example_keys
from harness.results.metric_meta import corpus_hook_of, higher_is_better
from harness.results.significance import DEFAULT_BOOTSTRAP_SAMPLES, DEFAULT_SEED
from harness.runfolder.load import Run
from harness.runfolder.schema import ScoreRecord
from harness.runfolder.summary import markdown_text

FORMAT = "harness-baseline/1"


class BaselineMismatch(InputError, ValueError):
    """The run cannot be checked against this baseline (other examples or metric settings)."""


@dataclass(frozen=True)
class MetricCheck:
    name: str
    baseline: float
    value: float | None  # None when the run lacks the metric
    tolerance: float
    p_value: float | None
    too_few: str | None  # why the paired test was not run (too few examples), else None
    failures: list[str]

    @property
    def change(self) -> float | None:
        return None if self.value is None else self.value - self.baseline


@dataclass(frozen=True)
class GateResult:
    run: str
    baseline: str
    checks: list[MetricCheck]
    unchecked: list[str]  # metrics of the run that the baseline lacks

    @property
    def passed(self) -> bool:
        return not any(check.failures for check in self.checks)


def _example_identity(run: Run) -> dict[str, str]:
    return {
        example_id: hashlib.sha256(json.dumps([source, list(refs)]).encode()).hexdigest()[:16]
        for example_id, (source, refs) in example_keys(run).items()
    }


def baseline_from_run(run: Run) -> dict[str, Any]:
    """The baseline record of a run (see the module docstring)."""
    aggregates = run.metrics["metrics"]
    stats_keys = {hook.stats_key for hook in map(corpus_hook_of, aggregates.values()) if hook is not None}
    return {
        "format": FORMAT,
        "run": {
            "run_id": run.info.get("run_id"),
            "git_commit": run.info.get("git_commit"),
            "task": run.task,
            "model": run.model,
            "dataset": run.dataset,
        },
        "examples": _example_identity(run),
        "metrics": aggregates,
        "scores": [
            {
                "id": record["id"],
                "scores": record["scores"],
                "details": {k: v for k, v in record["details"].items() if k in stats_keys},
            }
            for record in run.scores
        ],
    }


def write_baseline(run: Run, path: str | Path) -> Path:
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(baseline_from_run(run), indent=1) + "\n", encoding="utf-8")
    return target


def read_baseline(path: str | Path) -> dict[str, Any]:
    source = Path(path)
    if not source.is_file():
        raise InputError(f"{source}: no baseline file (record one with --write-baseline)")
    try:
        data = json.loads(source.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise BaselineMismatch(f"{source}: not JSON ({error})") from error
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise BaselineMismatch(f"{source}: not a {FORMAT} file")
    return data


def check_run(
    run: Run,
    baseline: Mapping[str, Any],
    *,
    tolerances: Mapping[str, float] | None = None,
    default_tolerance: float = 0.0,
    alpha: float = 0.05,
    any_change: bool = False,
    bootstrap_samples: int = DEFAULT_BOOTSTRAP_SAMPLES,
    seed: int = DEFAULT_SEED,
) -> GateResult:
    """Check every baseline metric; raise :class:`BaselineMismatch` if they are not comparable."""
    if _example_identity(run) != baseline["examples"]:
        raise BaselineMismatch(
            f"{run.label} was not run on the baseline's examples "
            f"({len(run.examples)} examples vs {len(baseline['examples'])}, or their text differs)"
        )
    base_metrics, run_metrics = baseline["metrics"], run.metrics["metrics"]
    differing = [
        f"{name}: `{run_metrics[name].get('signature')}` vs baseline `{agg.get('signature')}`"
        for name, agg in base_metrics.items()
        if name in run_metrics and run_metrics[name].get("signature") != agg.get("signature")
    ]
    if differing:
        raise BaselineMismatch("metric settings differ: " + "; ".join(differing))
    base_records: dict[str, ScoreRecord] = {r["id"]: r for r in baseline["scores"]}
    compared, _ = compare_metrics(
        ["baseline", run.label],
        [base_metrics, run_metrics],
        [base_records, run.scores_by_id()],
        list(baseline["examples"]),
        bootstrap_samples=bootstrap_samples,
        ar_trials=0,
        seed=seed,
    )
    p_values = {m.name: m.systems[0].p_bootstrap for m in compared}
    too_few = {m.name: m.too_few for m in compared}
    checks = []
    for name, aggregate in base_metrics.items():
        tolerance = (tolerances or {}).get(name, default_tolerance)
        base_value = float(aggregate["value"])
        value = run_metrics.get(name, {}).get("value")
        checks.append(
            MetricCheck(
                name=name,
                baseline=base_value,
                value=value,
                tolerance=tolerance,
                p_value=p_values.get(name),
                too_few=too_few.get(name),
                failures=_failures(
                    name,
                    higher_is_better(name, run_metrics.get(name, {}), aggregate),
                    base_value,
                    value,
                    tolerance,
                    p_values.get(name),
                    alpha,
                    any_change,
                ),
            )
        )
    return GateResult(
        run=run.label,
        baseline=str(baseline["run"].get("run_id")),
        checks=checks,
        unchecked=[name for name in run_metrics if name not in base_metrics],
    )


def _failures(
    name: str,
    higher_better: bool | None,
    baseline: float,
    value: float | None,
    tolerance: float,
    p: float | None,
    alpha: float,
    any_change: bool,
) -> list[str]:
    if value is None or math.isnan(value):
        return [f"{name}: missing from the run"]
    # A descriptive statistic (length) is never worse; with any_change its moves still fail.
    worse_by = 0.0 if higher_better is None else (baseline - value) if higher_better else (value - baseline)
    failures = []
    if worse_by > tolerance:
        failures.append(f"{name} fell by {worse_by:.4f} ({baseline:.4f} -> {value:.4f}; tolerance {tolerance:g})")
    elif any_change and abs(value - baseline) > tolerance:
        failures.append(
            f"{name} moved by {value - baseline:+.4f} ({baseline:.4f} -> {value:.4f}; "
            f"tolerance {tolerance:g}); rewrite the baseline if the change is intended"
        )
    # The paired test only judges drops beyond the tolerance: a tolerated drop passes however consistent.
    if p is not None and worse_by > tolerance and p < alpha:
        failures.append(f"{name} is significantly worse (paired bootstrap p = {p:.4f} < {alpha:g})")
    return failures


def render_result(result: GateResult) -> str:
    lines = [
        f"Regression gate: {markdown_text(result.run)} against the baseline from run {markdown_text(result.baseline)}",
        "",
        "| metric | baseline | run | change | tolerance | p (bootstrap) | verdict |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for check in result.checks:
        value = "" if check.value is None else f"{check.value:.4f}"
        change = "" if check.change is None else f"{check.change:+.4f}"
        p = check.too_few or ("" if check.p_value is None else f"{check.p_value:.4f}")
        verdict = "FAIL" if check.failures else "ok"
        name = markdown_text(check.name)
        lines.append(f"| {name} | {check.baseline:.4f} | {value} | {change} | {check.tolerance:g} | {p} | {verdict} |")
    if result.unchecked:
        lines += ["", "Not in the baseline, so not checked: " + ", ".join(map(markdown_text, result.unchecked))]
    failures = [f for check in result.checks for f in check.failures]
    lines += ["", *(f"FAIL: {f}" for f in failures)] if failures else ["", "PASS"]
    return "\n".join(lines) + "\n"
