"""Finishing an interrupted run: ``run.resume=<run dir>``, or ``run.resume=auto`` for the newest
incomplete run of the same configuration under ``run.output_root``. A complete run with failed examples
can be named too: its failed examples are retried and it is scored again.

Before generation restarts, the folder is repaired: a line torn by a crash (kill -9 in the middle of a
write) is cut off, failed predictions are dropped so that they are retried, and files derived from the
predictions (``scores.jsonl``, ``metrics.json``, ``summary.md``) are removed, since scoring reruns.
Both repairs write a complete new file and rename it into place, so a crash during resume loses nothing.
A damaged line elsewhere (not the last: no crash writes it) stops the resume, naming the file and line,
before anything is changed.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from omegaconf import Container, DictConfig, ListConfig, OmegaConf

from harness.core.errors import InputError
from harness.runfolder.folder import RunFolder

# Settings that may change between the interrupted run and its resumption: they do not change results.
VOLATILE_KEYS = ("run.resume", "run.chunk_size", "run.cache", "run.cache_dir", "metrics.workers")
DERIVED_FILES = ("scores.jsonl", "metrics.json", "summary.md")


class ResumeError(InputError, ValueError):
    """The run named by ``run.resume`` cannot be resumed; the message says why."""


@dataclass
class ResumeState:
    """What an interrupted run already holds: ids listed in ``examples.jsonl`` and ids with an output."""

    listed: set[str] = field(default_factory=set)
    done: set[str] = field(default_factory=set)


def comparable(cfg: DictConfig | ListConfig | dict[str, Any]) -> dict[str, Any]:
    """The resolved config without :data:`VOLATILE_KEYS`."""
    plain = OmegaConf.to_container(cfg, resolve=True) if isinstance(cfg, Container) else json.loads(json.dumps(cfg))
    if not isinstance(plain, dict):
        raise InputError(f"a run's config.yaml is a mapping of config groups, not a {type(plain).__name__}")
    plain = cast(dict[str, Any], plain)  # the keys of a Hydra config are strings
    for dotted in VOLATILE_KEYS:
        group, key = dotted.split(".")
        plain.get(group, {}).pop(key, None)
    return plain


def find_resumable(cfg: DictConfig) -> RunFolder | None:
    """The folder ``run.resume`` names (checked), the newest matching incomplete run for ``auto``, else None."""
    setting = cfg.run.resume
    if not setting:
        return None
    wanted = comparable(cfg)
    if setting == "auto":
        runs = Path(cfg.run.output_root).glob("*/*/run.json")
        for run_json in sorted(runs, key=lambda p: (p.parent.parent.name, p.parent.name), reverse=True):
            folder = RunFolder.open(run_json.parent)
            if folder.status() != "complete" and comparable(folder.config()) == wanted:
                return folder
        return None
    folder = RunFolder.open(setting, option="run.resume")
    if folder.status() == "complete" and not folder.read_json("metrics.json").get("n_errors", 0):
        raise ResumeError(f"run.resume={setting}: the run is already complete, with no failed example to retry")
    stored = comparable(folder.config())
    if stored != wanted:
        raise ResumeError(f"run.resume={setting}: the run's config differs in {_differences(stored, wanted)}")
    return folder


def prepare(folder: RunFolder) -> ResumeState:
    """Repair an interrupted run folder (see the module docstring) and return what it already holds."""
    state = ResumeState(
        listed=_repair(folder.path / "examples.jsonl", keep_failed=True),
        done=_repair(folder.path / "predictions.jsonl", keep_failed=False),
    )
    for name in DERIVED_FILES:
        (folder.path / name).unlink(missing_ok=True)
    return state


def _repair(path: Path, keep_failed: bool) -> set[str]:
    """The ids of the complete lines of a JSONL file (without failed predictions unless ``keep_failed``);
    the file is rewritten, streaming and atomically, only when a line has to go."""
    if not path.is_file():
        return set()
    ids: set[str] = set()
    keep: list[bool] = []
    torn = False
    with path.open(encoding="utf-8") as stream:
        for number, line in enumerate(stream, 1):
            if not line.endswith("\n"):  # the last write, cut short by the crash
                torn = True
                break
            record = _record(line, path, number)
            keep.append(keep_failed or record.get("output") is not None)
            if keep[-1]:
                ids.add(record["id"])
    if not torn and all(keep):
        return ids
    temporary = path.with_name(f".{path.name}.tmp")
    with path.open(encoding="utf-8") as source, temporary.open("w", encoding="utf-8") as target:
        for line, kept in zip(source, keep, strict=False):  # a torn last line has no entry in keep: dropped
            if kept:
                target.write(line)
        target.flush()
        os.fsync(target.fileno())
    os.replace(temporary, path)
    return ids


def _record(line: str, path: Path, number: int) -> dict[str, Any]:
    """One complete line of a run folder's JSONL file: a record with an id, or a :class:`ResumeError`."""
    try:
        record = json.loads(line)
    except json.JSONDecodeError as error:
        raise ResumeError(
            f"{path} line {number}: not JSON ({error}); the line is damaged: repair or remove it and resume again "
            "(the other lines are kept)"
        ) from None
    if not isinstance(record, dict) or "id" not in record:
        raise ResumeError(f"{path} line {number}: expected a JSON object with an id; repair or remove the line")
    return record


def _differences(a: Any, b: Any, prefix: str = "") -> list[str]:
    if isinstance(a, dict) and isinstance(b, dict):
        return [d for k in sorted(set(a) | set(b)) for d in _differences(a.get(k), b.get(k), f"{prefix}{k}.")]
    return [] if a == b else [f"{prefix.rstrip('.')} ({a!r} there, {b!r} now)"]
