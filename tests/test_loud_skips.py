"""Missing system packages and data: a skip naming the install command locally, a failure in CI."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT

PROBE = """
from conftest import requires

@requires(False, "the frobnicator", "apt-get install -y frobnicator")
def test_needs_the_frobnicator():
    pass

@requires(True, "python", "nothing")
def test_has_python():
    pass
"""


@pytest.mark.parametrize("ci", ["", "true"])
@pytest.mark.slow
def test_missing_requirement_skips_locally_and_fails_in_ci(ci: str, tmp_path: Path) -> None:
    shutil.copy(ROOT / "tests" / "conftest.py", tmp_path / "conftest.py")
    (tmp_path / "test_probe.py").write_text(PROBE, encoding="utf-8")
    env = {**os.environ, "CI": ci, "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-rsf", "-p", "no:cacheprovider", "test_probe.py"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    message = "the frobnicator is missing; install: apt-get install -y frobnicator"
    if ci:
        assert result.returncode == 1 and "1 passed" in result.stdout and "1 error" in result.stdout  # in setup
        assert f"CI=true and {message}" in result.stdout
    else:
        assert result.returncode == 0 and "1 passed, 1 skipped" in result.stdout
        assert any(line.startswith("SKIPPED [1]") and line.endswith(message) for line in result.stdout.splitlines())


def test_ci_script_stops_when_apt_get_fails(tmp_path: Path) -> None:
    """`.ci/run` on a machine where apt-get cannot install apertium/chromium (a stand-in apt-get that
    fails, first on PATH): the script exits non-zero before pip and pytest (stand-ins that leave a
    mark) ever run."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name, body in [
        ("apt-get", "exit 100"),
        ("pip", f"touch {tmp_path}/reached"),
        ("ruff", f"touch {tmp_path}/reached"),
        ("mypy", f"touch {tmp_path}/reached"),
        ("python", f"touch {tmp_path}/reached"),
    ]:
        (bin_dir / name).write_text(f"#!/bin/sh\n{body}\n", encoding="utf-8")
        (bin_dir / name).chmod(0o755)
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}"}
    result = subprocess.run(["bash", str(ROOT / ".ci" / "run")], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert "error: apt-get could not install apertium/chromium/slurm-wlm/munge" in result.stderr
    assert not (tmp_path / "reached").exists()


def _stand_ins(bin_dir: Path, log: Path, failing: str = "") -> dict[str, str]:
    """Stand-ins for apt-get, pip, ruff, mypy and python, first on PATH, that log each call; ``failing``
    exits 1."""
    bin_dir.mkdir()
    for name in ("apt-get", "pip", "ruff", "mypy", "python"):
        status = 1 if name == failing else 0
        (bin_dir / name).write_text(f'#!/bin/sh\necho "{name} $*" >> {log}\nexit {status}\n', encoding="utf-8")
        (bin_dir / name).chmod(0o755)
    return {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}"}


def test_ci_script_lints_and_type_checks_before_the_tests(tmp_path: Path) -> None:
    """`.ci/run` runs ruff (lint and format check) and mypy before pytest; a lint failure stops it."""
    log = tmp_path / "calls.log"
    env = _stand_ins(tmp_path / "bin", log)
    result = subprocess.run(["bash", str(ROOT / ".ci" / "run")], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    calls = [line for line in log.read_text().splitlines() if not line.startswith("apt-get")]
    assert calls[:5] == [
        "pip install -e .[test,dev]",
        "ruff check .",
        "ruff format --check .",
        "mypy harness",
        "python -m pytest",
    ]

    log.unlink()
    env = _stand_ins(tmp_path / "bin-lint-fails", log, failing="ruff")
    result = subprocess.run(["bash", str(ROOT / ".ci" / "run")], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert "ruff check ." in log.read_text() and "python" not in log.read_text()
