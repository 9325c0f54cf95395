"""FRANK validation's held-out articles (``frank_holdout.json``, drawn once and committed): meta-evaluation
reports on them, and nothing is chosen, fitted or trained on them."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

HOLDOUT_FILE = Path(__file__).resolve().parent / "frank_holdout.json"


@cache
def holdout_doc_ids() -> frozenset[str]:
    """The ``doc_id`` of every held-out FRANK validation article."""
    return frozenset(json.loads(HOLDOUT_FILE.read_text(encoding="utf-8"))["holdout_doc_ids"])
