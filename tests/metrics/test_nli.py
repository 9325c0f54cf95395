import random
from pathlib import Path
from types import SimpleNamespace

import pytest
import torch
from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors, trainers
from transformers import BertConfig, BertForSequenceClassification, PreTrainedTokenizerFast

from harness.data.example import Example
from harness.metrics.base import ScoringInput
from harness.metrics.nli import NLIFaithfulnessMetric, find_label_id
from harness.models.base import ModelLoadError

SOURCE = "The council approved the budget on Tuesday. The schools will open in 2027. Critics voted against it."


def build_tiny_nli(path: Path, id2label: dict[int, str]) -> Path:
    """A randomly initialised 2-layer BERT classifier with a WordPiece tokenizer trained here."""
    rng = random.Random(0)
    vocabulary = [f"w{i}" for i in range(300)] + SOURCE.lower().replace(".", " .").split()
    corpus = [" ".join(rng.choice(vocabulary) for _ in range(12)) for _ in range(400)]
    tokenizer = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tokenizer.normalizer = normalizers.BertNormalizer(lowercase=True)
    tokenizer.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    special = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    tokenizer.train_from_iterator(corpus, trainers.WordPieceTrainer(vocab_size=400, special_tokens=special))
    cls, sep = tokenizer.token_to_id("[CLS]"), tokenizer.token_to_id("[SEP]")
    tokenizer.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]",
        pair="[CLS] $A [SEP] $B:1 [SEP]:1",
        special_tokens=[("[CLS]", cls), ("[SEP]", sep)],
    )
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tokenizer,
        unk_token="[UNK]",
        pad_token="[PAD]",
        cls_token="[CLS]",
        sep_token="[SEP]",
        mask_token="[MASK]",
        model_max_length=128,
    )
    torch.manual_seed(0)
    config = BertConfig(
        vocab_size=tokenizer.get_vocab_size(),
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=128,
        num_labels=len(id2label),
        id2label=id2label,
        label2id={label: i for i, label in id2label.items()},
    )
    BertForSequenceClassification(config).save_pretrained(path)
    fast.save_pretrained(path)
    return path


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    labels = {0: "entailment", 1: "neutral", 2: "contradiction"}
    return build_tiny_nli(tmp_path_factory.mktemp("nli"), labels)


def test_scores_in_unit_interval(tiny_model: Path) -> None:
    metric = NLIFaithfulnessMetric(str(tiny_model), batch_size=4, max_length=64)
    assert (metric.entailment_id, metric.contradiction_id) == (0, 2)
    example = Example(id="x", source=SOURCE)
    outputs = ["The council approved the budget. Schools open in 2027.", "Critics voted.", ""]
    results = metric.score([ScoringInput(example, output) for output in outputs])
    assert len(results) == 3
    for result in results:
        assert set(result) == {"nli_faithfulness", "nli_faithfulness.min_sentence", "nli_faithfulness.entailment"}
        assert all(0.0 <= value <= 1.0 for value in result.values())
    assert results[0]["nli_faithfulness.min_sentence"] <= results[0]["nli_faithfulness"]
    assert "model:" in metric.signature() and str(tiny_model) in metric.signature()


class StubClassifier(torch.nn.Module):
    """Fixed logits per (premise, hypothesis) row: P = (0.7, 0.2, 0.1) for (entailment, neutral,
    contradiction) when the premise mentions 2027, else (0.1, 0.2, 0.7)."""

    def __init__(self, tokenizer: PreTrainedTokenizerFast) -> None:
        super().__init__()
        self.tokenizer = tokenizer

    def forward(self, input_ids: torch.Tensor, **_: torch.Tensor) -> SimpleNamespace:
        rows = [
            [0.7, 0.2, 0.1] if "2027" in self.tokenizer.decode(ids) else [0.1, 0.2, 0.7] for ids in input_ids.tolist()
        ]
        return SimpleNamespace(logits=torch.tensor(rows).log())


