"""What each metric costs on the CPU: process CPU seconds per 1,000 examples on one core, beside ROUGE.

Each metric is built as a run builds it (``metrics.names=[NAME]``) and scores one workload in chunks of
256, as a run does:

- ``frank``: FRANK validation (671 system summaries of 149 CNN/DM and XSum news articles, with their
  references): rouge, reference_free, bertscore, faithfulness, auto_facts;
- ``facts``: the labelled key-fact suite (``tests/facts/facts_suite``: 209 outputs for the seed article, whose
  spec has 12 key facts): facts;
- ``wmt17``: the first ``--wmt-lines`` outputs of one WMT17 en-de system with their references (no
  English source ships, so ``language`` runs without its copy check): bleu (the one sacrebleu metric
  that computes bleu, chrf, chrf++ and ter together, whichever of them ``metrics.names`` lists),
  language.

Every (metric, repeat) runs in a fresh process with one torch thread (``OMP_NUM_THREADS=1``): the metrics
keep per-process caches of encodings and parses, which a second pass in one process would hit. The
process first scores one example of another text (the seed article's summary; for ``wmt17`` another
system's last line) so that model loads and lazy imports are not timed, then times the workload, then
ROUGE over FRANK in the same process, the best of three passes: the anchor. The report gives, per metric,
the median over repeats of CPU seconds per 1,000 examples, of wall seconds, and of the ratio to the
anchor; on a machine shared with other jobs the ratio is the steadier figure (CPU seconds still grow
with contention for caches and memory bandwidth).

    PYTHONPATH=. python benchmarks/metric_cost.py [--repeats 3] [--metrics rouge bertscore ...] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from _data import frank_rows, wmt17_outputs

REPO = Path(__file__).resolve().parents[1]
CHUNK = 256  # metrics.chunk_size's default
WORKLOADS = {
    "rouge": "frank",
    "reference_free": "frank",
    "bertscore": "frank",
    "faithfulness": "frank",
    "auto_facts": "frank",
    "facts": "facts",
    "bleu": "wmt17",  # also chrf, chrf++ and ter: one metric computes the four
    "language": "wmt17",
}
WMT17_SYSTEM = "uedin-nmt"
WARM_UP_SYSTEM = "online-A"


def frank_inputs() -> list:
    from harness.data.example import Example
    from harness.metrics.base import ScoringInput

    return [
        ScoringInput(Example(id=r["id"], source=r["article"], references=(r["reference"],)), r["summary"])
        for r in frank_rows()
    ]


def facts_inputs() -> list:
    sys.path.insert(0, str(REPO / "tests" / "facts"))
    from facts_suite import SEED, load_cases
    from harness.facts import load_fact_spec
    from harness.metrics.base import ScoringInput

    example = seed_example()
    cases = load_cases([f.id for f in load_fact_spec(SEED)])
    return [ScoringInput(example, case.output) for case in cases]


def wmt17_inputs(lines: int, system: str = WMT17_SYSTEM) -> list:
    from harness.data.example import Example
    from harness.metrics.base import ScoringInput

    references, systems = wmt17_outputs()
    outputs = systems[system]
    return [ScoringInput(Example(id=str(i), source="", references=(references[i],)), outputs[i]) for i in range(lines)]


def warm_up_input(workload: str):
    """An input the timed workload does not contain, of the same language."""
    from harness.metrics.base import ScoringInput

    if workload == "wmt17":
        return wmt17_inputs(3004, WARM_UP_SYSTEM)[-1]
    seed = seed_example()
    return ScoringInput(seed, seed.references[0])


def seed_example():
    from harness.core.paths import PROJECT_ROOT
    from harness.data.seed import seed_summarisation_examples

    return seed_summarisation_examples(PROJECT_ROOT / "seeds" / "russia-dprk-pact.yaml", ["short"])[0]


def build(name: str):
    from harness.app.hydra_app import compose_config
    from harness.core.task import task_spec
    from harness.metrics.registry import build_metrics

    task = ["task=translate", "task.target_lang=de"] if WORKLOADS[name] == "wmt17" else []
    cfg = compose_config([*task, f"metrics.names=[{name}]"])
    return build_metrics(cfg.metrics, task_spec(cfg), [name])[0]


def timed(score: Callable[[Sequence], object], inputs: Sequence) -> tuple[float, float]:
    """CPU and wall seconds to score ``inputs`` in chunks of ``CHUNK``."""
    cpu, wall = time.process_time(), time.perf_counter()
    for start in range(0, len(inputs), CHUNK):
        score(inputs[start : start + CHUNK])
    return time.process_time() - cpu, time.perf_counter() - wall


def measure_one(name: str, wmt_lines: int) -> dict:
    """One fresh process: warm ``name`` up on the seed, time it on its workload, then ROUGE on FRANK."""
    import torch

    from harness.metrics.rouge import cached_lsum_text

    torch.set_num_threads(1)
    workload = WORKLOADS[name]
    inputs = {"frank": frank_inputs, "facts": facts_inputs, "wmt17": lambda: wmt17_inputs(wmt_lines)}[workload]()
    metric = build(name)
    metric.score([warm_up_input(workload)])  # loads models and lazy imports: not timed
    cached_lsum_text.cache_clear()
    cpu, wall = timed(metric.score, inputs)
    anchor = build("rouge")
    frank = frank_inputs()
    passes = []
    for _ in range(3):
        cached_lsum_text.cache_clear()  # each pass splits every text again, as a fresh run does
        passes.append(timed(anchor.score, frank)[0])
    anchor_cpu = min(passes)
    return {
        "metric": name,
        "workload": workload,
        "examples": len(inputs),
        "cpu_s_per_1000": 1000 * cpu / len(inputs),
        "wall_s_per_1000": 1000 * wall / len(inputs),
        "rouge_frank_cpu_s_per_1000": 1000 * anchor_cpu / len(frank),
        "ratio_to_rouge": (cpu / len(inputs)) / (anchor_cpu / len(frank)),
    }


def summary(runs: list[dict]) -> dict:
    """Medians over the repeats of one metric."""
    first = runs[0]
    keys = ("cpu_s_per_1000", "wall_s_per_1000", "rouge_frank_cpu_s_per_1000", "ratio_to_rouge")
    return {
        "workload": first["workload"],
        "examples": first["examples"],
        **{key: round(statistics.median(r[key] for r in runs), 4) for key in keys},
        "ratio_to_rouge_range": [
            round(min(r["ratio_to_rouge"] for r in runs), 3),
            round(max(r["ratio_to_rouge"] for r in runs), 3),
        ],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--metrics", nargs="+", default=list(WORKLOADS), choices=list(WORKLOADS))
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--wmt-lines", type=int, default=1000, help="WMT17 lines to score (3,004 in all)")
    parser.add_argument("--json", type=Path, help="also write the report here")
    parser.add_argument("--one", help=argparse.SUPPRESS)  # the child process: measure this metric once
    args = parser.parse_args()
    if args.one:
        print(json.dumps(measure_one(args.one, args.wmt_lines)))
        return
    env = {**os.environ, "OMP_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    runs: dict[str, list[dict]] = {name: [] for name in args.metrics}
    for _ in range(args.repeats):  # metrics alternate, so a change of load falls on all of them
        for name in args.metrics:
            child = [sys.executable, __file__, "--one", name, "--wmt-lines", str(args.wmt_lines)]
            done = subprocess.run(child, env=env, capture_output=True, text=True)
            if done.returncode:
                raise SystemExit(f"{name}: the measuring process failed:\n{done.stderr}")
            runs[name].append(json.loads(done.stdout.strip().splitlines()[-1]))
            print(json.dumps(runs[name][-1]), file=sys.stderr)
    report = {
        "load_average": os.getloadavg(),
        "cpu_count": os.cpu_count(),
        "repeats": args.repeats,
        "metrics": {name: summary(measured) for name, measured in runs.items()},
    }
    text = json.dumps(report, indent=2)
    print(text)
    if args.json:
        args.json.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
