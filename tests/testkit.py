"""Helpers the tests share (imported as ``testkit``): where the project and its shared data are, running the
harness in-process or as a subprocess, reading run-folder files, and marking tests that need a system package."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any, NoReturn

import pytest

from harness.app.hydra_app import compose_config

ROOT = Path(__file__).resolve().parents[1]
# ../shared beside the repository (a git worktree sits deeper, so look further up too).
SHARED = next((p / "shared" for p in ROOT.parents if (p / "shared" / "data").is_dir()), ROOT.parent / "shared")
FRANK = SHARED / "data" / "frank-valid.jsonl"
WMT17 = SHARED / "data" / "wmt17-en-de"

os.environ.setdefault("HARNESS_PROGRESS", "0")
# Tiny models, generation and score caches of this test session live apart from the user's cache.
os.environ.setdefault("HARNESS_CACHE", tempfile.mkdtemp(prefix="harness-test-cache-"))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def run_harness(output_root: Path, *overrides: str) -> Path:
    """``python -m harness run <overrides>`` in this process, into ``output_root``; returns the run folder."""
    from harness.pipeline.runner import run

    return run(compose_config([f"run.output_root={output_root}", *overrides]))


def read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def read_metrics(run_dir: Path) -> dict[str, Any]:
    return read_json(run_dir / "metrics.json")["metrics"]


def assert_equal_up_to_floats(a: Any, b: Any, tolerance: float, where: str = "") -> None:
    """``a == b`` except that floats (at any depth) may differ by ``tolerance``: for model scores, whose
    float32 sums depend on how texts were batched."""
    if isinstance(a, float) and isinstance(b, float):
        assert a == pytest.approx(b, abs=tolerance, nan_ok=True), where
    elif isinstance(a, dict) and isinstance(b, dict):
        assert a.keys() == b.keys(), where
        for key in a:
            assert_equal_up_to_floats(a[key], b[key], tolerance, f"{where}.{key}")
    elif isinstance(a, list) and isinstance(b, list):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            assert_equal_up_to_floats(x, y, tolerance, f"{where}[{i}]")
    else:
        assert a == b, where


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def harness_cli(*args: str, cwd: Path = ROOT, check: bool = True) -> subprocess.CompletedProcess[str]:
    """``python -m harness ...`` in a subprocess, as a user would run it."""
    env = {**os.environ, "HARNESS_PROGRESS": "0", "HF_HUB_OFFLINE": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "harness", *args], cwd=cwd, capture_output=True, text=True, env=env, timeout=600
    )
    if check and result.returncode != 0:
        raise AssertionError(
            f"harness {' '.join(args)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}"
        )
    return result


IN_CI = os.environ.get("CI", "").lower() == "true"


def requires(available: bool, what: str, install: str) -> pytest.MarkDecorator:
    """Mark a test that needs something outside pip's reach: without it the test is skipped with the
    command that installs it, or fails when ``CI=true`` (so that CI cannot pass by skipping)."""
    return pytest.mark.requires(available=available, what=what, install=install)


def missing(what: str, install: str) -> NoReturn:
    """Skip the running test (or fixture) for want of ``what``; fail instead when ``CI=true``."""
    message = f"{what} is missing; install: {install}"
    if IN_CI:
        pytest.fail(f"CI=true and {message}", pytrace=False)
    pytest.skip(message)


requires_shared = requires(
    (SHARED / "data").is_dir(), f"{SHARED} (the project's shared data)", f"copy the shared data folder to {SHARED}"
)
requires_wmt17 = requires(WMT17.is_dir(), f"{WMT17} (WMT17 en-de systems)", f"copy the shared data folder to {SHARED}")