def test_direction_and_best_chunk_with_fixed_logits(tiny_model: Path) -> None:
    """Entailment raises the score, contradiction lowers it: a sentence scores (P(e) - P(c) + 1) / 2
    for its best chunk (the one that mentions 2027: (0.7 - 0.1 + 1) / 2 = 0.8), never the worst (0.2)."""
    metric = NLIFaithfulnessMetric(str(tiny_model), chunk_sentences=2)
    metric.model = StubClassifier(metric.tokenizer)
    (result,) = metric.score([ScoringInput(Example(id="x", source=SOURCE), "The council met.")])
    assert result["nli_faithfulness"] == pytest.approx(0.8)
    assert result["nli_faithfulness.min_sentence"] == pytest.approx(0.8)
    assert result["nli_faithfulness.entailment"] == pytest.approx(0.7)
    (result,) = metric.score([ScoringInput(Example(id="y", source="Critics voted against it."), "They met.")])
    assert result["nli_faithfulness"] == pytest.approx(0.2)
    assert result["nli_faithfulness.entailment"] == pytest.approx(0.1)


def test_long_inputs_are_truncated_to_model_limit(tiny_model: Path) -> None:
    metric = NLIFaithfulnessMetric(str(tiny_model), chunk_sentences=50)  # default max_length 512
    assert metric.max_length == 128
    example = Example(id="long", source=" ".join([SOURCE] * 30))
    (result,) = metric.score([ScoringInput(example, "The council approved the budget.")])
    assert 0.0 <= result["nli_faithfulness"] <= 1.0


def test_chunking_groups_sentences(tiny_model: Path) -> None:
    metric = NLIFaithfulnessMetric(str(tiny_model), chunk_sentences=2)
    assert metric._chunks(SOURCE) == [
        "The council approved the budget on Tuesday. The schools will open in 2027.",
        "Critics voted against it.",
    ]


def test_vitaminc_style_labels(tmp_path: Path) -> None:
    path = build_tiny_nli(tmp_path, {0: "SUPPORTS", 1: "REFUTES", 2: "NOT ENOUGH INFO"})
    metric = NLIFaithfulnessMetric(str(path))
    assert (metric.entailment_id, metric.contradiction_id) == (0, 1)


def test_unknown_labels_raise_naming_the_model(tmp_path: Path) -> None:
    path = build_tiny_nli(tmp_path, {0: "LABEL_0", 1: "LABEL_1"})
    with pytest.raises(ModelLoadError, match=f"NLI model '{path}'.*entailment"):
        NLIFaithfulnessMetric(str(path))
    metric = NLIFaithfulnessMetric(str(path), entailment_label=1, contradiction_label="label_0")
    assert (metric.entailment_id, metric.contradiction_id) == (1, 0)


def test_bad_path_raises_clear_error(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-model"
    with pytest.raises(ModelLoadError, match="metrics.nli.name_or_path=.*could not be loaded"):
        NLIFaithfulnessMetric(str(missing))


def test_find_label_id() -> None:
    assert find_label_id({0: "CONTRADICTION", 1: "NEUTRAL", 2: "ENTAILMENT"}, ("entailment",), None) == 2
    assert find_label_id({0: "a"}, ("entailment",), None) is None
    assert find_label_id({0: "a"}, ("entailment",), 5) is None


@pytest.mark.slow
def test_nli_metric_through_a_run_with_the_tiny_classifier(tiny_model: Path, run_eval) -> None:
    import json

    run_dir = run_eval("metrics.names=[nli_faithfulness]", f"metrics.nli.name_or_path={tiny_model}")
    aggregate = json.loads((run_dir / "metrics.json").read_text())["metrics"]["nli_faithfulness"]
    assert 0.0 <= aggregate["value"] <= 1.0 and aggregate["n"] == 1
    assert str(tiny_model) in aggregate["signature"]


def test_clause_decision_is_the_most_probable_label(tiny_model: Path) -> None:
    """The clause decider of key facts: entailment (0.7) where the premise mentions 2027, else
    contradiction (0.7), never the label of the smaller probability."""
    metric = NLIFaithfulnessMetric(str(tiny_model))
    metric.model = StubClassifier(metric.tokenizer)
    assert metric.decide("The schools will open in 2027.", "They open soon.") == "entailment"
    assert metric.decide("Critics voted against it.", "They open soon.") == "contradiction"
