"""MiniCheck-style checkers (harness.metrics.checkers) with tiny models of each architecture, built here
and loaded through the presets exactly as users load the hub models."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from tokenizers import (
    Tokenizer,
    decoders,
    models,
    normalizers,
    pre_tokenizers,
    processors,
    trainers,
)
from transformers import (
    DebertaV2Config,
    DebertaV2ForSequenceClassification,
    PreTrainedModel,
    PreTrainedTokenizerFast,
    RobertaConfig,
    RobertaForSequenceClassification,
    T5Config,
    T5ForConditionalGeneration,
)

from harness.core.errors import ConfigError
from harness.data.example import Example
from harness.metrics.base import ScoringInput
from harness.metrics.checkers import ClassifierChecker, Seq2SeqChecker
from harness.metrics.claim_support import budget_windows, word_count
from harness.metrics.facts import KeyFactsMetric, build_facts
from harness.metrics.nli import nli_model
from harness.models.tiny import TINY_T5_SIZE
from testkit import ROOT, compose_config, read_jsonl, read_metrics

SOURCE = "The council approved the budget on Tuesday. The schools will open in 2027. Critics voted against it."
PRESETS = {
    "roberta": "minicheck_roberta_large",
    "deberta": "minicheck_deberta_v3_large",
    "t5": "minicheck_flan_t5_large",
}
SPECIALS = {  # special tokens in id order, the single-text template, the eos that joins chunk and claim
    "roberta": (["<s>", "<pad>", "</s>", "<unk>"], "<s> $A </s>", "</s>"),
    "deberta": (["[PAD]", "[CLS]", "[SEP]", "[UNK]"], "[CLS] $A [SEP]", "[SEP]"),
    "t5": (["<pad>", "</s>", "<unk>"], "$A </s>", "</s>"),
}


def train_tokenizer(architecture: str) -> PreTrainedTokenizerFast:
    """Byte-level BPE where " 1" is one token and " 0" two (" ", "0"), as "1" and "0" are in Flan-T5's
    vocabulary (ids 209, and 3 then 632)."""
    special, template, eos = SPECIALS[architecture]
    tokenizer = Tokenizer(models.BPE(unk_token=special[-1]))
    tokenizer.normalizer = normalizers.NFC()
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=True)
    tokenizer.decoder = decoders.ByteLevel()
    corpus = [SOURCE, "predict: the claim is 1", *["1 1 1 1"] * 50]
    trainer = trainers.BpeTrainer(
        vocab_size=400,
        special_tokens=special,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tokenizer.train_from_iterator(corpus, trainer=trainer)
    tokenizer.post_processor = processors.TemplateProcessing(
        single=template, special_tokens=[(t, tokenizer.token_to_id(t)) for t in special if t in template]
    )
    names = {
        "<pad>": "pad_token",
        "[PAD]": "pad_token",
        "<unk>": "unk_token",
        "[UNK]": "unk_token",
        "<s>": "bos_token",
        "[CLS]": "cls_token",
    }
    kwargs = {names[t]: t for t in special if t in names}
    return PreTrainedTokenizerFast(tokenizer_object=tokenizer, eos_token=eos, model_max_length=4096, **kwargs)


def tiny_model(architecture: str, vocab_size: int) -> PreTrainedModel:
    torch.manual_seed(0)
    size = {"num_hidden_layers": 2, "num_attention_heads": 2, "hidden_size": 32, "intermediate_size": 64}
    if architecture == "roberta":
        config = RobertaConfig(vocab_size=vocab_size, max_position_embeddings=600, pad_token_id=1, **size)
        return RobertaForSequenceClassification(config)
    if architecture == "deberta":
        config = DebertaV2Config(
            vocab_size=vocab_size,
            max_position_embeddings=512,
            relative_attention=True,
            position_biased_input=False,
            pos_att_type=["p2c", "c2p"],
            pad_token_id=0,
            **size,
        )
        return DebertaV2ForSequenceClassification(config)
    config = T5Config(
        vocab_size=vocab_size,
        pad_token_id=0,
        eos_token_id=1,
        decoder_start_token_id=0,
        tie_word_embeddings=False,
        **TINY_T5_SIZE,
    )
    return T5ForConditionalGeneration(config)


def favour(model: PreTrainedModel, tokenizer: PreTrainedTokenizerFast, supported: bool) -> None:
    """Fixed weights whose answer is the same for every input: class 1 ("supported") or 0 for a
    classifier; the answer "1" or "0" for a seq2seq checker (cross-attention off, so the first decoder
    step sees only the start token, and the head scores "1" against "0" by +-8 on that state)."""
    sign = 1.0 if supported else -1.0
    with torch.no_grad():
        if isinstance(model, T5ForConditionalGeneration):
            for block in model.decoder.block:
                block.layer[1].EncDecAttention.o.weight.zero_()
            start = torch.zeros((1, 1), dtype=torch.long)
            state = model(input_ids=torch.tensor([[5, 6, 1]]), decoder_input_ids=start, output_hidden_states=True)
            hidden = state.decoder_hidden_states[-1][0, 0]
            one, zero = (tokenizer(w, add_special_tokens=False)["input_ids"][0] for w in ("1", "0"))
            model.lm_head.weight[one] = sign * 4 * hidden / hidden.dot(hidden)
            model.lm_head.weight[zero] = -sign * 4 * hidden / hidden.dot(hidden)
        else:
            head = (
                model.classifier.out_proj if isinstance(model, RobertaForSequenceClassification) else model.classifier
            )
            head.weight.zero_()
            head.bias.copy_(torch.tensor([-2.0 * sign, 2.0 * sign]))


def build(folder: Path, architecture: str, supported: bool | None = None) -> Path:
    tokenizer = train_tokenizer(architecture)
    model = tiny_model(architecture, len(tokenizer)).eval()
    if supported is not None:
        favour(model, tokenizer, supported)
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, bool | None], Path]:
    """Per (architecture, favoured answer or None for random weights), a saved tiny model."""
    return {
        (arch, answer): build(tmp_path_factory.mktemp(f"{arch}-{answer}"), arch, answer)
        for arch in PRESETS
        for answer in (True, False, None)
    }


def checker(preset: str, path: Path, *overrides: str) -> ClassifierChecker | Seq2SeqChecker:
    """The checker a run builds from ``+nli_model=<preset>`` with the preset's model path pointed at ``path``."""
    cfg = compose_config([f"+nli_model={preset}", f"metrics.nli.name_or_path={path}", *overrides])
    built = nli_model(cfg.metrics)
    assert isinstance(built, (ClassifierChecker, Seq2SeqChecker))
    return built


