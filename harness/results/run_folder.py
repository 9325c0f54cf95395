"""Writing a run folder (the contract is in :mod:`harness.results.schema`).

Nothing already written is overwritten: a new folder is created exclusively (with a numeric suffix if
the name is taken), JSONL files are only appended to, and the final JSON files are written to a
temporary name and renamed into place.

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

from omegaconf import DictConfig, OmegaConf

from harness.errors import InputError

_UNSAFE = re.compile(r"[^A-Za-z0-9_.+-]+")


LOCK_FILE = ".lock"


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
    def __init__(self, path: Path) -> None:
        self.path = path
        self._streams: dict[str, TextIO] = {}

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
    def create(cls, root: str | Path, task: str, model: str, dataset: str, now: datetime) -> RunFolder:
        day = Path(root) / now.strftime("%Y-%m-%d")
        day.mkdir(parents=True, exist_ok=True)
        base = f"{now.strftime('%H-%M-%S')}_{_slug(task)}_{_slug(model)}_{_slug(dataset)}"
        for attempt in range(1, 1000):
            path = day / (base if attempt == 1 else f"{base}-{attempt}")
            try:
                path.mkdir()
            except FileExistsError:
                continue
            return cls(path)
        raise FileExistsError(f"{day}: no free run folder name for {base}")

    def write_config(self, cfg: DictConfig) -> None:
        self._write_new("config.yaml", OmegaConf.to_yaml(cfg, resolve=True))

    def write_json(self, name: str, data: Any) -> None:
        """Write ``name`` atomically; ``run.json`` is rewritten as the run progresses, others once."""
        target = self.path / name
        if target.exists() and name != "run.json":
            raise FileExistsError(f"{target} exists; a run folder's files are never overwritten")
        temporary = target.with_name(f".{name}.tmp")
        temporary.write_text(json.dumps(data, indent=2, ensure_ascii=False, allow_nan=True) + "\n", encoding="utf-8")
        os.replace(temporary, target)

    def append_jsonl(self, name: str, records: Sequence[Mapping[str, Any]]) -> None:
        """Append records and flush, so that a crash loses at most the records not yet handed in."""
        stream = self._streams.get(name)
        if stream is None:
            stream = self._streams[name] = (self.path / name).open("a", encoding="utf-8")
        for record in records:
            stream.write(json.dumps(record, ensure_ascii=False) + "\n")
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
            stream.write(text)
