"""Checks shared by the bad-input tests (tests/test_bad_inputs_*.py)."""

from __future__ import annotations

import hashlib
from pathlib import Path


def assert_one_line_error(status: int, stderr: str, *culprits: str, code: int = 2) -> str:
    """The exit status is ``code`` and stderr is one ``harness: error:`` line naming every culprit."""
    lines = stderr.strip().splitlines()
    assert status == code, stderr
    assert len(lines) == 1 and lines[0].startswith("harness: error: "), stderr
    for culprit in culprits:
        assert culprit in lines[0], (culprit, lines[0])
    return lines[0]


def tree_digest(root: Path) -> dict[str, str]:
    """Every file under ``root`` with the sha256 of its bytes: equal digests mean nothing was written."""
    return {
        str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }
