"""A run folder: writing a new one, and opening one that exists (the contract is in
:mod:`harness.runfolder.schema`).

:meth:`RunFolder.open` is the one check that a folder is a run folder; it raises :class:`RunFolderError`,
naming the folder and what it lacks.

Nothing already written is overwritten: a new folder is created exclusively (with a numeric suffix if
the name is taken), JSONL files are only appended to, and the final JSON files are written to a
temporary name and renamed into place. Every text written is redacted first (:mod:`harness.core.redaction`):
no piece of an API key reaches a run folder, whatever record carried it.

A process writing a run holds an exclusive lock on the folder's ``.lock`` file (``fcntl.flock``, with its
PID inside), so that a second process (``run.resume``) cannot write into a live run. The operating system
drops the lock when the process ends, however it ends, so a crashed run's lock is stale and taken over;
a run that ends normally removes the file.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

import yaml
from omegaconf import DictConfig, OmegaConf

from harness.core.errors import InputError
from harness.core.redaction import redact
from harness.runfolder.schema import RunInfo

_UNSAFE = re.compile(r"[^A-Za-z0-9_.+-]+")


LOCK_FILE = ".lock"


class RunFolderError(InputError, ValueError):
    """A folder is not a run folder, or one of its files is missing or unreadable."""


class RunFolderBusy(InputError):
    """Another live process holds the run folder's lock."""


def _same_file(descriptor: int, path: Path) -> bool:
    """Whether ``path`` still names the open file ``descriptor``."""
    try:
        named = path.stat()
    except FileNotFoundError:
        return False
    opened = os.fstat(descriptor)
    return (named.st_dev, named.st_ino) == (opened.st_dev, opened.st_ino)


def _slug(text: str) -> str:
    return _UNSAFE.sub("-", text).strip("-") or "x"


class RunFolder:
    """A new run folder to write (:meth:`create`), or an existing one to read or finish (:meth:`open`)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._streams: dict[str, TextIO] = {}

    @classmethod
    def open(cls, path: str | Path, option: str | None = None) -> RunFolder:
        """The run folder at ``path`` (a folder holding ``run.json`` and ``config.yaml``), or
        :class:`RunFolderError` naming it (as ``option=path`` when an option named it) and what it lacks."""
        folder = Path(path)
        named = f"{option}={folder}" if option else str(folder)
        if not folder.is_dir():
            raise RunFolderError(f"{named}: not a directory")
        missing = [name for name in ("run.json", "config.yaml") if not (folder / name).is_file()]
        if missing:
            raise RunFolderError(f"{named}: not a run folder (no {' or '.join(missing)})")
        return cls(folder)

    def info(self) -> RunInfo:
        """``run.json``: what ran, where and how it went (rewritten as the run progresses)."""
        info: RunInfo = self.read_json("run.json")
        return info

    def status(self) -> str:
        """``running``, ``complete`` or ``failed`` (``running`` also for a run that was interrupted)."""
        return str(self.info().get("status", ""))

    def config(self) -> dict[str, Any]:
        """``config.yaml``, the resolved config of the run, as plain data."""
        path = self._existing("config.yaml")
        try:
            config = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as error:
            raise RunFolderError(f"{path}: invalid YAML ({error})") from error
        if not isinstance(config, dict):
            raise RunFolderError(f"{path}: expected a mapping of config groups, found {type(config).__name__}")
        return config

    def read_json(self, name: str) -> Any:
        path = self._existing(name)
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as error:
            raise RunFolderError(f"{path}: invalid JSON ({error})") from error

    def read_jsonl(self, name: str) -> list[Any]:
        path = self._existing(name)
        records = []
        with path.open(encoding="utf-8") as lines:
            for number, line in enumerate(lines, 1):
                if line.strip():
                    try:
                        records.append(json.loads(line))
                    except json.JSONDecodeError as error:
                        raise RunFolderError(f"{path}:{number}: invalid JSON ({error})") from error
        return records

    def _existing(self, name: str) -> Path:
        path = self.path / name
        if not path.is_file():
            raise RunFolderError(f"{path}: missing from the run folder")
        return path

    @contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the folder's lock while the block runs, or raise :class:`RunFolderBusy` naming the holder.

        The lock file is removed before the lock is released; a process that opened it meanwhile finds
        that its file is no longer the folder's and tries again."""
        path = self.path / LOCK_FILE
        while True:
            descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = os.read(descriptor, 32).decode("ascii", "replace").strip() or "?"
                os.close(descriptor)
                raise RunFolderBusy(
                    f"{self.path}: the run is still running (process {holder} holds {LOCK_FILE}); wait for it "
                    "to finish or stop it, or start a new run without run.resume"
                ) from None
            if _same_file(descriptor, path):
                break
            os.close(descriptor)
        try:
            os.ftruncate(descriptor, 0)
            os.write(descriptor, f"{os.getpid()}\n".encode("ascii"))
            yield
        finally:
            path.unlink(missing_ok=True)
            os.close(descriptor)

    @classmethod
    def create(
        cls, root: str | Path, task: str, model: str, dataset: str, now: datetime, option: str = "run.output_root"
    ) -> RunFolder:
        """A new run folder under ``root`` (which ``option`` set: an error names it)."""
        day = Path(root) / now.strftime("%Y-%m-%d")
        base = f"{now.strftime('%H-%M-%S')}_{_slug(task)}_{_slug(model)}_{_slug(dataset)}"
        try:
            day.mkdir(parents=True, exist_ok=True)
            for attempt in range(1, 1000):
                path = day / (base if attempt == 1 else f"{base}-{attempt}")
                try:
                    path.mkdir()
                except FileExistsError:
                    continue
                return cls(path)
        except OSError as error:
            raise RunFolderError(
                f"{option}={root}: cannot create a run folder there ({error.strerror or error}: {error.filename})"
            ) from error
        raise RunFolderError(f"{option}={root}: no free run folder name for {base} in {day}")

    def write_config(self, cfg: DictConfig) -> None:
        self._write_new("config.yaml", OmegaConf.to_yaml(cfg, resolve=True))

    def write_json(self, name: str, data: Any) -> None:
        """Write ``name`` atomically; ``run.json`` is rewritten as the run progresses, others once."""
        target = self.path / name
        if target.exists() and name != "run.json":
            raise FileExistsError(f"{target} exists; a run folder's files are never overwritten")
        temporary = target.with_name(f".{name}.tmp")
        text = json.dumps(data, indent=2, ensure_ascii=False, allow_nan=True) + "\n"
        temporary.write_text(redact(text), encoding="utf-8")
        os.replace(temporary, target)

    def append_jsonl(self, name: str, records: Sequence[Mapping[str, Any]]) -> None:
        """Append records and flush, so that a crash loses at most the records not yet handed in."""
        stream = self._streams.get(name)
        if stream is None:
            stream = self._streams[name] = (self.path / name).open("a", encoding="utf-8")
        for record in records:
            stream.write(redact(json.dumps(record, ensure_ascii=False)) + "\n")
        stream.flush()
        os.fsync(stream.fileno())

    def write_text(self, name: str, text: str) -> None:
        self._write_new(name, text)

    def close(self) -> None:
        for stream in self._streams.values():
            stream.close()
        self._streams.clear()

    def _write_new(self, name: str, text: str) -> None:
        with (self.path / name).open("x", encoding="utf-8") as stream:
            stream.write(redact(text))
