"""Inputs shared by the benchmarks: tiny-model inputs from the seed article, FRANK validation and the WMT17
en-de outputs."""

from __future__ import annotations

import json
from pathlib import Path

# ../shared beside the repository (a git worktree sits deeper, so look further up too), as in tests/conftest.py.
_ROOT = Path(__file__).resolve().parents[1]
SHARED = next((p / "shared" for p in _ROOT.parents if (p / "shared" / "data").is_dir()), _ROOT.parent / "shared")
WMT17 = SHARED / "data" / "wmt17-en-de"


def frank_rows() -> list[dict]:
    """FRANK validation: 671 summaries of 149 articles, with their references."""
    lines = (SHARED / "data" / "frank-valid.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]


def write_inputs(path: Path, n: int) -> Path:
    """``n`` JSONL rows of one to four sentences from the seed article (the tiny models' own vocabulary)."""
    from harness.models.tiny import training_corpus  # imports torch: not for the benchmarks that only read data

    lines = training_corpus()
    with path.open("w", encoding="utf-8") as stream:
        for i in range(n):
            text = " ".join(lines[(i * 7 + k) % len(lines)] for k in range(1 + i % 4))
            stream.write(json.dumps({"source": text, "reference": lines[i % len(lines)]}) + "\n")
    return path


def wmt17_outputs() -> tuple[list[str], dict[str, list[str]]]:
    """The newstest2017 German references and each system's outputs (16 x 3,004 lines)."""
    if not WMT17.is_dir():
        raise SystemExit(f"{WMT17} is absent: the WMT17 data belong in ../shared/data/wmt17-en-de")
    references = (WMT17 / "newstest2017.ref.de").read_text(encoding="utf-8").splitlines()
    systems = {
        path.name.split(".")[1]: path.read_text(encoding="utf-8").splitlines()
        for path in sorted((WMT17 / "systems").iterdir())
    }
    assert all(len(lines) == len(references) for lines in systems.values())
    return references, systems
