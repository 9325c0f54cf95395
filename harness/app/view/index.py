"""The viewer's examples index: one row per example and run in an in-memory SQLite database (never on
disk), so that sorting, filtering and paging 100,000 rows is one query per page.

Columns: the run, the example id and its position, the output, error and truncation, the key-fact verdict
counts (``facts.verdicts``), the auto_facts unsupported items, and every numeric score key of any run
except the per-fact indicators (which the verdict counts summarise). Sort and filter columns are looked
up in :attr:`ExamplesIndex.columns`, never pasted from a request into SQL.
"""

from __future__ import annotations

import math
import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from harness.app.view.marks import FACT_VERDICTS, UNSUPPORTED
from harness.results.compare import per_example_values
from harness.results.metric_meta import corpus_hook_of, is_per_fact
from harness.runfolder.load import Run

PAGE_SIZE = 50
VERDICTS = ("supported", "contradicted", "absent")
# Fixed columns: request name -> (SQL column, label).
FIXED = {
    "run": ("runs.label", "run"),
    "id": ("rows.id", "id"),
    "error": ("rows.error", "error"),
    "truncated": ("rows.truncated", "truncated"),
    "supported": ("rows.supported", "facts supported"),
    "contradicted": ("rows.contradicted", "facts contradicted"),
    "absent": ("rows.absent", "facts absent"),
    "unsupported": ("rows.unsupported", "auto_facts unsupported"),
}
VERDICT_FILTERS = {
    "contradicted": "rows.contradicted > 0",
    "absent": "rows.absent > 0",
    "clean": "rows.contradicted = 0",
    "unsupported": "rows.unsupported > 0",
}
STATUS_FILTERS = {"error": "rows.error IS NOT NULL", "ok": "rows.error IS NULL", "truncated": "rows.truncated = 1"}


@dataclass(frozen=True)
class Query:
    """What one table page asks for (parsed from the URL by the server)."""

    run: int | None = None
    text: str = ""  # substring of the source or the output (case-insensitive for ASCII)
    verdict: str = ""  # a key of VERDICT_FILTERS, or ""
    status: str = ""  # a key of STATUS_FILTERS, or ""
    ranges: Mapping[str, tuple[float | None, float | None]] = field(default_factory=dict)  # column -> [min, max]
    sort: str = ""  # a column; "" keeps the runs' example order
    descending: bool = False
    page: int = 1
    page_size: int = PAGE_SIZE


@dataclass(frozen=True)
class Row:
    run: int
    run_label: str
    id: str
    output: str | None
    error: str | None
    truncated: bool
    counts: dict[str, int]  # verdicts and unsupported items
    scores: dict[str, float | None]


@dataclass(frozen=True)
class Page:
    rows: list[Row]
    total: int  # rows matching the query
    page: int
    pages: int


