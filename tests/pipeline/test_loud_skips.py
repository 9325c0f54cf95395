"""Missing system packages and data: a skip naming the install command locally, a failure in CI."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from testkit import ROOT

PROBE = """
from testkit import requires

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
    for name in ("conftest.py", "testkit.py"):
        shutil.copy(ROOT / "tests" / name, tmp_path / name)
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
    fails, first on PATH): the script exits non-zero before the venv, pip and pytest (stand-ins that
    leave a mark) ever run."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name, body in [
        ("apt-get", "exit 100"),
        ("pip", f"touch {tmp_path}/reached"),
        ("ruff", f"touch {tmp_path}/reached"),
        ("mypy", f"touch {tmp_path}/reached"),
        ("mkdocs", f"touch {tmp_path}/reached"),
        ("python3", f"touch {tmp_path}/reached"),
        ("python", f"touch {tmp_path}/reached"),
    ]:
        (bin_dir / name).write_text(f"#!/bin/sh\n{body}\n", encoding="utf-8")
        (bin_dir / name).chmod(0o755)
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}"}
    result = subprocess.run(["bash", str(ROOT / ".ci" / "run")], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert "error: apt-get could not install apertium/chromium/chromium-driver/slurm-wlm/munge" in result.stderr
    assert not (tmp_path / "reached").exists()


def _stand_ins(bin_dir: Path, log: Path, failing: str = "") -> dict[str, str]:
    """Stand-ins for apt-get, python3, pip, ruff, mypy, mkdocs and python, first on PATH, that log each call (with
    the virtual environment it runs in); ``failing`` exits 1. ``python3 -m venv DIR`` makes a DIR whose
    ``bin/activate`` only sets VIRTUAL_ENV, so that the stand-ins stay first on PATH."""
    bin_dir.mkdir()
    for name in ("apt-get", "python3", "pip", "ruff", "mypy", "mkdocs", "python"):
        status = 1 if name == failing else 0
        body = f'echo "{name} $*" >> {log}\necho "  in ${{VIRTUAL_ENV:-no venv}}" >> {log}\n'
        if name == "python3":
            body += 'mkdir -p "$3/bin" && echo "export VIRTUAL_ENV=$3" > "$3/bin/activate"\n'
        (bin_dir / name).write_text(f"#!/bin/sh\n{body}exit {status}\n", encoding="utf-8")
        (bin_dir / name).chmod(0o755)
    return {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}"}


def _calls(log: Path) -> list[tuple[str, str]]:
    """(command, the virtual environment it ran in) of each logged call but apt-get's."""
    lines = log.read_text().splitlines()
    return [(call, where.strip()) for call, where in zip(lines[::2], lines[1::2], strict=True) if call[:7] != "apt-get"]


def test_ci_script_lints_and_type_checks_before_the_tests(tmp_path: Path) -> None:
    """`.ci/run` makes a fresh virtual environment (no system site-packages), installs the README's
    `.[test]` alone and collects the tests there, then adds the lint and docs tools and runs ruff (lint and
    format check), mypy and the strict docs build before pytest, all in that environment; a lint failure
    stops it."""
    log = tmp_path / "calls.log"
    env = _stand_ins(tmp_path / "bin", log)
    result = subprocess.run(["bash", str(ROOT / ".ci" / "run")], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    calls = _calls(log)
    make_venv, venv = calls[0][0].split(), calls[0][0].split()[-1]
    assert make_venv[:3] == ["python3", "-m", "venv"] and len(make_venv) == 4  # no --system-site-packages
    assert calls[1:9] == [
        (command, f"in {venv}")
        for command in (
            "pip install -e .[test]",
            "python -m pytest --collect-only -q",
            "pip install -e .[test,dev,docs]",
            "ruff check .",
            "ruff format --check .",
            "mypy harness",
            f"mkdocs build --strict --site-dir {Path(venv).parent / 'site'}",
            "python -m pytest",
        )
    ]
    assert not Path(venv).exists()  # removed at the end

    log.unlink()
    env = _stand_ins(tmp_path / "bin-lint-fails", log, failing="ruff")
    result = subprocess.run(["bash", str(ROOT / ".ci" / "run")], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert "ruff check ." in log.read_text() and "python -m pytest\n" not in log.read_text()


def test_ci_script_stops_when_the_readme_install_does_not_collect(tmp_path: Path) -> None:
    """A test module that imports what the README's install lacks fails collection: `.ci/run` stops
    there, with the collection's output and the install command on stderr, before installing more."""
    log = tmp_path / "calls.log"
    env = _stand_ins(tmp_path / "bin", log, failing="python")
    result = subprocess.run(["bash", str(ROOT / ".ci" / "run")], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert "error: the tests do not collect after the README's install (pip install -e '.[test]')" in result.stderr
    assert [call for call, _ in _calls(log)][1:] == ["pip install -e .[test]", "python -m pytest --collect-only -q"]
