"""Reading the user's text files (data, references, predictions, facts): a file that is a folder, empty,
not UTF-8 or not JSON Lines is an :class:`~harness.core.errors.InputError` naming the option, the file and,
where it matters, the line and byte offset."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from harness.core.errors import InputError


def check_file(path: Path, option: str) -> None:
    """``path`` exists, is a file and is not empty."""
    if path.is_dir():
        raise InputError(f"{option}: {path} is a folder; expected a file")
    if not path.is_file():
        raise InputError(f"{option}: {path} does not exist")
    if path.stat().st_size == 0:
        raise InputError(f"{option}: {path} is empty")


def check_utf8(path: Path, option: str) -> None:
    """Stream ``path`` (any size) and fail at the first line that is not UTF-8."""
    offset = 0
    with path.open("rb") as stream:
        for number, line in enumerate(stream, 1):
            try:
                line.decode("utf-8")
            except UnicodeDecodeError as error:
                raise InputError(
                    f"{option}: {path} line {number} (byte {offset + error.start}): not UTF-8 "
                    f"({error.reason} {line[error.start : error.end]!r}); expected a UTF-8 text file"
                ) from error
            offset += len(line)


def read_text(path: Path, option: str) -> str:
    """The text of a small UTF-8 file that must exist and hold more than whitespace."""
    check_file(path, option)
    check_utf8(path, option)
    text = path.read_text(encoding="utf-8")
    if not text.strip():
        raise InputError(f"{option}: {path} is empty")
    return text


def json_objects(path: Path, option: str) -> Iterator[tuple[int, dict[str, Any]]]:
    """The objects of a UTF-8 JSON Lines file with their line numbers (blank lines skipped); a line that is
    not JSON or not an object is an error naming it."""
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as error:
                raise InputError(f"{option}: {path} line {number}: not JSON ({error})") from None
            if not isinstance(record, dict):
                raise InputError(f"{option}: {path} line {number}: expected a JSON object, got {type(record).__name__}")
            yield number, record
