"""Are the seed runs' files the same as another checkout's? The check behind a refactor that promises no
behaviour change (issue 26): the four gate models run on the seed with this checkout's harness and with
the baseline's, each with a fresh cache, and every run-folder file is compared byte for byte; where bytes
differ, the file is compared again without what names the run and times it (run id, start and end,
stage and metric seconds, cache paths and keys, the output root). Prints one line per differing file
and IDENTICAL or NOT IDENTICAL (exit 1).

    python benchmarks/seed_identity.py --baseline /tmp/harness-195288d
    (a baseline checkout: mkdir -p /tmp/harness-195288d && git archive 195288d | tar -x -C /tmp/harness-195288d)
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
MODELS = ("tiny_t5", "tiny_bart", "lead", "textrank")
VOLATILE = {"run_id", "started", "finished", "git_commit", "timings", "wall_seconds", "examples_per_second"}
VOLATILE |= {"path", "seconds", "key"}  # cache paths and keys (each run has its own cache), generation time
STAGE_LINE = re.compile(r"# Run |- wall time|\| [a-z_ +]+ \| [0-9.]+ \|")


def run_seed(tree: Path, model: str, out: Path) -> Path:
    env = {**os.environ, "HARNESS_CACHE": tempfile.mkdtemp(), "HARNESS_PROGRESS": "0", "HF_HUB_OFFLINE": "1"}
    env["PYTHONPATH"] = str(tree)
    command = [sys.executable, "-m", "harness", "run", f"model={model}", "dataset=seed", f"run.output_root={out}"]
    subprocess.run(command, cwd=tree, env=env, check=True, capture_output=True)
    return next(out.rglob("run.json")).parent


def _drop(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _drop(v) for k, v in value.items() if k not in VOLATILE}
    return value


def without_identity(name: str, text: str) -> str:
    text = re.sub(r"/tmp/tmp\w+|/tmp/tmp\.\w+", "CACHE", text)
    if name == "config.yaml":
        return re.sub(r"(output_root|cache_dir): .*", r"\1: X", text)
    if name == "run.json":
        return json.dumps(_drop(json.loads(text)), sort_keys=True)
    if name == "predictions.jsonl":
        return "\n".join(json.dumps(_drop(json.loads(line)), sort_keys=True) for line in text.splitlines())
    if name == "summary.md":
        return "\n".join(line for line in text.splitlines() if not STAGE_LINE.match(line))
    return text


def _where(name: str, old: str, new: str) -> str:
    """For run.json, the top-level keys whose values differ."""
    if name != "run.json":
        return ""
    a, b = json.loads(old), json.loads(new)
    keys = sorted(k for k in a.keys() | b.keys() if a.get(k) != b.get(k))
    return " (" + ", ".join(f"{k}: {a.get(k)} -> {b.get(k)}" for k in keys) + ")"


def differences(old: Path, new: Path) -> list[str]:
    found = []
    for name in sorted({p.name for p in old.iterdir()} | {p.name for p in new.iterdir()}):
        a, b = old / name, new / name
        if not (a.is_file() and b.is_file()):
            found.append(f"{name}: only in {'the baseline' if a.is_file() else 'this checkout'}")
        elif a.read_bytes() != b.read_bytes():
            old_text, new_text = (without_identity(name, f.read_text("utf-8")) for f in (a, b))
            if old_text == new_text:
                found.append(f"{name}: same but for run identity and times")
            else:
                found.append(f"{name}: DIFFERS{_where(name, old_text, new_text)}")
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", type=Path, required=True, help="a checkout of the harness to compare with")
    parser.add_argument("--models", nargs="+", default=list(MODELS))
    args = parser.parse_args()
    identical = True
    with tempfile.TemporaryDirectory() as scratch:
        for model in args.models:
            old = run_seed(args.baseline.resolve(), model, Path(scratch) / "baseline" / model)
            new = run_seed(ROOT, model, Path(scratch) / "this" / model)
            for line in differences(old, new):
                identical &= "DIFFERS" not in line and "only in" not in line
                print(f"{model}: {line}")
    print("IDENTICAL" if identical else "NOT IDENTICAL")
    return 0 if identical else 1


if __name__ == "__main__":
    sys.exit(main())
