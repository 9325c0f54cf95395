"""The score cache: per-example results of expensive metrics, so that re-scoring saved predictions
recomputes only the examples whose source, output or references changed.

An entry is keyed by the metric's signature (its settings, model and version) with the torch and
transformers versions, and by a hash of the example's source, output and references. Metrics opt in
with ``Metric.cache_scores`` (the model-based ones: BERTScore, faithfulness, NLI, COMET); cheap
metrics are recomputed, which costs less than a lookup.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from harness.core.sqlite_store import open_sqlite, select_many, write_rows
from harness.core.versions import library_versions
from harness.metrics.base import Metric, ScoringInput
from harness.runfolder.schema import CacheInfo

SCORE_CACHE_FILE = "scores.sqlite"  # under run.cache_dir


def metric_key(signature: str) -> str:
    payload = {"signature": signature, "libraries": library_versions()}
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode("utf-8")).hexdigest()


def item_key(item: ScoringInput) -> str:
    digest = hashlib.sha256()
    for part in (item.example.source, item.output, *item.example.references):
        digest.update(part.encode("utf-8"))
        digest.update(b"\0")
    return digest.hexdigest()


class ScoreCache:
    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.hits = 0
        self.misses = 0
        # signature -> key, computed once per signature: keyed by the signature itself, never by
        # id(metric), as CPython gives a new object the id of a freed one.
        self._keys: dict[str, str] = {}
        self._db = open_sqlite(
            self.path,
            "CREATE TABLE IF NOT EXISTS scores (metric TEXT NOT NULL, item TEXT NOT NULL, result TEXT NOT NULL,"
            " PRIMARY KEY (metric, item)) WITHOUT ROWID",
        )

    def score(self, metric: Metric, chunk: Sequence[ScoringInput]) -> list[dict[str, Any]]:
        """``metric.score(chunk)``, computing only the examples that are not cached yet."""
        if not metric.cache_scores:
            return metric.score(chunk)
        signature = metric.signature()
        if signature not in self._keys:
            self._keys[signature] = metric_key(signature)
        key = self._keys[signature]
        items = [item_key(item) for item in chunk]
        found = self._lookup(key, items)
        missing = [i for i, item in enumerate(items) if item not in found]
        self.hits += len(items) - len(missing)
        self.misses += len(missing)
        fresh = metric.score([chunk[i] for i in missing]) if missing else []
        write_rows(
            self._db,
            "INSERT OR REPLACE INTO scores VALUES (?, ?, ?)",
            [(key, items[i], json.dumps(result)) for i, result in zip(missing, fresh, strict=True)],
        )
        found.update({items[i]: result for i, result in zip(missing, fresh, strict=True)})
        return [found[item] for item in items]

    def _lookup(self, key: str, items: list[str]) -> dict[str, dict[str, Any]]:
        rows = select_many(self._db, "SELECT item, result FROM scores WHERE metric = ? AND item IN ({})", key, items)
        return {item: json.loads(result) for item, result in rows}

    def info(self) -> CacheInfo:
        return CacheInfo(enabled=True, hits=self.hits, misses=self.misses, path=str(self.path))

    def close(self) -> None:
        self._db.close()
