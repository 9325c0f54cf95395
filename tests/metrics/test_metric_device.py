"""``metrics.device`` is the one device knob of every model-based scorer (issue 26): BERTScore, faithfulness,
the NLI checker, the MiniLM of ``facts``, COMET and a local LLM judge each run where it resolves to, the NLI
checker and the judge unless their own option says otherwise; ``run.json`` records where each ran.

No GPU is needed: torch is told it sees one, and each scorer's class is replaced by one that records
what its builder hands it (the models themselves are never loaded)."""

from __future__ import annotations

import sys
import types
from typing import Any

import pytest
import torch

from harness.app.hydra_app import compose_config
from harness.core.task import TaskSpec
from harness.data.example import Example
from harness.facts import load_fact_spec
from harness.metrics import comet, facts
from harness.metrics.base import ScoringInput
from harness.metrics.registry import METRICS
from harness.metrics.support import device
from harness.metrics.support.device import scorer_device
from testkit import ROOT, read_json

SEED = ROOT / "seeds" / "russia-dprk-pact.yaml"


class Built(Exception):
    """Raised instead of building a scorer: the keyword arguments its builder gave."""

    def __init__(self, kwargs: dict[str, Any]) -> None:
        super().__init__(kwargs)
        self.kwargs = kwargs


def build(*args: Any, **kwargs: Any) -> None:
    """Stands in for a scorer's class."""
    raise Built(kwargs)


@pytest.fixture
def gpu(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)


def test_a_scorer_s_own_option_wins_else_metrics_device(gpu: None) -> None:
    assert scorer_device("cuda:1") == "cuda:1"
    assert scorer_device("auto") == "cuda"
    assert scorer_device("cuda:1", None, "metrics.nli.device") == "cuda:1"
    assert scorer_device("cuda:1", "auto", "metrics.nli.device") == "cuda:1"  # auto: as metrics.device
    assert scorer_device("cuda:1", "cpu", "metrics.nli.device") == "cpu"


