"""sacrebleu metrics: corpus scores equal sacrebleu's CLI; per-example stats rebuild corpus scores."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import sacrebleu
from sacrebleu.metrics import BLEU, CHRF, TER

from harness.core.errors import ConfigError
from harness.data.example import Example
from harness.metrics.base import ScoringInput
from harness.metrics.metadata import corpus_hook
from harness.metrics.sacrebleu_metrics import SacreBleuMetrics
from harness.metrics.support.sacrebleu_adapter import CORPUS_METRICS, segment_statistics
from testkit import WMT17, read_metrics, requires_wmt17, run_harness

SYSTEMS = ["uedin-nmt.4722", "PROMT-Rule-based.4735"]

HYPS = ["The cat sat on the mat.", "Il pleut.", "A dog barked loudly at night", ""]
REFS = [
    ("The cat sat on a mat.", "There was a cat on the mat."),
    ("It is raining.", "It rains."),
    ("The dog barked loudly at night.", "At night a dog barked loudly."),
    ("Nothing.", "Nothing at all."),
]


def batch(hyps: list[str], refs: list[tuple[str, ...]]) -> list[ScoringInput]:
    return [ScoringInput(Example(str(i), "src", r), h) for i, (h, r) in enumerate(zip(hyps, refs, strict=True))]


def test_corpus_scores_equal_sacrebleu_api() -> None:
    metric = SacreBleuMetrics("en")
    values = metric.corpus(batch(HYPS, REFS))
    refs = [list(column) for column in zip(*REFS, strict=True)]
    assert values["bleu"] == BLEU().corpus_score(HYPS, refs).score
    assert values["chrf"] == CHRF().corpus_score(HYPS, refs).score
    assert values["chrf++"] == CHRF(word_order=2).corpus_score(HYPS, refs).score
    assert values["ter"] == TER().corpus_score(HYPS, refs).score
    assert (
        metric.signatures()["bleu"] == f"nrefs:2|case:mixed|eff:no|tok:13a|smooth:exp|version:{sacrebleu.__version__}"
    )


def test_per_example_stats_rebuild_corpus_scores() -> None:
    """The contract with paired significance tests: summed per-example stats give the corpus score."""
    metric = SacreBleuMetrics("en")
    items = batch(HYPS, REFS)
    per_example = metric.score(items)
    corpus = metric.corpus(items)
    hook = corpus_hook("sacrebleu")
    for name in CORPUS_METRICS:
        stats = [scores[hook.stats_key][name] for scores in per_example]
        assert all(isinstance(v, int | float) for row in stats for v in row)
        summed = np.array([[sum(column) for column in zip(*stats, strict=True)]])
        assert hook.scorer(name, metric.settings()[name])(summed)[0] == pytest.approx(corpus[name], abs=1e-9)
    sentence = BLEU().sentence_score(HYPS[0], list(REFS[0]))  # its statistics, through the public API
    assert per_example[0]["sacrebleu_stats"]["bleu"] == [
        sentence.sys_len,
        sentence.ref_len,
        *sentence.counts,
        *sentence.totals,
    ]
    assert per_example[0]["sentence_chrf"] == CHRF().sentence_score(HYPS[0], list(REFS[0])).score
    assert 0 <= per_example[1]["sentence_bleu"] < per_example[0]["sentence_bleu"] <= 100
    json.dumps(per_example)  # JSON-safe for scores.jsonl


def test_target_language_tokenisation() -> None:
    assert SacreBleuMetrics("zh").settings()["bleu"]["tokenize"] == "zh"
    assert SacreBleuMetrics("de").settings()["bleu"]["tokenize"] == "13a"
    assert SacreBleuMetrics("de", tokenize="intl").settings()["bleu"]["tokenize"] == "intl"
    assert "tok:zh" in SacreBleuMetrics("zh").signatures()["bleu"]
    assert "asian:yes" in SacreBleuMetrics("zh").signatures()["ter"]


def test_unavailable_tokenizer_is_a_config_error(monkeypatch: pytest.MonkeyPatch) -> None:
    def unavailable(*args: object, **kwargs: object) -> None:
        raise RuntimeError("Japanese tokenization requires extra dependencies")

    monkeypatch.setattr("harness.metrics.support.sacrebleu_adapter.BLEU", unavailable)
    with pytest.raises(ConfigError, match="metrics.sacrebleu.tokenize"):
        SacreBleuMetrics("ja")


def test_examples_without_references_are_left_out() -> None:
    metric = SacreBleuMetrics("en")
    items = batch(HYPS[:1], REFS[:1]) + [ScoringInput(Example("x", "src", ()), "out")]
    assert metric.score(items)[1] == {}
    assert metric.corpus(items)["chrf"] == CHRF().corpus_score(HYPS[:1], [[REFS[0][0]], [REFS[0][1]]]).score


def wmt_like(n: int) -> list[ScoringInput]:
    """``n`` outputs with two references each (every 9th example has none)."""
    words = ["der", "die", "das", "Haus", "Hund", "Katze", "lief", "schnell", "nach", "heute", "gestern", ",", "."]
    rng = np.random.default_rng(5)

    def sentence() -> str:
        return " ".join(rng.choice(words, size=int(rng.integers(1, 15))))

    return [
        ScoringInput(Example(str(i), "src", (sentence(), sentence()) if i % 9 else ()), sentence()) for i in range(n)
    ]


def fold(metric: SacreBleuMetrics, items: list[ScoringInput], chunk_size: int) -> dict[str, float]:
    """Corpus scores as scoring streams them: score a chunk, fold it, and finish after the last."""
    state: list = []
    for start in range(0, len(items), chunk_size):
        chunk = items[start : start + chunk_size]
        metric.corpus_update(state, chunk, metric.score(chunk))
    return metric.corpus_finish(state)


def test_streamed_corpus_scores_extract_each_segment_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each corpus metric reads an example's statistics once, in ``score``: the fold only adds them up
    (it used to keep every input and extract the earlier chunks' statistics again at the end)."""
    calls = {name: 0 for name in ("BLEU", "CHRF", "TER")}
    for cls in (BLEU, CHRF, TER):
        extract = cls._extract_corpus_statistics

        def counted(self, *args, _extract=extract, _name=cls.__name__):  # type: ignore[no-untyped-def]
            calls[_name] += 1
            return _extract(self, *args)

        monkeypatch.setattr(cls, "_extract_corpus_statistics", counted)
    items = wmt_like(600)
    fold(SacreBleuMetrics("de"), items, chunk_size=256)
    with_refs = sum(bool(item.example.references) for item in items)
    assert calls == {"BLEU": with_refs, "CHRF": 2 * with_refs, "TER": with_refs}  # chrF and chrF++


