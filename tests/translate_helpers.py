"""Shared helpers of the translation tests: run the harness in-process, read run folders."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hydra import compose, initialize_config_dir

from harness.config import register_configs
from harness.hydra_app import CONFIG_DIR
from harness.runner import run

ROOT = Path(__file__).resolve().parents[1]
# ../shared beside the repository (worktrees sit one level deeper, so look further up too).
SHARED = next((p / "shared" for p in ROOT.parents if (p / "shared" / "data").is_dir()), ROOT.parent / "shared")


def run_harness(output_root: Path, *overrides: str) -> Path:
    """``python -m harness run <overrides>`` in this process; returns the run folder."""
    register_configs()
    with initialize_config_dir(config_dir=CONFIG_DIR, version_base="1.3"):
        cfg = compose("config", overrides=[*overrides, f"run.output_root={output_root}"])
    return run(cfg)


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def read_metrics(folder: Path) -> dict[str, Any]:
    return json.loads((folder / "metrics.json").read_text(encoding="utf-8"))["metrics"]
