"""Fixtures and hooks every test shares (helpers to import are in ``testkit``)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from testkit import missing, run_harness


@pytest.fixture
def run_eval(tmp_path: Path) -> Callable[..., Path]:
    """Run one evaluation in-process into ``tmp_path/results`` (cwd stays the repo root)."""
    return lambda *overrides: run_harness(tmp_path / "results", *overrides)


def pytest_runtest_setup(item: pytest.Item) -> None:
    for mark in item.iter_markers("requires"):
        if not mark.kwargs["available"]:
            missing(mark.kwargs["what"], mark.kwargs["install"])


@pytest.fixture
def cli(capfd: pytest.CaptureFixture[str]) -> Callable[..., tuple[int, str, str]]:
    """``python -m harness ...`` in this process (imports paid once): its exit status, stderr and stdout."""
    from harness.app.cli.main import main

    def invoke(*args: str) -> tuple[int, str, str]:
        capfd.readouterr()
        try:
            status = main(list(args))
        except SystemExit as exit_:
            status = exit_.code if isinstance(exit_.code, int) else 1
        out, err = capfd.readouterr()
        return status, err, out

    return invoke
