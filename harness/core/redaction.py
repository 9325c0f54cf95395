"""Secrets (API keys) kept out of everything the harness writes or prints.

A key is registered where it is read (:func:`register_secret`). From then on :func:`redact` replaces
it, and every piece of it of :data:`MIN_PIECE` or more characters (what a cut or a server's rewording
may leave of it), with :data:`REDACTED`. Redaction is applied where text leaves the process or is
stored, whatever produced the text: the run folder's files (:class:`~harness.runfolder.folder.RunFolder`),
the SQLite caches (:func:`~harness.core.sqlite_store.write_rows`), a cluster job's failure record, and
standard output and error, which are wrapped once a secret is registered (tracebacks and warnings
included). Text that is cut to a length (error bodies, quoted answers) is redacted before the cut
(:func:`clip`), so that no piece of a key straddling the cut survives it. Tracker uploads are made of
the run folder's files and so are redacted already.
"""

from __future__ import annotations

import sys
from typing import Any

MIN_PIECE = 8  # a shorter piece of a key says too little about it, and would match ordinary text
REDACTED = "[api key redacted]"

_pieces: set[str] = set()  # the MIN_PIECE-character windows of every registered secret (whole if shorter)


def register_secret(value: str | None) -> None:
    """Redact ``value`` from now on, in this process; also wraps the current standard streams."""
    if value:
        width = min(MIN_PIECE, len(value))
        _pieces.update(value[i : i + width] for i in range(len(value) - width + 1))
        _guard_streams()


def redact(text: str) -> str:
    """``text`` with every run of characters covered by pieces of a registered secret replaced."""
    if not _pieces or not text:
        return text
    spans = []
    for piece in _pieces:
        start = text.find(piece)
        while start != -1:
            spans.append((start, start + len(piece)))
            start = text.find(piece, start + 1)
    if not spans:
        return text
    parts: list[str] = []
    end = 0
    for start, stop in sorted(spans):
        if start > end or not parts:
            parts += [text[end:start], REDACTED]
        end = max(end, stop)
    return "".join(parts) + text[end:]


def clip(text: str, limit: int) -> str:
    """The first ``limit`` characters of ``text`` once redacted (never the other way round)."""
    return redact(text)[:limit]


class _RedactingStream:
    """A text stream that redacts what is written to it; everything else is the wrapped stream's."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        self._stream.write(redact(text))
        return len(text)

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def _guard_streams() -> None:
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        if stream is not None and not isinstance(stream, _RedactingStream):
            setattr(sys, name, _RedactingStream(stream))
