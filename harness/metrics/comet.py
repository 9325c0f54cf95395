"""COMET (``pip install -e '.[comet]'``), loaded only when ``metrics.comet.model`` names a model.

``metrics.comet.model`` is a hub name (``Unbabel/wmt22-comet-da``, downloaded by COMET) or a local checkpoint
(``.../checkpoints/model.ckpt``). As for every metric model, one that cannot be loaded (the package
missing, no such checkpoint, no hub) stops the run before any work. Each example is scored against its
first reference; reference-free (QE) models such as CometKiwi ignore it.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

from harness.core.errors import ConfigError
from harness.core.versions import package_version
from harness.metrics.base import Metric, ScoringInput
from harness.metrics.config import MetricsConfig
from harness.metrics.metadata import HIGHER
from harness.metrics.signature import Signature
from harness.metrics.support.device import metric_device
from harness.models.base import ModelLoadError

INSTALL = "pip install -e '.[comet]'"  # as the README says


class CometMetric(Metric):
    name: ClassVar[str] = "comet"
    score_keys = {"comet": HIGHER}

    def __init__(self, model: str, batch_size: int = 8, device: str = "cpu") -> None:
        self.model_name = model
        self.batch_size = batch_size
        self.device = device
        self._placement = placement(device)
        try:
            from comet import download_model, load_from_checkpoint
        except ImportError as error:
            raise ModelLoadError(f"metrics.names=[comet] needs unbabel-comet: {INSTALL}") from error
        try:
            path = Path(model)
            self.model = load_from_checkpoint(str(path if path.is_file() else download_model(model)))
        except Exception as error:  # missing files, no hub: COMET raises many kinds
            raise ModelLoadError.unloadable("metrics.comet.model", model, error) from error

    def signature(self) -> str:
        return Signature(
            f"comet:{package_version('unbabel-comet')}", {"model": self.model_name, "refs": "first"}
        ).format()

    def score(self, batch: Sequence[ScoringInput]) -> list[dict[str, Any]]:
        if not batch:
            return []
        samples = []
        for item in batch:
            sample = {"src": item.example.source, "mt": item.output}
            if item.example.references:  # reference-free (QE) models ignore it
                sample["ref"] = item.example.references[0]
            samples.append(sample)
        prediction = self.model.predict(samples, batch_size=self.batch_size, progress_bar=False, **self._placement)
        return [{"comet": float(score)} for score in prediction.scores]


def placement(device: str) -> dict[str, Any]:
    """COMET's ``predict`` arguments (PyTorch Lightning's) that run it on ``device`` (a resolved torch device:
    ``cpu``, ``cuda``, ``cuda:N`` or ``mps``)."""
    kind, _, index = device.partition(":")
    if kind == "cpu":
        return {"gpus": 0}
    return {"gpus": 1, "accelerator": kind, "devices": [int(index)] if index else 1}


def build_comet(cfg: MetricsConfig, task: Any) -> Metric:
    if not cfg.comet.model:
        raise ConfigError(
            "metric 'comet' needs metrics.comet.model (e.g. Unbabel/wmt22-comet-da or a local model.ckpt)"
        )
    return CometMetric(cfg.comet.model, cfg.comet.batch_size, device=metric_device(cfg.device))
