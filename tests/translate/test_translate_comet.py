"""COMET is optional, but a run that asks for it and cannot load it stops before any work (exit 2), as
for every other metric model, naming the README's install command when the package is missing."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from bad_input import assert_one_line_error
from harness.core.errors import ConfigError
from harness.metrics.comet import CometMetric
from harness.models.base import ModelLoadError
from testkit import run_harness


def test_a_missing_package_names_the_install_command(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "comet", None)  # as without the extra: importing it fails
    with pytest.raises(
        ModelLoadError, match=r"metrics\.names=\[comet\] needs unbabel-comet: pip install -e '\.\[comet\]'"
    ):
        CometMetric("Unbabel/wmt22-comet-da")


def test_an_unloadable_model_stops_the_run_before_any_work(
    cli: Callable[..., tuple[int, str, str]], tmp_path: Path
) -> None:
    outputs = tmp_path / "out.txt"
    outputs.write_text("Hola.\n" * 12, encoding="utf-8")
    status, stderr, _ = cli(
        "run",
        "task=translate",
        "model=predictions",
        f"model.path={outputs}",
        "dataset=seed",
        "metrics.names=[chrf,comet]",
        "metrics.comet.model=/nonexistent/model.ckpt",
        f"run.output_root={tmp_path / 'results'}",
    )
    assert_one_line_error(status, stderr, "comet")
    assert not (tmp_path / "results").exists()


def test_comet_needs_a_configured_model(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="metrics.comet.model"):
        run_harness(tmp_path, "task=translate", "model=apertium", "dataset=seed", "metrics.names=[comet]")