@pytest.mark.parametrize("architecture", list(PRESETS))
def test_the_favoured_answer_sets_the_direction(architecture: str, tiny: dict) -> None:
    """Through the preset: a model that always answers "supported" scores near 1 (the supported class
    or token is the one read), one that always answers "unsupported" near 0."""
    example = Example(id="x", source=SOURCE)
    outputs = ["The schools open in 2027. The council met.", "Critics voted."]
    for answer, expected in ((True, 0.98), (False, 0.02)):
        metric = checker(PRESETS[architecture], tiny[architecture, answer])
        results = metric.score([ScoringInput(example, output) for output in outputs])
        for result in results:
            assert result["nli_faithfulness"] == pytest.approx(expected, abs=0.02)
            assert result["nli_faithfulness.truncated"] == 0.0
        assert metric.decide(SOURCE, "The council met.") == ("entailment" if answer else "neutral")


def test_flan_t5_preset_reads_the_first_tokens_of_0_and_1(tiny: dict) -> None:
    metric = checker(PRESETS["t5"], tiny["t5", None])
    assert isinstance(metric, Seq2SeqChecker)
    one = metric.tokenizer("1", add_special_tokens=False)["input_ids"]
    zero = metric.tokenizer("0", add_special_tokens=False)["input_ids"]
    assert len(one) == 1 and len(zero) == 2  # like Flan-T5: "1" is one token, "0" is "▁" then "0"
    assert metric.label_ids == [zero[0], one[0]]
    assert metric.input_prefix == "predict: " and metric.chunk_words == 500 and metric.max_length == 2048
    assert f"answers:0/1={zero[0]}/{one[0]}" in metric.signature()


