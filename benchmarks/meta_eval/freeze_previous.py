"""Freeze a metric's per-row results on the meta-evaluation data, as the "previous version" baseline
that ``harness meta-eval`` prints beside the next version.

Run it on the commit of the shipped version, before a new version replaces it; the file records that
commit (the harness code must be committed: a dirty tree is refused), the metric's signature and the
command. Every row of every file is scored (dev and holdout, val and test): a later meta-eval reads
the rows it reports.

    PYTHONPATH=. python benchmarks/meta_eval/freeze_previous.py --metric faithfulness --version "faithfulness v5"
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from harness.app.hydra_app import compose_config  # noqa: E402
from harness.app.meta_eval.data import load_rows  # noqa: E402
from harness.app.meta_eval.report import DETECTORS  # noqa: E402
from harness.app.meta_eval.scoring import previous_file, row_key, score_rows  # noqa: E402
from harness.core.task import task_spec  # noqa: E402
from harness.metrics.registry import build_metrics  # noqa: E402
from harness.pipeline.score_cache import SCORE_CACHE_FILE, ScoreCache  # noqa: E402

DATA = ("frank-valid.jsonl", "cliff-goyal21.jsonl")


def shared_data() -> Path:
    """``shared/data`` next to the repository, or next to a parent (for worktrees)."""
    found = [p / "shared" / "data" for p in REPO.parents if (p / "shared" / "data").is_dir()]
    return found[0] if found else REPO.parent / "shared" / "data"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--metric", required=True)
    parser.add_argument("--version", required=True, help='what the docs call it, e.g. "faithfulness v5"')
    parser.add_argument("--shared", type=Path, default=shared_data(), help="the folder of the data files")
    args = parser.parse_args()
    dirty = subprocess.run(["git", "status", "--porcelain", "harness"], cwd=REPO, capture_output=True, text=True)
    if dirty.stdout.strip():
        raise SystemExit(f"harness/ has uncommitted changes; commit them first:\n{dirty.stdout}")
    commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=REPO, capture_output=True, text=True, check=True)
    cfg = compose_config([f"metrics.names=[{args.metric}]"])
    metric = build_metrics(cfg.metrics, task_spec(cfg), [args.metric])[0]
    detector = DETECTORS.get(args.metric)
    keys = [detector.flag, detector.graded, detector.spans] if detector else [args.metric]
    cache = ScoreCache(Path(cfg.run.cache_dir) / SCORE_CACHE_FILE)
    frozen: dict[str, dict[str, object]] = {}
    for name in DATA:
        _, rows = load_rows(args.shared / name)
        for row, result in zip(rows, score_rows(metric, rows, cache), strict=True):
            frozen[row_key(row)] = {k: result[k] for k in keys if k in result}
        print(f"{name}: {len(rows)} rows scored", file=sys.stderr)
    cache.close()
    path = previous_file(args.metric)
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "version": args.version,
        "signature": metric.signature(),
        "commit": commit.stdout.strip(),
        "command": f"PYTHONPATH=. python benchmarks/meta_eval/freeze_previous.py --metric {args.metric} "
        f'--version "{args.version}"',
        "data": list(DATA),
        "rows": frozen,
    }
    path.write_text(json.dumps(payload, indent=0, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {path} ({len(frozen)} rows)", file=sys.stderr)


if __name__ == "__main__":
    main()
