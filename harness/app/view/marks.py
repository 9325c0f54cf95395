"""What the example page highlights: in the source, each key fact's evidence; in an output, the report's
marks (contradicted key facts, auto_facts' unsupported items) and also auto_facts' flagged spans and the
MQM error spans of LLM judges. Text goes through :func:`harness.results.report.highlight`, which escapes it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from harness.results.compare import FACT_VERDICTS
from harness.results.report import UNSUPPORTED, Highlight, highlight, output_marks

FLAGGED = "auto_facts.flagged_spans"  # details key: list of {type, text, span}
MQM_ERRORS = ".errors"  # details key suffix of an LLM judge's MQM rubric: list of {span (text), category, severity}

__all__ = ["FACT_VERDICTS", "UNSUPPORTED", "evidence_html", "output_html", "unplaced_evidence"]


def _evidence(facts: Iterable[Any], source: str) -> list[tuple[Mapping[str, Any], tuple[int, int] | None]]:
    """Each key fact (``meta["facts"]``) with where its evidence is in ``source``, whatever the spacing
    between its words (None: not found)."""
    found = []
    for fact in facts:
        evidence = fact.get("evidence") if isinstance(fact, Mapping) else None
        if isinstance(evidence, str) and evidence.strip():
            match = re.search(r"\s+".join(map(re.escape, evidence.split())), source)
            found.append((fact, match.span() if match else None))
    return found


def evidence_html(source: str, facts: Iterable[Any]) -> str:
    """The escaped source with each key fact's evidence marked (the first of overlapping ones wins)."""
    marks = [
        Highlight(*span, "evidence", f"evidence of key fact {fact.get('id')}")
        for fact, span in _evidence(facts, source)
        if span
    ]
    return highlight(source, marks)


def unplaced_evidence(source: str, facts: Iterable[Any]) -> list[Mapping[str, Any]]:
    """Key facts whose evidence is not a passage of the source, listed instead of highlighted."""
    return [fact for fact, span in _evidence(facts, source) if span is None]


def _text_span(output: str, text: Any) -> tuple[int, int] | None:
    """Where a judge's quoted span first occurs in the output (judges quote text, not offsets)."""
    if not isinstance(text, str) or not text.strip():
        return None
    start = output.find(text)
    return (start, start + len(text)) if start >= 0 else None


def output_marks_all(output: str, details: Mapping[str, Any]) -> list[Highlight]:
    marks = output_marks(dict(details))
    for item in details.get(FLAGGED, []) or []:
        span = item.get("span") if isinstance(item, Mapping) else None
        if isinstance(span, list) and len(span) == 2 and all(isinstance(x, int) for x in span):
            marks.append(Highlight(span[0], span[1], "flagged", f"flagged by auto_facts: {item.get('type', '')}"))
    for key, errors in details.items():
        if key.startswith("llm_judge.") and key.endswith(MQM_ERRORS) and isinstance(errors, list):
            for error in errors:
                if not isinstance(error, Mapping):
                    continue
                span = _text_span(output, error.get("span"))
                if span:
                    note = f"MQM {error.get('severity', '')} {error.get('category', '')}"
                    marks.append(Highlight(*span, "mqm", note))
    return marks


def output_html(output: str, details: Mapping[str, Any]) -> str:
    """The escaped output with every span that a metric placed in it marked."""
    return highlight(output, output_marks_all(output, details))
