"""Scoring throughput, two parts in one run.

ROUGE on FRANK validation (671 summary/reference pairs, English): the harness's ``rouge`` metric
(ROUGE-1/2/L/Lsum, including its sentence split for Lsum) against rouge-score called directly and
the native package (rouge-score-rs) called directly, both with the same four types and no split (as a
user would call them); the harness's scores are checked identical to rouge-score's on the same split
text.

WMT17 en-de outputs (16 systems x 3,004 sentences): ROUGE and sentence chrF through the harness's
scoring (chunks, records to scores.jsonl, float64 columns, bootstrap CIs) against direct rouge-score /
sacrebleu calls in one process, and the harness with ``metrics.workers=2``. Both paths compute the
same numbers (checked): ROUGE with the German tokenizer and the harness's sentence split for Lsum, and
sacrebleu's sentence chrF (``_chrf.SentenceChrF``, a thin parallel :class:`Metric` over
``CHRF.sentence_score``). The worker pool's start is part of the parallel time.

CPU seconds (Linux): the parent's, and those of its child processes (the fork server's imports and the
workers it forked), for each harness run. On a loaded machine the wall-clock ratio says little; the CPU
view gives the speed-up two free cores would allow: one process's CPU over the busier timeline of the
parallel run (the parent's, or the fork server's start followed by its worker's).

    PYTHONPATH=. python benchmarks/scoring_throughput.py [--systems 16] [--bootstrap 1000] [--repeats 3]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HARNESS_PROGRESS", "0")

import numpy as np  # noqa: E402
from _chrf import SentenceChrF  # noqa: E402
from omegaconf import OmegaConf  # noqa: E402
from rouge_score import rouge_scorer  # noqa: E402
from sacrebleu.metrics import CHRF  # noqa: E402

from _data import frank_rows, wmt17_outputs  # noqa: E402
from harness.core.sentences import plain_sentences  # noqa: E402
from harness.data.example import Example  # noqa: E402
from harness.metrics.base import ScoringInput  # noqa: E402
from harness.metrics.config import MetricsConfig  # noqa: E402
from harness.metrics.rouge import (  # noqa: E402
    ROUGE_TYPES,
    RougeMetric,
    UnicodeTokenizer,
    cached_lsum_text,
    lsum_text,
)
from harness.pipeline.scoring import score_stream  # noqa: E402
from harness.runfolder.folder import RunFolder  # noqa: E402


def direct(items: list[ScoringInput]) -> dict[str, float]:
    """The same numbers with plain library calls, no harness."""
    scorer = rouge_scorer.RougeScorer(list(ROUGE_TYPES), use_stemmer=True, tokenizer=UnicodeTokenizer("de", True))
    chrf = CHRF()
    sums = dict.fromkeys([*ROUGE_TYPES, "sentence_chrf"], 0.0)
    for item in items:
        references = list(item.example.references)
        scores = scorer.score_multi([lsum_text(r, "de") for r in references], lsum_text(item.output, "de"))
        for name in ROUGE_TYPES:
            sums[name] += scores[name].fmeasure
        sums["sentence_chrf"] += chrf.sentence_score(item.output, references).score
    return {k: v / len(items) for k, v in sums.items()}


def harness(items: list[ScoringInput], workers: int, bootstrap: int, work: Path) -> dict[str, float]:
    cfg = OmegaConf.merge(OmegaConf.structured(MetricsConfig), {"workers": workers, "bootstrap_samples": bootstrap})
    folder = RunFolder(Path(tempfile.mkdtemp(dir=work)))
    result = score_stream([RougeMetric(lang="de"), SentenceChrF()], iter(items), len(items), folder, cfg)
    folder.close()
    return {k: v["value"] for k, v in result["metrics"].items()}


def children_cpu() -> float | None:
    """CPU seconds of this process's child processes, with those of the children they have reaped (the
    fork server's workers), once every worker has exited; None without /proc."""
    if not Path("/proc/self/task").is_dir():
        return None
    deadline = time.monotonic() + 30
    children = _children(os.getpid())
    while any(_children(int(pid)) for pid in children) and time.monotonic() < deadline:
        time.sleep(0.05)
    ticks = 0
    for pid in children:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        ticks += sum(int(f) for f in fields[11:15])  # utime, stime, cutime, cstime
    return ticks / os.sysconf("SC_CLK_TCK")


def _children(pid: int) -> list[str]:
    try:
        tasks = Path(f"/proc/{pid}/task").iterdir()
        return [child for task in tasks for child in (task / "children").read_text().split()]
    except OSError:  # it has just exited
        return []


