"""``python -m harness view`` in a subprocess, for the tests that need the real server, and a digest of a
folder's files to show that the viewer left them as they were."""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from testkit import ROOT


@contextmanager
def serving(*args: str) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    """``python -m harness view ARGS`` in a subprocess; yields the URL it prints, and the process."""
    process = subprocess.Popen(
        [sys.executable, "-m", "harness", "view", *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "HARNESS_PROGRESS": "0"},
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        found = re.search(r"(http://\S+/)", line)
        assert found, f"no URL printed: {line!r} {process.stderr.read() if process.poll() is not None else ''}"
        yield found.group(1), process
    finally:
        process.terminate()
        process.wait(timeout=30)


def folder_digest(folder: Path) -> str:
    """SHA-256 over the names and bytes of every file and folder under ``folder``."""
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        digest.update(str(path.relative_to(folder)).encode())
        if path.is_file():
            digest.update(path.read_bytes())
    return digest.hexdigest()
