"""Hydra callbacks: after a multirun, one table with a row per run."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hydra.experimental.callback import Callback
from omegaconf import DictConfig


class MultirunTable(Callback):
    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        from harness.hydra_app import RUN_POINTER
        from harness.results.load_metrics import print_run_table

        pointers = sorted(Path(config.hydra.sweep.dir).glob(f"*/{RUN_POINTER}"), key=lambda p: int(p.parent.name))
        runs = [Path(p.read_text(encoding="utf-8").strip()) for p in pointers]
        if runs:
            print_run_table(runs)