@pytest.mark.slow
@pytest.mark.parametrize("chunk_size", [1, 7, 600])
def test_streamed_corpus_scores_equal_sacrebleu(chunk_size: int) -> None:
    """Folded chunk by chunk, the corpus scores are sacrebleu's ``corpus_score`` to the last digit."""
    items = wmt_like(600)
    metric = SacreBleuMetrics("de")
    scores = fold(metric, items, chunk_size)
    scored = [item for item in items if item.example.references]
    hyps = [item.output for item in scored]
    refs = [list(column) for column in zip(*(item.example.references for item in scored), strict=True)]
    assert scores == {
        "bleu": BLEU(trg_lang="de").corpus_score(hyps, refs).score,
        "chrf": CHRF().corpus_score(hyps, refs).score,
        "chrf++": CHRF(word_order=2).corpus_score(hyps, refs).score,
        "ter": TER().corpus_score(hyps, refs).score,
    }
    assert metric.signatures()["bleu"].startswith("nrefs:2|")
    assert (
        segment_statistics(metric._metrics["ter"], hyps[0], [refs[0][0], refs[1][0]])
        == (metric.score(scored[:1])[0]["sacrebleu_stats"]["ter"])
    )


def cli_scores(reference: Path, hypothesis: Path, metrics: list[str], width: int) -> list[float]:
    """What ``sacrebleu REF -i SYS -m ... -b -w WIDTH`` prints."""
    printed = subprocess.run(
        [
            sys.executable,
            "-m",
            "sacrebleu",
            str(reference),
            "-i",
            str(hypothesis),
            "-m",
            *metrics,
            "-b",
            "-w",
            str(width),
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return json.loads(printed)


@pytest.mark.slow
@requires_wmt17
@pytest.mark.parametrize("system", SYSTEMS)
def test_wmt17_run_equals_sacrebleu_cli(system: str, tmp_path: Path) -> None:
    """A full run (model=predictions, dataset=parallel_text without a source) against the CLI's figures."""
    reference = WMT17 / "newstest2017.ref.de"
    hypothesis = WMT17 / "systems" / f"newstest2017.{system}.en-de"
    folder = run_harness(
        tmp_path,
        "task=translate",
        "task.target_lang=de",
        "model=predictions",
        f"model.path={hypothesis}",
        "dataset=parallel_text",
        f"dataset.references=[{reference}]",
        "metrics.names=[bleu,chrf,ter]",
    )
    metrics = read_metrics(folder)
    assert metrics["bleu"]["n"] == 3004
    assert (
        metrics["bleu"]["signature"] == f"nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:{sacrebleu.__version__}"
    )
    bleu, chrf = cli_scores(reference, hypothesis, ["bleu", "chrf"], 1)  # the default printout
    assert (f"{metrics['bleu']['value']:.1f}", f"{metrics['chrf']['value']:.1f}") == (f"{bleu:.1f}", f"{chrf:.1f}")
    printed = cli_scores(reference, hypothesis, ["bleu", "chrf", "ter"], 4)
    ours = [metrics[name]["value"] for name in ("bleu", "chrf", "ter")]
    assert [f"{v:.4f}" for v in ours] == [f"{v:.4f}" for v in printed]
