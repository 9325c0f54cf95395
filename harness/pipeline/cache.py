"""The generation cache: outputs shared across runs in one SQLite file, safe with concurrent runs.

An entry is keyed by the *model key* (a hash of everything in ``Model.identity()``, the task, its
languages and mode, and the torch and transformers versions, whose numerics the outputs depend on) and
the sha256 of the source text. Only successful outputs are stored, so failures are retried.

Only models whose identity pins their weights (a ``weights_hash`` of local files or a hub ``revision``)
are cached: their outputs are expensive and fully named by the key. Rule-based backends (``lead``,
``textrank``) are not: their code is their model, no key would notice it change, and they are cheap
to rerun. ``cacheable = False`` opts a backend out (``predictions``). ``run.json`` says why a run
was not cached.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from harness.core.sqlite_store import open_sqlite, select_many, write_rows
from harness.core.task import TaskSpec
from harness.core.versions import library_versions
from harness.models.base import Generation, Model
from harness.runfolder.schema import CacheInfo

CACHE_FILE = "generations.sqlite"  # under run.cache_dir
SCHEMA_VERSION = 1  # part of every key: bump when what an entry means changes


def model_key(identity: Mapping[str, Any], task: TaskSpec) -> str:
    """A hash of the model identity, the task, its languages and mode: equal keys mean equal outputs."""
    payload = {
        "schema": SCHEMA_VERSION,
        "identity": identity,
        "task": [task.name, task.source_lang, task.target_lang, task.mode],
        "libraries": library_versions(),
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode("utf-8")).hexdigest()


def source_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def cache_policy(model: Model, identity: Mapping[str, Any]) -> str | None:
    """Why ``model`` must not be cached, or None when it may be."""
    if not model.cacheable:
        return f"backend {identity.get('backend')!r} is not cached"
    if not (identity.get("weights_hash") or identity.get("revision")):
        return "no weights hash or revision pins the model's outputs (rule-based backends are cheap to rerun)"
    return None


class GenerationCache:
    """Outputs by (model key, source hash). Each call is one short transaction (WAL mode), so many
    runs may read and write the same file at once."""

    def __init__(self, path: str | Path, key: str) -> None:
        self.path = Path(path)
        self.key = key
        self.hits = 0
        self.misses = 0
        self._db = open_sqlite(
            self.path,
            "CREATE TABLE IF NOT EXISTS generations (model TEXT NOT NULL, source TEXT NOT NULL, output TEXT NOT NULL,"
            " seconds REAL NOT NULL, truncated INTEGER NOT NULL, PRIMARY KEY (model, source)) WITHOUT ROWID",
        )

    def get_many(self, texts: Sequence[str]) -> list[Generation | None]:
        """The cached generation of each text, or None; counts hits and misses."""
        keys = [source_key(t) for t in texts]
        rows = select_many(
            self._db,
            "SELECT source, output, seconds, truncated FROM generations WHERE model = ? AND source IN ({})",
            self.key,
            keys,
        )
        found = {s: Generation(output=o, seconds=sec, truncated=bool(t)) for s, o, sec, t in rows}
        results = [found.get(k) for k in keys]
        hits = sum(r is not None for r in results)
        self.hits += hits
        self.misses += len(results) - hits
        return results

    def put_many(self, items: Iterable[tuple[str, Generation]]) -> None:
        """Store the successful generations among ``(source text, generation)`` pairs."""
        rows = [
            (self.key, source_key(text), g.output, g.seconds, int(g.truncated))
            for text, g in items
            if g.output is not None and g.error is None
        ]
        write_rows(self._db, "INSERT OR REPLACE INTO generations VALUES (?, ?, ?, ?, ?)", rows)

    def info(self) -> CacheInfo:
        return CacheInfo(enabled=True, hits=self.hits, misses=self.misses, key=self.key[:16], path=str(self.path))

    def close(self) -> None:
        self._db.close()


def disabled_info(reason: str) -> CacheInfo:
    return CacheInfo(enabled=False, hits=0, misses=0, reason=reason)
