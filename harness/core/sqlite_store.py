"""SQLite files shared by concurrent runs (the generation, score and judge caches): setup in WAL mode
under a file lock, short write transactions of redacted text (:mod:`harness.core.redaction`), and look-ups
of many keys at once."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from filelock import FileLock

from harness.core.errors import InputError
from harness.core.redaction import redact

_TIMEOUT_SECONDS = 60.0  # how long a writer waits for another run's write lock


def open_sqlite(path: Path, schema: str, option: str = "run.cache_dir") -> sqlite3.Connection:
    """A connection in autocommit and WAL mode, so that concurrent runs can share the file.

    Switching a fresh file to WAL needs an exclusive lock that SQLite refuses at once ("database is
    locked"), without its busy timeout, while another process is doing the same; so the setup (WAL
    switch and ``schema``) runs under a file lock next to the database.

    A folder that cannot be made or written, or a damaged file, is an :class:`InputError` naming the file
    and ``option`` (the setting that put it there). A damaged cache is not rebuilt in its place: it may be
    another tool's file, and moving it aside is the user's call (it holds nothing but cached results).
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with FileLock(f"{path}.lock", timeout=_TIMEOUT_SECONDS):
            db = sqlite3.connect(path, timeout=_TIMEOUT_SECONDS, isolation_level=None)
            try:
                db.execute("PRAGMA journal_mode=WAL")
                db.execute("PRAGMA synchronous=NORMAL")
                db.execute(schema)
            except BaseException:
                db.close()
                raise
    except OSError as error:
        raise InputError(
            f"{option}={path.parent}: cannot create or write the cache {path.name} there ({error.strerror or error})"
        ) from error
    except sqlite3.OperationalError as error:
        if "unable to open" not in str(error):
            raise  # "database is locked" past the timeout, ...: not a problem of the file itself
        raise InputError(f"{option}={path.parent}: cannot open the cache {path} ({error})") from error
    except sqlite3.DatabaseError as error:
        raise InputError(
            f"{path}: not a SQLite database, or a damaged one ({error}); it is a cache under {option}="
            f"{path.parent}: move it aside (it holds only cached results, computed again) or set {option}"
        ) from error
    return db


def write_rows(db: sqlite3.Connection, statement: str, rows: Sequence[tuple[Any, ...]]) -> None:
    """``executemany`` in one short write transaction; text values are redacted."""
    if not rows:
        return
    rows = [tuple(redact(value) if isinstance(value, str) else value for value in row) for row in rows]
    db.execute("BEGIN IMMEDIATE")
    try:
        db.executemany(statement, rows)
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


def select_many(db: sqlite3.Connection, query: str, key: str, items: Iterable[str]) -> list[tuple[Any, ...]]:
    """The rows of ``query`` (``?`` for ``key``, then ``IN ({})``) for every distinct item, asked in
    parts that stay under SQLite's bound-variable limit."""
    unique = sorted(set(items))
    rows: list[tuple[Any, ...]] = []
    for start in range(0, len(unique), 500):
        part = unique[start : start + 500]
        rows += db.execute(query.format(",".join("?" * len(part))), [key, *part]).fetchall()
    return rows