def rouge_frank(repeats: int) -> dict[str, object]:
    """pairs/s of the harness's ROUGE, rouge-score and rouge-score-rs on FRANK pairs (best of ``repeats``,
    wall clock; the ratio also in CPU seconds)."""
    import rouge_score_rs

    rows = frank_rows()
    pairs = [(r["reference"], r["summary"]) for r in rows]
    items = [ScoringInput(Example(r["id"], "", (r["reference"],)), r["summary"]) for r in rows]
    slow = rouge_scorer.RougeScorer(list(ROUGE_TYPES), use_stemmer=True)
    fast = rouge_score_rs.RougeScorer(list(ROUGE_TYPES), use_stemmer=True)
    metric = RougeMetric()
    jobs = {
        "rouge_score_direct": lambda: [slow.score(ref, out) for ref, out in pairs],
        "rouge_score_rs_direct": lambda: [fast.score(ref, out) for ref, out in pairs],
        "harness_rouge": lambda: (cached_lsum_text.cache_clear(), metric.score(items)),  # cold each time
    }
    seconds, cpu_seconds = {}, {}
    for label, job in jobs.items():
        best, best_cpu = math.inf, math.inf
        for _ in range(repeats):
            start, cpu = time.perf_counter(), time.process_time()
            job()
            best, best_cpu = min(best, time.perf_counter() - start), min(best_cpu, time.process_time() - cpu)
        seconds[label], cpu_seconds[label] = best, best_cpu
    ours = metric.score(items)
    for (reference, output), scores in zip(pairs, ours, strict=True):
        expected = slow.score(lsum_text(reference), lsum_text(output))
        assert all(scores[name] == expected[name].fmeasure for name in ROUGE_TYPES)
    start = time.perf_counter()
    for reference, output in pairs:
        lsum_text(reference), lsum_text(output)
    split = time.perf_counter() - start
    texts = [" ".join(text.split()) for pair in pairs for text in pair]
    return {
        "pairs": len(pairs),
        "signature": metric.signature(),
        "texts_on_the_plain_sentence_path": sum(plain_sentences(t) is not None for t in texts) / len(texts),
        "pairs_per_second": {k: len(pairs) / v for k, v in seconds.items()}
        | {"sentence_split_alone": len(pairs) / split},
        "harness_vs_rouge_score_direct": seconds["rouge_score_direct"] / seconds["harness_rouge"],
        # The same ratio in CPU seconds (this process's): less disturbed where other jobs share the cores.
        "harness_vs_rouge_score_direct_cpu": cpu_seconds["rouge_score_direct"] / cpu_seconds["harness_rouge"],
        "rouge_score_rs_vs_rouge_score_direct": seconds["rouge_score_direct"] / seconds["rouge_score_rs_direct"],
        "scores_identical_to_rouge_score": True,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--systems", type=int, default=16)
    parser.add_argument("--bootstrap", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=3, help="FRANK ROUGE timings: best of this many")
    args = parser.parse_args()
    frank = rouge_frank(args.repeats)
    print(json.dumps({"rouge_frank": frank}, indent=2), flush=True)
    references, systems = wmt17_outputs()
    items = [
        ScoringInput(Example(f"{name}:{i}", "", (reference,)), output)
        for name, outputs in list(systems.items())[: args.systems]
        for i, (reference, output) in enumerate(zip(references, outputs, strict=True))
    ]
    work = Path(tempfile.mkdtemp(prefix="harness-scoring-"))
    seconds: dict[str, float] = {}
    cpu: dict[str, dict[str, float | None]] = {}
    means: dict[str, dict[str, float]] = {}
    for label, job in (
        ("direct", lambda: direct(items)),
        ("harness_1_worker", lambda: harness(items, 1, args.bootstrap, work)),
        ("harness_2_workers", lambda: harness(items, 2, args.bootstrap, work)),
    ):
        start, own, others = time.perf_counter(), time.process_time(), children_cpu()
        means[label] = job()
        seconds[label] = time.perf_counter() - start
        after = children_cpu()
        children = after - others if after is not None and others is not None else None
        cpu[label] = {"parent": time.process_time() - own, "children": children}
    serial, parallel = cpu["harness_1_worker"]["parent"], cpu["harness_2_workers"]
    busiest = max(parallel["parent"] or 0.0, parallel["children"] or 0.0)
    for label in ("harness_1_worker", "harness_2_workers"):
        assert means[label] == means["harness_1_worker"]
        assert np.allclose([means[label][k] for k in means["direct"]], list(means["direct"].values()), rtol=1e-12)
    print(
        json.dumps(
            {
                "pairs": len(items),
                "cpus": os.cpu_count(),
                "seconds": seconds,
                "harness_vs_direct": seconds["harness_1_worker"] / seconds["direct"],
                "pairs_per_second": {k: len(items) / v for k, v in seconds.items()},
                "parallel_speedup": seconds["harness_1_worker"] / seconds["harness_2_workers"],
                "cpu_seconds": cpu,
                "parallel_speedup_on_free_cores": serial / busiest if parallel["children"] is not None else None,
                "load_average": os.getloadavg(),
                "means": means["direct"],
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
