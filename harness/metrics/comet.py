"""COMET (``pip install 'harness[comet]'``), loaded only when ``metrics.comet.model`` names a model.

``metrics.comet.model`` is a hub name (``Unbabel/wmt22-comet-da``, downloaded by COMET) or a local checkpoint
(``.../checkpoints/model.ckpt``). Where the package or the model is unavailable, the metric is
skipped: it warns once, scores nothing, and records the reason in ``metrics.json`` under ``tables``.
Each example is scored against its first reference; reference-free (QE) models such as CometKiwi
ignore it.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any, ClassVar

from harness.errors import ConfigError
from harness.metrics.base import Metric, ScoringInput
from harness.metrics.config import MetricsConfig
from harness.metrics.metadata import HIGHER


class CometMetric(Metric):
    name: ClassVar[str] = "comet"
    score_keys = {"comet": HIGHER}

    def __init__(self, model: str, batch_size: int = 8, gpus: int = 0) -> None:
        self.model_name = model
        self.batch_size = batch_size
        self.gpus = gpus
        self.skipped: str | None = None
        self.model: Any = None
        try:
            self.model = self._load()
        except Exception as error:  # ImportError, missing files, no network: all mean "not available"
            self.skipped = f"COMET model {model!r} is not available, COMET skipped: {type(error).__name__}: {error}"
            print(f"warning: {self.skipped}", file=sys.stderr)

    def _load(self) -> Any:
        try:
            from comet import download_model, load_from_checkpoint
        except ImportError as error:
            raise ImportError("unbabel-comet is not installed (pip install 'harness[comet]')") from error
        path = Path(self.model_name)
        checkpoint = path if path.is_file() else Path(download_model(self.model_name))
        return load_from_checkpoint(str(checkpoint))

    def signature(self) -> str:
        try:
            package = version("unbabel-comet")
        except PackageNotFoundError:
            package = "not-installed"
        return f"comet:{package}|model:{self.model_name}|refs:first"

    def score(self, batch: Sequence[ScoringInput]) -> list[dict[str, Any]]:
        if self.model is None or not batch:
            return [{} for _ in batch]
        samples = []
        for item in batch:
            sample = {"src": item.example.source, "mt": item.output}
            if item.example.references:  # reference-free (QE) models ignore it
                sample["ref"] = item.example.references[0]
            samples.append(sample)
        prediction = self.model.predict(samples, batch_size=self.batch_size, gpus=self.gpus, progress_bar=False)
        return [{"comet": float(score)} for score in prediction.scores]

    def tables(self, results: Sequence[dict[str, Any]]) -> dict[str, Any]:
        return {"comet": {self.model_name: {"skipped": self.skipped}}} if self.skipped else {}


def build_comet(cfg: MetricsConfig, task: Any) -> Metric:
    if not cfg.comet.model:
        raise ConfigError(
            "metric 'comet' needs metrics.comet.model (e.g. Unbabel/wmt22-comet-da or a local model.ckpt)"
        )
    return CometMetric(cfg.comet.model, cfg.comet.batch_size)
