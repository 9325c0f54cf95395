"""The labelled key-fact suite: hand-written outputs for the seed article with every fact's expected verdict.

One YAML file per output language (``en.yaml``, ``es.yaml``, ``pl.yaml``). A case lists verdicts under
``expect`` and gives ``rest`` for every fact it does not list, so each case fixes the verdict of every
fact of the seed; a case that names an unknown fact or leaves a fact without a verdict is an error.
A case may name its ``kind`` of difficulty (one of ``KINDS``; ``basic`` when it names none), which the
benchmark reports on.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

SUITE_DIR = Path(__file__).resolve().parent
SEED = SUITE_DIR.parents[2] / "seeds" / "russia-dprk-pact.yaml"
VERDICTS = ("supported", "contradicted", "absent")
KINDS = ("basic", "relative_date", "event_date", "weakened_clause", "negation", "attribution", "number")


@dataclass(frozen=True)
class Case:
    id: str
    lang: str
    output: str
    expected: dict[str, str]  # fact id -> verdict, for every fact of the seed
    kind: str = "basic"
    gap: str | None = None  # a verdict the checker is known to get wrong yet (a strict xfail)


def load_cases(fact_ids: list[str], suite_dir: Path = SUITE_DIR) -> list[Case]:
    """Every case of every language file, with an expected verdict for each of ``fact_ids``."""
    cases: list[Case] = []
    for path in sorted(suite_dir.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for raw in data["cases"]:
            where = f"{path.name}: case {raw.get('id')!r}"
            expect = dict(raw.get("expect") or {})
            unknown = set(expect) - set(fact_ids)
            if unknown:
                raise ValueError(f"{where}: unknown fact ids {sorted(unknown)}")
            rest = raw.get("rest")
            missing = [f for f in fact_ids if f not in expect]
            if missing and rest is None:
                raise ValueError(f"{where}: no verdict for {missing}; list them or set rest")
            expected = {f: expect.get(f, rest) for f in fact_ids}
            bad = {f: v for f, v in expected.items() if v not in VERDICTS}
            if bad:
                raise ValueError(f"{where}: verdicts must be one of {VERDICTS}, got {bad}")
            kind = raw.get("kind", "basic")
            if kind not in KINDS:
                raise ValueError(f"{where}: kind must be one of {KINDS}, got {kind!r}")
            gap = raw.get("gap")
            case = Case(str(raw["id"]), str(data["lang"]), str(raw["output"]).strip(), expected, kind, gap)
            cases.append(case)
    ids = [c.id for c in cases]
    if len(ids) != len(set(ids)):
        raise ValueError(f"duplicate case ids in {suite_dir}")
    return cases