class ExamplesIndex:
    """Every (run, example) row of ``runs`` in SQLite; :meth:`page` answers :class:`Query`."""

    def __init__(self, runs: Sequence[Run], labels: Sequence[str]) -> None:
        self.runs = list(runs)
        self.labels = list(labels)
        self.metrics = list(dict.fromkeys(name for run in runs for name in _score_keys(run) if not is_per_fact(name)))
        # Score columns are named by position (m0, m1, ...): score keys hold dots and any characters.
        self.columns: dict[str, str] = {name: sql for name, (sql, _) in FIXED.items()}
        self.columns.update({name: f"rows.m{i}" for i, name in enumerate(self.metrics)})
        self.db = sqlite3.connect(":memory:", check_same_thread=False)
        self._build()

    def _build(self) -> None:
        metric_columns = "".join(f", m{i} REAL" for i in range(len(self.metrics)))
        self.db.executescript(
            "CREATE TABLE runs (run INTEGER PRIMARY KEY, label TEXT);"
            "CREATE TABLE sources (key INTEGER PRIMARY KEY, source TEXT);"
            "CREATE TABLE rows (run INTEGER, pos INTEGER, id TEXT, source INTEGER, output TEXT, error TEXT, "
            f"truncated INTEGER, supported INTEGER, contradicted INTEGER, absent INTEGER, unsupported INTEGER"
            f"{metric_columns});"
        )
        self.db.executemany("INSERT INTO runs VALUES (?, ?)", enumerate(self.labels))
        sources: dict[str, int] = {}  # the same source text is stored once, whichever runs share it
        placeholders = ", ".join("?" * (11 + len(self.metrics)))
        for number, run in enumerate(self.runs):
            rows = list(_rows(number, run, self.metrics, sources))
            self.db.executemany(f"INSERT INTO rows VALUES ({placeholders})", rows)
        self.db.executemany("INSERT INTO sources VALUES (?, ?)", ((key, text) for text, key in sources.items()))
        self.db.execute("CREATE INDEX rows_order ON rows (run, pos)")
        self.db.execute("CREATE INDEX rows_id ON rows (id)")
        self.db.commit()

    def page(self, query: Query) -> Page:
        where, params = self._where(query)
        total = self.db.execute(
            f"SELECT COUNT(*) FROM rows JOIN sources ON sources.key = rows.source WHERE {where}"
            if query.text
            else f"SELECT COUNT(*) FROM rows WHERE {where}",
            params,
        ).fetchone()[0]
        pages = max(1, math.ceil(total / query.page_size))
        page = min(max(1, query.page), pages)
        order = "rows.run, rows.pos"
        if query.sort in self.columns:
            column = self.columns[query.sort]
            order = f"{column} IS NULL, {column} {'DESC' if query.descending else 'ASC'}, {order}"
        metric_columns = "".join(f", rows.m{i}" for i in range(len(self.metrics)))
        cursor = self.db.execute(
            "SELECT rows.run, runs.label, rows.id, rows.output, rows.error, rows.truncated, rows.supported, "
            f"rows.contradicted, rows.absent, rows.unsupported{metric_columns} "
            "FROM rows JOIN runs ON runs.run = rows.run "
            + ("JOIN sources ON sources.key = rows.source " if query.text else "")
            + f"WHERE {where} ORDER BY {order} LIMIT ? OFFSET ?",
            [*params, query.page_size, (page - 1) * query.page_size],
        )
        return Page([self._row(values) for values in cursor], total, page, pages)

    def _where(self, query: Query) -> tuple[str, list[Any]]:
        clauses: list[str] = ["1"]
        params: list[Any] = []
        if query.run is not None:
            clauses.append("rows.run = ?")
            params.append(query.run)
        if query.text:
            clauses.append("(instr(lower(rows.output), lower(?)) > 0 OR instr(lower(sources.source), lower(?)) > 0)")
            params += [query.text, query.text]
        if query.verdict:
            clauses.append(VERDICT_FILTERS[query.verdict])
        if query.status:
            clauses.append(STATUS_FILTERS[query.status])
        for name, (low, high) in query.ranges.items():
            column = self.columns[name]
            if low is not None:
                clauses.append(f"{column} >= ?")
                params.append(low)
            if high is not None:
                clauses.append(f"{column} <= ?")
                params.append(high)
        return " AND ".join(clauses), params

    def _row(self, values: Sequence[Any]) -> Row:
        run, label, example_id, output, error, truncated, *counts = values[:10]
        return Row(
            run=run,
            run_label=label,
            id=example_id,
            output=output,
            error=error,
            truncated=bool(truncated),
            counts=dict(zip((*VERDICTS, "unsupported"), counts, strict=True)),
            scores=dict(zip(self.metrics, values[10:], strict=True)),
        )


def _score_keys(run: Run) -> Iterator[str]:
    """A run's numeric score keys: those of its aggregates, then any per-example key they lack."""
    yield from run.metrics["metrics"]
    for record in run.scores:
        yield from (name for name, value in record["scores"].items() if isinstance(value, int | float))


def _rows(number: int, run: Run, metrics: Sequence[str], sources: dict[str, int]) -> Iterator[tuple[Any, ...]]:
    predictions, scores = run.predictions_by_id(), run.scores_by_id()
    errors = run.metrics.get("errors", {})
    # A corpus score (BLEU) per example: the score of that example's statistics alone, as compare's movers.
    corpus = {
        name: per_example_values(run, name)
        for name, aggregate in run.metrics["metrics"].items()
        if name in metrics and corpus_hook_of(aggregate) is not None
    }
    for position, example in enumerate(run.examples):
        example_id = str(example["id"])
        prediction: Mapping[str, Any] = predictions.get(example_id, {})
        record: Mapping[str, Any] = scores.get(example_id, {})
        details = record.get("details", {})
        verdicts = [fact.get("verdict") for fact in details.get(FACT_VERDICTS, [])]
        values = record.get("scores", {})
        source = sources.setdefault(str(example.get("source", "")), len(sources))
        yield (
            number,
            position,
            example_id,
            source,
            prediction.get("output"),
            prediction.get("error") or errors.get(example_id),
            int(bool(prediction.get("truncated"))),
            *(verdicts.count(verdict) for verdict in VERDICTS),
            len(details.get(UNSUPPORTED, [])),
            *(_number(corpus[name].get(example_id) if name in corpus else values.get(name)) for name in metrics),
        )


def _number(value: Any) -> float | None:
    """A stored score as a sortable number; NaN, infinities and non-numbers as NULL (no value)."""
    if isinstance(value, bool | int | float) and math.isfinite(value):
        return float(value)
    return None
