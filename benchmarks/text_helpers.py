"""Why the harness keeps three sentence splitters and two ``tokens()`` (issue 26): unifying any pair
moves numbers. For each pair, how often the two disagree and whether the numbers that depend on them
move when one stands in for the other:

- ``faithfulness.split_sentences`` vs ``core.sentences.split_sentences`` (pysbd): faithfulness on the
  FRANK dev rows whose summary the two split differently;
- ``facts.text.sentence_spans`` vs pysbd's sentences as spans: ``find_dates`` on FRANK texts (year-less
  dates take their sentence's year) and faithfulness (which checks dates) on the rows where they differ;
- ``faithfulness.split_sentences`` vs ``facts.text.sentence_spans``: faithfulness on FRANK dev rows;
- ``metrics.reference_free.tokens`` vs ``facts.text.tokens``: the reference-free values of the seed
  article's lead-3 summary (the committed ``lead`` baseline).

Faithfulness is calibrated on FRANK dev, so a pair that moves any of its values there stays apart.

    PYTHONPATH=. python benchmarks/text_helpers.py [--rows 20]
"""

from __future__ import annotations

import argparse
import json
import re
from collections.abc import Callable
from typing import Any

from _data import frank_rows
from harness.app.hydra_app import compose_config
from harness.core.sentences import split_sentences
from harness.core.task import task_spec
from harness.data.frank_holdout import holdout_doc_ids
from harness.data.loading import load_seed
from harness.facts import dates
from harness.facts import text as facts_text
from harness.metrics import faithfulness, reference_free
from harness.models.registry import build_model


def pysbd_spans(text: str) -> list[tuple[int, int]]:
    """``split_sentences``' sentences as character spans of ``text`` (it normalises whitespace)."""
    spans, at = [], 0
    for sentence in split_sentences(text):
        found = re.compile(r"\s+".join(re.escape(w) for w in sentence.split())).search(text, at)
        if found:
            spans.append(found.span())
            at = found.end()
    return spans


def spans_split(spans: Callable[[str], list[tuple[int, int]]]) -> Callable[[str], list[str]]:
    return lambda text: [" ".join(text[s:e].split()) for s, e in spans(text) if text[s:e].strip()]


def faithfulness_values(rows: list[dict[str, Any]], patch: Callable[[], None] | None = None) -> list[float]:
    """Faithfulness of each row, with ``patch`` applied first (undone after)."""
    saved = faithfulness.split_sentences, dates.sentence_spans
    if patch:
        patch()
    try:
        scored = faithfulness.FaithfulnessMetric().scorer.score([(r["article"], r["summary"]) for r in rows])
    finally:
        faithfulness.split_sentences, dates.sentence_spans = saved
    return [s["faithfulness"] for s in scored]


def moved(rows: list[dict[str, Any]], patch: Callable[[], None]) -> dict[str, Any]:
    before, after = faithfulness_values(rows), faithfulness_values(rows, patch)
    changes = [(round(b, 4), round(a, 4)) for b, a in zip(before, after, strict=True) if abs(a - b) > 1e-9]
    return {"rows_scored": len(rows), "faithfulness_changed": len(changes), "examples": changes[:3]}


def date_mentions(text: str, spans: Callable[[str], list[tuple[int, int]]]) -> list[tuple[Any, int, int]]:
    saved = dates.sentence_spans
    dates.sentence_spans = spans
    try:
        return [(m.value, m.start, m.end) for m in dates.find_dates(text)]
    finally:
        dates.sentence_spans = saved


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=20, help="FRANK rows scored per pair (at most)")
    args = parser.parse_args()
    rows = frank_rows()
    held = holdout_doc_ids()
    dev = [r for r in rows if r["doc_id"] not in held]
    articles = {r["doc_id"]: r["article"] for r in dev}
    own, normalise = faithfulness.split_sentences, faithfulness.normalise
    report: dict[str, Any] = {}

    def differ(split: Callable[[str], list[str]], text: str) -> bool:
        return own(normalise(text)) != split(normalise(text))

    pysbd_rows = [r for r in dev if differ(split_sentences, r["summary"])]
    other_articles = sum(differ(split_sentences, a) for a in articles.values())
    report["faithfulness_vs_pysbd"] = {
        "dev_articles_split_differently": f"{other_articles}/{len(articles)}",
        "dev_summaries_split_differently": f"{len(pysbd_rows)}/{len(dev)}",
        **moved(pysbd_rows[: args.rows], lambda: setattr(faithfulness, "split_sentences", split_sentences)),
    }

    old_spans = facts_text.sentence_spans
    texts = list(dict.fromkeys(t for r in rows for t in (r["article"], r["summary"])))
    date_rows = [
        r
        for r in rows
        if any(date_mentions(t, old_spans) != date_mentions(t, pysbd_spans) for t in (r["article"], r["summary"]))
    ]
    other_spans = sum(spans_split(old_spans)(t) != split_sentences(t) for t in texts)
    report["facts_spans_vs_pysbd"] = {
        "frank_texts_with_other_sentences": f"{other_spans}/{len(texts)}",
        "frank_rows_with_other_dates": f"{len(date_rows)}/{len(rows)}",
        **moved(date_rows[: args.rows], lambda: setattr(dates, "sentence_spans", pysbd_spans)),
    }

    facts_split = spans_split(old_spans)
    facts_rows = [r for r in dev if differ(facts_split, r["summary"])]
    report["faithfulness_vs_facts_spans"] = {
        "dev_summaries_split_differently": f"{len(facts_rows)}/{len(dev)}",
        **moved(facts_rows[: args.rows], lambda: setattr(faithfulness, "split_sentences", facts_split)),
    }

    cfg = compose_config(["model=lead", "dataset=seed"])
    task = task_spec(cfg)
    (example,) = load_seed(cfg.dataset, task)[:1]
    (output,) = [p.output for p in build_model(cfg.model, task).generate([example])]
    metric = reference_free.ReferenceFreeMetric()
    before = metric.score_one(example.source, output)
    saved = reference_free.tokens
    reference_free.tokens = lambda text: [t.text.lower() for t in facts_text.tokens(text)]
    try:
        after = metric.score_one(example.source, output)
    finally:
        reference_free.tokens = saved
    report["reference_free_tokens_vs_facts_tokens"] = {
        "seed_lead": {k: (before[k], after[k]) for k in before if before[k] != after[k]}
    }
    print(json.dumps(report, indent=2, default=str))


if __name__ == "__main__":
    main()