def test_label_words_that_start_alike_are_refused(tiny: dict) -> None:
    with pytest.raises(ConfigError, match=r"label_words=\['1', '10'\]: both start with token"):
        checker(PRESETS["t5"], tiny["t5", None], "metrics.nli.label_words=[1,'10']")


def test_classifier_presets_read_class_1_and_the_authors_settings(tiny: dict) -> None:
    roberta = checker(PRESETS["roberta"], tiny["roberta", None])
    deberta = checker(PRESETS["deberta"], tiny["deberta", None])
    assert isinstance(roberta, ClassifierChecker) and isinstance(deberta, ClassifierChecker)
    assert roberta.supported_id == deberta.supported_id == 1
    assert (roberta.chunk_tokens, roberta.max_length, deberta.chunk_tokens, deberta.max_length) == (400, 512, 400, 2048)
    assert "supported:1" in roberta.signature() and "chunk:400tokens" in roberta.signature()


def both_mention(word: str, chunk: str, claim: str) -> bool:
    return word in chunk and word in claim


def support_from_text(metric: ClassifierChecker | Seq2SeqChecker):
    """A stub for ``_support`` that reads each input back: 0.9 where chunk and claim both mention 2027,
    0.6 where both mention the council, else 0.1."""

    def support(encoded) -> torch.Tensor:
        values = []
        for ids in encoded["input_ids"].tolist():
            text = metric.tokenizer.decode(ids, skip_special_tokens=False)
            chunk, claim = text.split(metric.tokenizer.eos_token)[:2]
            values.append(
                0.9 if both_mention("2027", chunk, claim) else 0.6 if both_mention("council", chunk, claim) else 0.1
            )
        return torch.tensor(values)

    return support


@pytest.mark.parametrize("architecture", ["roberta", "t5"])
def test_max_over_chunks_then_mean_over_sentences(architecture: str, tiny: dict) -> None:
    """Chunks (10 words): [s1] and [s2 s3]. Claim "schools ... 2027" is best in chunk 2 (0.9), claim
    "council" in chunk 1 (0.6): the score is their mean 0.75 (a mean over all pairs would be 0.425, a
    max 0.9); scored whole, the output's best chunk is chunk 2 (0.9)."""
    metric = checker(
        PRESETS[architecture], tiny[architecture, None], "metrics.nli.chunk_tokens=null", "metrics.nli.chunk_words=10"
    )
    assert metric.chunks(SOURCE) == [
        "The council approved the budget on Tuesday.",
        "The schools will open in 2027. Critics voted against it.",
    ]
    metric._support = support_from_text(metric)  # type: ignore[method-assign]
    item = ScoringInput(Example(id="x", source=SOURCE), "The schools open in 2027. The council met.")
    (result,) = metric.score([item])
    assert result["nli_faithfulness"] == pytest.approx(0.75)
    assert result["nli_faithfulness.min_sentence"] == pytest.approx(0.6)
    metric.split_claims = False
    (result,) = metric.score([item])
    assert result["nli_faithfulness"] == pytest.approx(0.9)


def test_budget_windows_pack_whole_sentences() -> None:
    sentences = ["a b c", "d e", "f g h i", "j"]
    assert budget_windows(sentences, 5, word_count) == ["a b c d e", "f g h i j"]
    assert budget_windows(sentences, 2, word_count) == ["a b c", "d e", "f g h i", "j"]  # too long alone: own chunk
    assert budget_windows([], 5, word_count) == [""]


def test_a_long_chunk_is_cut_never_the_claim(tiny: dict) -> None:
    metric = checker(PRESETS["roberta"], tiny["roberta", None], "metrics.nli.max_length=48")
    claim = "Critics voted against it."
    long_sentence = " ".join(["The council approved the budget on Tuesday"] * 20)
    texts, cut = metric._texts([(long_sentence, claim), ("The schools open.", claim)])
    assert cut == [True, False]
    assert texts[0].endswith("</s>" + claim) and texts[1] == "The schools open.</s>" + claim
    assert len(metric.tokenizer(texts[0])["input_ids"]) <= 48
    (result,) = metric.score([ScoringInput(Example(id="x", source=long_sentence + "."), claim)])
    assert result["nli_faithfulness.truncated"] == 1.0


