"""``python -m harness view`` in a subprocess, for the tests that need the real server."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from conftest import ROOT


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
