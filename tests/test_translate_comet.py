"""COMET is optional: skipped with a clear, recorded reason where the package or model is unavailable."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import read_metrics, run_harness
from harness.errors import ConfigError
from harness.metrics.comet import CometMetric


def test_unavailable_model_is_skipped_with_a_reason(capsys: pytest.CaptureFixture[str]) -> None:
    metric = CometMetric("/nonexistent/checkpoints/model.ckpt")
    assert metric.skipped and "COMET skipped" in metric.skipped
    assert "warning: COMET model" in capsys.readouterr().err
    assert metric.tables([]) == {"comet": {"/nonexistent/checkpoints/model.ckpt": {"skipped": metric.skipped}}}
    assert "model:/nonexistent/checkpoints/model.ckpt" in metric.signature()


def test_comet_needs_a_configured_model(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="metrics.comet.model"):
        run_harness(tmp_path, "task=translate", "model=apertium", "dataset=seed", "metrics.names=[comet]")


def test_skipped_comet_is_recorded_in_the_run(tmp_path: Path) -> None:
    outputs = tmp_path / "out.txt"
    outputs.write_text("Hola.\n" * 12, encoding="utf-8")
    folder = run_harness(
        tmp_path,
        "task=translate",
        "model=predictions",
        f"model.path={outputs}",
        "dataset=seed",
        "metrics.names=[chrf,comet]",
        "metrics.comet.model=/nonexistent/model.ckpt",
    )
    assert "chrf" in read_metrics(folder) and "comet" not in read_metrics(folder)
    tables = json.loads((folder / "metrics.json").read_text(encoding="utf-8"))["tables"]
    assert "COMET skipped" in tables["comet"]["/nonexistent/model.ckpt"]["skipped"]
    assert "COMET skipped" in (folder / "summary.md").read_text(encoding="utf-8")