def test_batches_mix_examples_and_match_one_at_a_time(tiny: dict) -> None:
    metric = checker(PRESETS["deberta"], tiny["deberta", None], "metrics.nli.batch_size=3")
    items = [
        ScoringInput(Example(id="a", source=SOURCE), "The schools open in 2027. The council met."),
        ScoringInput(Example(id="b", source="Critics voted against it."), "Critics voted."),
        ScoringInput(Example(id="c", source=SOURCE), ""),
    ]
    together = metric.score(items)
    alone = [metric.score([item])[0] for item in items]
    for joint, single in zip(together, alone, strict=True):
        assert joint.keys() == single.keys()
        for key in joint:
            assert joint[key] == pytest.approx(single[key], abs=1e-5)
    assert together[2]["nli_faithfulness"] == 1.0  # nothing claimed


def test_identity_names_the_weights(tiny: dict) -> None:
    """Other weights under the same path get another signature, hence another score-cache key."""
    signature = checker(PRESETS["roberta"], tiny["roberta", True]).signature()
    assert f"model:{tiny['roberta', True]}|weights:" in signature
    other = checker(PRESETS["roberta"], tiny["roberta", False]).signature()
    assert other.split("|weights:")[1] != signature.split("|weights:")[1]


def test_chunking_options_are_checked() -> None:
    with pytest.raises(ConfigError, match="chunk_words or chunk_tokens, not both"):
        ClassifierChecker("unused", chunk_words=5, chunk_tokens=5)
    cfg = compose_config(["+nli_model=deberta_v3_base_mnli", "metrics.nli.chunk_words=100"])
    with pytest.raises(ConfigError, match="kind nli chunks by metrics.nli.chunk_sentences"):
        nli_model(cfg.metrics)


def test_every_preset_composes() -> None:
    for preset in sorted(p.stem for p in (ROOT / "configs" / "nli_model").glob("*.yaml")):
        nli = compose_config([f"+nli_model={preset}"]).metrics.nli
        assert nli.name_or_path and nli.kind in ("nli", "classifier", "seq2seq")
    assert (
        compose_config(["+nli_model=minicheck_flan_t5_large"]).metrics.nli.name_or_path
        == "lytang/MiniCheck-Flan-T5-Large"
    )


def test_clause_facts_decide_with_a_checker(tiny: dict) -> None:
    """The facts metric gets the checker's decision (a MiniCheck never says contradicted) and names the
    checker, with its kind and weights, in its signature."""
    for answer, verdict in ((True, "entailment"), (False, "neutral")):
        path = tiny["roberta", answer]
        cfg = compose_config(["+nli_model=minicheck_roberta_large", f"metrics.nli.name_or_path={path}"])
        metric = build_facts(cfg.metrics, None)
        assert isinstance(metric, KeyFactsMetric) and metric.nli is not None
        assert metric.nli("The council met.", "The council met.") == verdict
        assert f"clauses:nli:nli_faithfulness|classifier|model:{path}|weights:" in metric.signature()


@pytest.mark.slow
def test_seq2seq_checker_through_a_run(tiny: dict, run_eval) -> None:
    path = tiny["t5", True]
    run_dir = run_eval(
        "metrics.names=[nli_faithfulness]", "+nli_model=minicheck_flan_t5_large", f"metrics.nli.name_or_path={path}"
    )
    aggregate = read_metrics(run_dir)["nli_faithfulness"]
    assert aggregate["value"] == pytest.approx(0.9997, abs=0.001) and aggregate["n"] == 1
    assert f"seq2seq|model:{path}|weights:" in aggregate["signature"]
    (scores,) = read_jsonl(run_dir / "scores.jsonl")
    assert "nli_faithfulness.min_sentence" in str(scores)
