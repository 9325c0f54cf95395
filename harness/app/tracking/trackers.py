"""The trackers by name, each an optional extra: a missing one is an :class:`InputError` naming the
install command."""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from typing import Any, Protocol

from harness.app.tracking.record import LoggedRun, TrackedRun
from harness.core.errors import InputError, RunFailed

EXTRAS = {"mlflow": ("mlflow", "MLflow"), "wandb": ("wandb", "Weights & Biases")}


class TrackingFailed(RunFailed):
    """The tracker refused or could not be reached; the run folders are untouched (exit status 1)."""


class Tracker(Protocol):
    def log(self, runs: Sequence[TrackedRun], parent: str | None = None, again: bool = False) -> list[LoggedRun]:
        """Log ``runs`` (as children of a new run named ``parent``, if given); the trackers' runs. A run
        folder logged before is found by its digest and not logged twice, unless ``again``."""
        ...


def require(name: str) -> None:
    """Raise a one-line :class:`InputError` with the install command when ``name``'s library is missing."""
    module, title = EXTRAS[name]
    if importlib.util.find_spec(module) is None:
        raise InputError(
            f"tracking to {name} needs {title}, which is not installed: pip install -e '.[{name}]' "
            f"(or pip install 'harness[{name}]')"
        )


def make_tracker(name: str, **options: Any) -> Tracker:
    """The tracker ``name`` (``mlflow`` or ``wandb``) with its options (``None`` values: the library's
    defaults)."""
    if name not in EXTRAS:
        raise InputError(f"unknown tracker {name!r}; expected one of {', '.join(EXTRAS)}")
    require(name)
    options = {key: value for key, value in options.items() if value is not None}
    if name == "mlflow":
        from harness.app.tracking.mlflow_tracker import MlflowTracker

        return MlflowTracker(**options)
    from harness.app.tracking.wandb_tracker import WandbTracker

    return WandbTracker(**options)


def log_runs(
    name: str, options: dict[str, Any], runs: Sequence[TrackedRun], parent: str | None = None, again: bool = False
) -> list[LoggedRun]:
    """Log ``runs`` to the tracker ``name``; its ids of the runs. A missing extra is an :class:`InputError`,
    anything the tracker raises a :class:`TrackingFailed` naming the command that logs the runs later."""
    require(name)
    try:
        return make_tracker(name, **options).log(runs, parent, again)
    except Exception as error:  # the tracker library's own errors (server, store, credentials)
        folders = " ".join(str(run.run_dir) for run in runs)
        raise TrackingFailed(
            f"logging to {name} failed ({type(error).__name__}: {error}); the run folders are kept: "
            f"python -m harness log {folders} --to {name}"
        ) from error