def test_an_own_device_the_machine_lacks_is_said_with_its_option(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    device._say.cache_clear()
    assert scorer_device("cpu", "cuda:0", "metrics.llm_judge.backend.device") == "cpu"
    assert capsys.readouterr().err == (
        "harness: warning: metrics.llm_judge.backend.device=cuda:0: CUDA is not available on this machine; "
        "the metrics run on the CPU\n"
    )


JUDGE = ["+judge=fluency", "metrics.llm_judge.backend.type=tiny_causal"]
JUDGE_BACKEND = ("harness.metrics.support.judges.backends", "HFChatBackend")
SCORERS = [  # metric, the class its builder makes (module, name), overrides it needs
    ("bertscore", ("harness.metrics.bertscore", "BertScoreMetric"), []),
    ("faithfulness", ("harness.metrics.faithfulness", "FaithfulnessMetric"), []),
    ("nli_faithfulness", ("harness.metrics.nli", "NLIFaithfulnessMetric"), ["metrics.nli.name_or_path=x"]),
    (
        "nli_faithfulness",
        ("harness.metrics.nli", "ClassifierChecker"),
        ["metrics.nli.name_or_path=x", "metrics.nli.kind=classifier"],
    ),
    (
        "nli_faithfulness",
        ("harness.metrics.nli", "Seq2SeqChecker"),
        ["metrics.nli.name_or_path=x", "metrics.nli.kind=seq2seq"],
    ),
    ("facts", ("harness.metrics.facts", "KeyFactsMetric"), []),
    ("comet", ("harness.metrics.comet", "CometMetric"), ["metrics.comet.model=x"]),
    ("llm_judge", JUDGE_BACKEND, JUDGE),
]


@pytest.mark.parametrize(("metric", "made", "overrides"), SCORERS, ids=[f"{m}-{c}" for m, (_, c), _ in SCORERS])
@pytest.mark.parametrize(
    ("device_overrides", "expected"),
    [
        (["metrics.device=cuda:1"], "cuda:1"),
        (["metrics.device=cpu"], "cpu"),
        (["metrics.device=auto"], "cuda"),
    ],
)
def test_each_scorer_is_built_on_the_resolved_device(
    gpu: None,
    monkeypatch: pytest.MonkeyPatch,
    metric: str,
    made: tuple[str, str],
    overrides: list[str],
    device_overrides: list[str],
    expected: str,
) -> None:
    module, name = made
    monkeypatch.setattr(f"{module}.{name}", build)
    cfg = compose_config([f"metrics.names=[{metric}]", *overrides, *device_overrides])
    with pytest.raises(Built) as built:
        METRICS.get(metric)(cfg.metrics, TaskSpec())
    assert built.value.kwargs["device"] == expected


@pytest.mark.parametrize(
    ("metric", "made", "own"),
    [
        ("nli_faithfulness", ("harness.metrics.nli", "NLIFaithfulnessMetric"), "metrics.nli.device=cpu"),
        (
            "llm_judge",
            ("harness.metrics.support.judges.backends", "HFChatBackend"),
            "metrics.llm_judge.backend.device=cpu",
        ),
    ],
)
def test_the_nli_checker_and_the_judge_may_override_it(
    gpu: None, monkeypatch: pytest.MonkeyPatch, metric: str, made: tuple[str, str], own: str
) -> None:
    monkeypatch.setattr(f"{made[0]}.{made[1]}", build)
    needs = JUDGE if metric == "llm_judge" else ["metrics.nli.name_or_path=x"]
    cfg = compose_config([f"metrics.names=[{metric}]", *needs, "metrics.device=cuda:1", own])
    with pytest.raises(Built) as built:
        METRICS.get(metric)(cfg.metrics, TaskSpec())
    assert built.value.kwargs["device"] == "cpu"


def test_facts_compares_sentences_with_the_minilm_on_its_device(monkeypatch: pytest.MonkeyPatch) -> None:
    asked: set[str] = set()

    def similarity(a: str, b: str, device: str = "cpu") -> float:
        asked.add(device)
        return 0.0

    monkeypatch.setattr(facts, "sentence_similarity", similarity)
    example = Example("a", "The treaty has a mutual defence clause.", meta={"facts": load_fact_spec(SEED)})
    metric = facts.KeyFactsMetric("en", device="cuda:1")
    metric.score([ScoringInput(example, "It includes a mutual defence clause against attack.")])
    assert asked == {"cuda:1"}


@pytest.mark.parametrize(
    ("where", "placement"),
    [
        ("cpu", {"gpus": 0}),
        ("cuda", {"gpus": 1, "accelerator": "cuda", "devices": 1}),
        ("cuda:1", {"gpus": 1, "accelerator": "cuda", "devices": [1]}),
        ("mps", {"gpus": 1, "accelerator": "mps", "devices": 1}),
    ],
)
def test_comet_predicts_on_its_device(monkeypatch: pytest.MonkeyPatch, where: str, placement: dict[str, Any]) -> None:
    """COMET was built with ``gpus=0`` whatever ``metrics.device`` said; its (faked) library now gets the
    PyTorch Lightning placement of the device."""
    calls: list[dict[str, Any]] = []

    class Model:
        def predict(self, samples: list[dict[str, str]], **kwargs: Any) -> Any:
            calls.append(kwargs)
            return types.SimpleNamespace(scores=[0.5] * len(samples))

    library = types.SimpleNamespace(download_model=lambda name: name, load_from_checkpoint=lambda path: Model())
    monkeypatch.setitem(sys.modules, "comet", library)
    metric = comet.CometMetric("Unbabel/wmt22-comet-da", batch_size=2, device=where)
    assert metric.score([ScoringInput(Example("a", "Hola.", ("Hello.",)), "Hello.")]) == [{"comet": 0.5}]
    assert calls == [{"batch_size": 2, "progress_bar": False, **placement}]
    assert metric.device == where


@pytest.mark.slow
def test_run_json_records_the_device_of_facts(run_eval) -> None:
    folder = run_eval("model=lead", "metrics.names=[rouge,facts]", "metrics.device=cpu")
    assert read_json(folder / "run.json")["metric_devices"] == {"facts": "cpu"}
