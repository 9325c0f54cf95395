"""Key-fact verdicts on the labelled suite (tests/facts/facts_suite/*.yaml): accuracy, confusion, false contradictions.

Every case of the suite is an output written for the seed article with the expected verdict of every
fact; the checker runs exactly as the ``facts`` metric runs it (the seed's dateline as anchor, the
case's language, the offline MiniLM similarity for clause facts). Prints accuracy per fact kind, per
language and per expected verdict, the confusion matrix (expected x got), the number of false
contradictions (a fact marked contradicted that is not) and every wrong verdict; accuracy and false
contradictions are also given per kind of case (the difficulty a case was written for).

    python benchmarks/facts.py [--suite DIR]
    python benchmarks/facts.py --calibrate     # the clause threshold and keyword weight the suite allows

Calibration: for every clause fact of every case, the best sentence score (MiniLM similarity plus
weight x keyword share) must reach the threshold exactly when the expected verdict is not absent.
For each keyword weight it prints the band of thresholds with the fewest errors; the shipped
constants (``harness/facts/clauses.py``) sit inside the widest band.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from datetime import datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # this checkout's harness, even if another copy is installed
sys.path.insert(0, str(REPO / "tests" / "facts"))

import yaml  # noqa: E402

from facts_suite import KINDS, SEED, SUITE_DIR, VERDICTS, load_cases  # noqa: E402
from harness.facts import check_facts, load_fact_spec  # noqa: E402
from harness.facts.clauses import SIMILARITY_LANGS, sentence_pieces  # noqa: E402
from harness.facts.spec import ClauseFact  # noqa: E402
from harness.metrics.facts import KeyFactsMetric  # noqa: E402
from harness.metrics.support.embedder import sentence_similarity  # noqa: E402


def _accuracy_rows(title: str, rows: list[tuple[str, bool]]) -> list[str]:
    by_key: dict[str, list[bool]] = {}
    for key, ok in rows:
        by_key.setdefault(key, []).append(ok)
    lines = [f"| {title} | n | correct | accuracy |", "|---|---|---|---|"]
    for key, oks in by_key.items():
        lines.append(f"| {key} | {len(oks)} | {sum(oks)} | {100 * sum(oks) / len(oks):.1f}% |")
    return lines


def calibrate(cases: list, facts: tuple) -> None:
    """Print, per keyword weight, the thresholds that best separate clause mentions from absences."""
    samples: list[tuple[list[tuple[float, float]], bool, str]] = []  # (sim, share) per piece, about?, label
    for case in cases:
        if case.lang not in SIMILARITY_LANGS:  # the keyword groups decide alone there
            continue
        for fact in facts:
            if isinstance(fact, ClauseFact):
                pieces = sentence_pieces(fact, case.output, case.lang, sentence_similarity)
                flat = [(p.similarity, p.share) for whole, parts in pieces for p in (whole, *parts)]
                samples.append((flat, case.expected[fact.id] != "absent", f"{case.id}/{fact.id}"))
    print("| keyword weight | errors | threshold band | margin |")
    print("|---|---|---|---|")
    for weight in [w / 10 for w in range(0, 16)]:
        best = [max((sim + weight * share for sim, share in flat), default=0.0) for flat, _, _ in samples]
        about = [b for b, (_, yes, _) in zip(best, samples, strict=True) if yes]
        not_about = [b for b, (_, yes, _) in zip(best, samples, strict=True) if not yes]
        grid = [t / 100 for t in range(10, 200)]
        errors = {t: sum(b < t for b in about) + sum(b >= t for b in not_about) for t in grid}
        fewest = min(errors.values())
        band = [t for t in grid if errors[t] == fewest]
        low, high = (
            max((b for b in not_about if b < band[0]), default=0.0),
            min((b for b in about if b >= band[-1]), default=0.0),
        )
        print(f"| {weight:.1f} | {fewest} | {band[0]:.2f}..{band[-1]:.2f} | {high - low:.3f} |")
        for b, (_, yes, label) in zip(best, samples, strict=True):
            if fewest and (b >= band[0]) != yes:
                print(f"|   | {label}: {'about' if yes else 'not about'} but scores {b:.2f} | | |")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--suite", type=Path, default=SUITE_DIR)
    parser.add_argument("--calibrate", action="store_true", help="print clause threshold bands and stop")
    args = parser.parse_args()
    facts = load_fact_spec(SEED)
    anchor = datetime.fromisoformat(str(yaml.safe_load(SEED.read_text(encoding="utf-8"))["published"]))
    cases = load_cases([f.id for f in facts], args.suite)
    if args.calibrate:
        calibrate(cases, facts)
        return
    kinds = {f.id: f.kind for f in facts}
    start = time.perf_counter()
    rows: list[tuple[str, str, str, str, str]] = []  # case kind, lang, fact, expected, got
    wrong: list[str] = []
    for case in cases:
        for v in check_facts(case.output, facts, anchor=anchor, lang=case.lang, similarity=sentence_similarity):
            expected = case.expected[v.fact_id]
            rows.append((case.kind, case.lang, v.fact_id, expected, v.verdict))
            if v.verdict != expected:
                wrong.append(f"  {case.id} {v.fact_id}: expected {expected}, got {v.verdict} ({v.text!r}: {v.reason})")
    seconds = time.perf_counter() - start
    correct = sum(e == g for *_, e, g in rows)
    print(f"checker: {KeyFactsMetric().signature()}")
    print(
        f"suite: {args.suite} ({len(cases)} outputs: "
        + ", ".join(f"{n} {lang}" for lang, n in sorted(Counter(c.lang for c in cases).items()))
        + f"; {len(rows)} verdicts; {seconds:.1f} s)"
    )
    print(f"accuracy: {correct}/{len(rows)} = {100 * correct / len(rows):.1f}%")
    false_contradictions = sum(g == "contradicted" and e != "contradicted" for *_, e, g in rows)
    print(f"false contradictions: {false_contradictions}\n")
    print("| kind of case | outputs | verdicts | correct | accuracy | false contradictions |")
    print("|---|---|---|---|---|---|")
    for kind in KINDS:
        of_kind = [(e, g) for k, _, _, e, g in rows if k == kind]
        if of_kind:
            ok = sum(e == g for e, g in of_kind)
            false_c = sum(g == "contradicted" and e != "contradicted" for e, g in of_kind)
            n_cases = sum(c.kind == kind for c in cases)
            print(f"| {kind} | {n_cases} | {len(of_kind)} | {ok} | {100 * ok / len(of_kind):.1f}% | {false_c} |")
    print()
    print("\n".join(_accuracy_rows("fact kind", [(kinds[f], e == g) for _, _, f, e, g in rows])), "\n")
    print("\n".join(_accuracy_rows("language", [(lang, e == g) for _, lang, _, e, g in rows])), "\n")
    print("\n".join(_accuracy_rows("expected verdict", [(e, e == g) for *_, e, g in rows])), "\n")
    matrix = Counter((e, g) for *_, e, g in rows)
    print("| expected \\ got | " + " | ".join(VERDICTS) + " |")
    print("|---|" + "---|" * len(VERDICTS))
    for e in VERDICTS:
        print(f"| {e} | " + " | ".join(str(matrix[(e, g)]) for g in VERDICTS) + " |")
    if wrong:
        print(f"\nwrong verdicts ({len(wrong)}):")
        print("\n".join(wrong))


if __name__ == "__main__":
    main()
