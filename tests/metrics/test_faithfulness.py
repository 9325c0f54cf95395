from pathlib import Path

import pytest
import torch

from harness.data.example import Example, text_hash
from harness.metrics.base import ScoringInput
from harness.metrics.faithfulness import FaithfulnessMetric, normalise, split_sentences
from harness.metrics.support.embedder import minilm_path
from harness.metrics.support.word_support import load_word_support
from testkit import requires_shared

SOURCE = (
    "The city council of Leeds approved a budget of 45 million pounds on Tuesday. "
    "Council leader Judith Blake said the money would pay for new schools and libraries. "
    "Opposition members voted against the plan, saying it raised council tax by 3 percent. "
    "The new schools are expected to open in 2027."
)
FAITHFUL = (
    "The city council of Leeds approved a budget of 45 million pounds on Tuesday. "
    "Council leader Judith Blake said the money would pay for new schools and libraries."
)


@pytest.fixture(scope="module")
def metric() -> FaithfulnessMetric:
    return FaithfulnessMetric()


def score(metric: FaithfulnessMetric, *outputs: str) -> list[dict]:
    example = Example(id="leeds", source=SOURCE)
    return metric.score([ScoringInput(example, output) for output in outputs])


def test_minilm_path_is_local_model_dir() -> None:
    assert (Path(minilm_path()) / "config.json").is_file()


def test_split_sentences_handles_lowercase_and_abbreviations() -> None:
    text = "mr. smith went to the u.s. on monday . he left on friday. then what?"
    assert split_sentences(text) == ["mr. smith went to the u.s. on monday .", "he left on friday.", "then what?"]
    assert normalise("he did n't say `` yes '' , it\\'s late") == "he didn't say \" yes \" , it's late"


def test_keys_and_ranges(metric: FaithfulnessMetric) -> None:
    (result,) = score(metric, FAITHFUL)
    assert set(result) == {
        "faithfulness",
        "faithfulness.alignment",
        "faithfulness.trigram_support",
        "faithfulness.novel_words",
        "faithfulness.aligned_words",
        "faithfulness.supported_facts",
        "faithfulness.supported_words",
        "faithfulness.unsupported_words",
    }
    for key, value in result.items():
        if key != "faithfulness.unsupported_words":
            assert 0.0 <= value <= 1.0, key
    assert result["faithfulness"] > 0.95
    assert result["faithfulness.unsupported_words"] == []


@pytest.mark.parametrize(
    "corrupted",
    [
        FAITHFUL.replace("45 million", "73 million"),  # number
        FAITHFUL.replace("Leeds", "Manchester"),  # entity
        FAITHFUL.replace("Judith Blake", "Boris Johnson"),  # person
    ],
)
def test_copied_summary_beats_swapped_fact(metric: FaithfulnessMetric, corrupted: str) -> None:
    faithful, wrong = score(metric, FAITHFUL, corrupted)
    assert faithful["faithfulness"] > wrong["faithfulness"] + 0.02
    assert faithful["faithfulness.trigram_support"] > wrong["faithfulness.trigram_support"]
    assert wrong["faithfulness.unsupported_words"]


def test_mixing_facts_across_sentences_is_penalised(metric: FaithfulnessMetric) -> None:
    copied = "Opposition members voted against the plan."
    mixed = "Opposition members voted for new schools and libraries."
    a, b = score(metric, copied, mixed)
    assert a["faithfulness"] > b["faithfulness"]


def test_ngram_support_counts_the_best_single_source_sentence(metric: FaithfulnessMetric) -> None:
    """12 trigrams: 4 from the third source sentence, 5 from the second, 3 from none. Support is the
    best single sentence's share (5/12), not the share found anywhere in the document (9/12)."""
    mixed = "Opposition members voted against the plan and the money would pay for new schools."
    copied, spliced = score(metric, "Opposition members voted against the plan.", mixed)
    assert copied["faithfulness.trigram_support"] == 1.0
    assert spliced["faithfulness.trigram_support"] == pytest.approx(5 / 12)


def test_unrelated_output_scores_low(metric: FaithfulnessMetric) -> None:
    faithful, unrelated = score(metric, FAITHFUL, "A volcano erupted in Iceland, grounding flights to Norway.")
    assert unrelated["faithfulness"] < 0.6 < faithful["faithfulness"]


def test_source_encoded_once(metric: FaithfulnessMetric, monkeypatch: pytest.MonkeyPatch) -> None:
    scorer = metric.scorer
    score(metric, FAITHFUL)
    calls: list[int] = []
    original = scorer._embed
    monkeypatch.setattr(scorer, "_embed", lambda chunks: calls.append(len(chunks)) or original(chunks))
    score(metric, FAITHFUL, "Leeds approved a budget.", "The schools open in 2027.")
    assert calls == [3]  # one call, the three outputs only: the source came from the cache


def test_empty_output_and_empty_source(metric: FaithfulnessMetric) -> None:
    empty, faithful = score(metric, "", FAITHFUL)  # an empty output does not stop the batch
    assert empty["faithfulness"] == pytest.approx(1.0)
    assert all(value == 1.0 for key, value in empty.items() if key != "faithfulness.unsupported_words")
    assert faithful["faithfulness"] > 0.95
    (result,) = metric.score([ScoringInput(Example(id="e", source=""), "Leeds approved a budget.")])
    assert 0.0 <= result["faithfulness"] < 0.5
    assert result["faithfulness.alignment"] == 0.0 and result["faithfulness.trigram_support"] == 0.0


def test_one_token_texts_are_aligned(metric: FaithfulnessMetric) -> None:
    (result,) = metric.score([ScoringInput(Example(id="one", source="Leeds"), "Leeds")])
    assert len(metric.scorer.encode_sources(["Leeds"])[0].token_embeddings) == 1
    assert result["faithfulness.alignment"] > 0.99 and result["faithfulness.trigram_support"] == 1.0


def test_short_and_wordless_output_sentences(metric: FaithfulnessMetric) -> None:
    """A one-word sentence is checked by unigrams; one without words counts as supported."""
    leeds, wordless, unrelated = score(metric, "Leeds.", "?!", "A volcano erupted in Iceland.")
    assert leeds["faithfulness.trigram_support"] == 1.0
    assert wordless["faithfulness.trigram_support"] == 1.0 and wordless["faithfulness.novel_words"] == 1.0
    assert unrelated["faithfulness.trigram_support"] == 0.0


def test_sentences_beyond_the_encoders_limit_are_left_out_of_the_alignment(metric: FaithfulnessMetric) -> None:
    long_output = " ".join([FAITHFUL] * 20)  # about 700 word pieces: the later sentences are cut off
    (result,) = score(metric, long_output)
    assert 0.5 < result["faithfulness.alignment"] <= 1.0  # a mean over the kept sentences, not NaN


def test_more_distinct_sources_than_cache_slots() -> None:
    scorer = FaithfulnessMetric().scorer
    scorer.cache_size = 2
    pairs = [(f"Source number {i} says the vote passed.", "The vote passed.") for i in range(4)]
    results = scorer.score(pairs + pairs[:1])
    assert len(results) == 5 and len(scorer._cache) == 2
    assert results[0] == results[4]
    scorer._cache.clear()
    scorer.score(pairs[:3])
    assert list(scorer._cache) == [text_hash(source) for source, _ in pairs[1:3]]  # the oldest goes first


def test_the_default_cache_keeps_the_256_most_recent_sources() -> None:
    scorer = FaithfulnessMetric().scorer
    sources = [f"Item {i}." for i in range(257)]
    scorer.encode_sources(sources)
    assert list(scorer._cache) == [text_hash(source) for source in sources[1:]]


def test_signature_names_settings(metric: FaithfulnessMetric) -> None:
    # v6: trigram support squared, words the word-support model flags, unsupported dates/numbers
    assert metric.signature().startswith("faithfulness|v6|minilm-l6-v2:layer4|best-source-sentence|ngram:3^2|")
    words = f"word-support:{load_word_support().digest}:p>0.5"  # the word-support model, named by its weights
    assert f"|{words}|facts:dates,numbers|w:trigram_support:0.5+supported_words:0.25+supported_facts:0.25" in (
        metric.signature()
    )


@requires_shared
@pytest.mark.slow
def test_frank_through_a_run_writes_faithfulness_per_summary(run_eval) -> None:
    from testkit import FRANK, read_json, read_jsonl

    run_dir = run_eval(
        "model=predictions",
        "model.column=summary",
        "dataset=frank",
        f"dataset.path={FRANK}",
        "dataset.limit=12",
        "metrics.names=[faithfulness]",
    )
    records = read_jsonl(run_dir / "scores.jsonl")
    assert len(records) == 12 and all(0 <= r["scores"]["faithfulness"] <= 1 for r in records)
    assert {"faithfulness.alignment", "faithfulness.trigram_support", "faithfulness.novel_words"} <= set(
        records[0]["scores"]
    )
    assert read_json(run_dir / "metrics.json")["metrics"]["faithfulness"]["n"] == 12


def test_alignment_component_separates_copied_from_unrelated(metric: FaithfulnessMetric) -> None:
    faithful, unrelated = score(metric, FAITHFUL, "A volcano erupted in Iceland, grounding flights to Norway.")
    assert faithful["faithfulness.alignment"] > 0.95
    assert unrelated["faithfulness.alignment"] < 0.6
    assert unrelated["faithfulness.novel_words"] == pytest.approx(1 / 7)  # six words not in the source


LONG_SOURCE = " ".join(
    f"Report {i}: the {town} council approved {10 + i} new {thing}, officials said on Monday."
    for i, (town, thing) in enumerate(
        [
            ("Leeds", "schools"),
            ("York", "parks"),
            ("Hull", "bridges"),
            ("Bradford", "libraries"),
            ("Wakefield", "clinics"),
            ("Harrogate", "roads"),
            ("Halifax", "depots"),
            ("Barnsley", "pools"),
        ]
    )
)


def test_chunks_fill_up_to_256_tokens() -> None:
    scorer = FaithfulnessMetric().scorer

    def sentence(tokens: int) -> str:  # "a a ... a." is one word piece per "a" and one for the stop
        text = " ".join(["a"] * (tokens - 1)) + "."
        assert len(scorer.tokenizer(text, add_special_tokens=False)["input_ids"]) == tokens
        return text

    s128, s129, t128 = sentence(128), sentence(129), sentence(128).replace("a.", "b.")
    assert scorer._chunks([s128, t128]) == [[s128, t128]]  # exactly 256 fits
    assert scorer._chunks([s129, s128]) == [[s129], [s128]]  # 257 does not
    assert scorer._chunks([s129, s128, t128]) == [[s129], [s128, t128]]  # a new chunk starts empty


def test_a_long_source_in_one_chunk_maps_every_token_to_its_sentence() -> None:
    scorer = FaithfulnessMetric().scorer
    source = "A " + LONG_SOURCE  # a first word piece that ends at character 1
    sentences = split_sentences(normalise(source))
    lengths = [len(scorer.tokenizer(s, add_special_tokens=False)["input_ids"]) for s in sentences]
    assert len(scorer._chunks(sentences)) == 1
    (encoding,) = scorer.encode_sources([source])
    assert torch.bincount(encoding.token_sentence, minlength=8).tolist() == lengths


def test_a_long_source_in_chunks_maps_every_token_to_its_sentence() -> None:
    """Chunks are greedy (none over max_chunk_tokens, none that the next sentence would still fit in)
    and each source token keeps its sentence index across chunks."""
    scorer = FaithfulnessMetric().scorer
    scorer.max_chunk_tokens = 40
    sentences = split_sentences(normalise(LONG_SOURCE))
    lengths = [len(scorer.tokenizer(s, add_special_tokens=False)["input_ids"]) for s in sentences]
    chunks = scorer._chunks(sentences)
    assert len(sentences) == 8 and len(chunks) > 2 and [s for c in chunks for s in c] == sentences
    sizes = [sum(lengths[sentences.index(s)] for s in chunk) for chunk in chunks]
    assert all(size <= 40 for size in sizes)
    assert all(size + lengths[sentences.index(nxt[0])] > 40 for size, nxt in zip(sizes, chunks[1:], strict=False))
    (encoding,) = scorer.encode_sources([LONG_SOURCE])
    assert encoding.num_sentences == 8
    assert torch.bincount(encoding.token_sentence, minlength=8).tolist() == lengths
    assert encoding.token_sentence.tolist() == sorted(encoding.token_sentence.tolist())
    assert len(encoding.token_embeddings) == sum(lengths)


def test_an_unpunctuated_caption_is_cut_into_pieces_of_at_most_100_words() -> None:
    caption = " ".join(f"word{i}" for i in range(250))
    pieces = split_sentences(caption + ". Next sentence.")
    assert [len(p.split()) for p in pieces] == [100, 100, 50, 2]
    assert " ".join(pieces[:3]) == caption + "."


def test_a_chunk_longer_than_the_model_is_truncated_to_512_positions() -> None:
    """A single 100-word "sentence" of long numbers tokenises to far more than 512 word pieces: the
    encoder sees its first 510 (512 with the special tokens), and every kept token has its sentence."""
    scorer = FaithfulnessMetric().scorer
    sentence = " ".join(f"{1000003 * (i + 7)}x{i}" for i in range(100))
    assert len(scorer.tokenizer(sentence, add_special_tokens=False)["input_ids"]) > 600
    (encoding,) = scorer.encode_sources([sentence])
    assert len(encoding.token_embeddings) == 510
    assert encoding.token_sentence.tolist() == [0] * 510


def test_faithfulness_goes_through_the_score_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from harness.pipeline.score_cache import ScoreCache

    metric = FaithfulnessMetric()
    cache = ScoreCache(tmp_path / "scores")
    items = [ScoringInput(Example(id="leeds", source=SOURCE), FAITHFUL)]
    first = cache.score(metric, items)
    monkeypatch.setattr(metric.scorer, "score", lambda pairs: pytest.fail("scored again despite the cache"))
    assert cache.score(metric, items) == first


SEED_SUMMARY = (
    "Russia and North Korea signed a comprehensive strategic partnership treaty during Vladimir Putin's "
    "visit to Pyongyang on Wednesday, 19 June 2024. Under its mutual defence clause, both parties are to "
    "support each other in the event of external aggression. Putin said Russia does not rule out developing "
    "military-technical cooperation with North Korea. South Korea estimates that North Korea has sent Russia "
    "around 190 tonnes of ammunition."
)
SEED_PERTURBATIONS = {  # each one wrong fact in an otherwise faithful summary of the seed article
    "date of the signing (the dateline's 20 June)": ("Wednesday, 19 June 2024", "Thursday, 20 June 2024"),
    "date of the signing (another day)": ("Wednesday, 19 June 2024", "Tuesday, 18 June 2024"),
    "year of the signing": ("19 June 2024", "19 June 2023"),
    "party to the treaty": ("Russia and North Korea signed", "Russia and South Korea signed"),
    "visiting leader": ("Vladimir Putin's", "Xi Jinping's"),
    "number": ("190 tonnes", "290 tonnes"),
    "negated clause": ("does not rule out", "rules out"),
    "negated obligation": ("both parties are to support", "neither party is to support"),
    "wrong country as a party": ("Russia and North Korea signed", "Russia and China signed"),
    "wrong capital": ("visit to Pyongyang", "visit to Seoul"),
    "wrong leader as the speaker": ("Putin said Russia", "Xi Jinping said Russia"),
    "person not in the article": ("Putin said Russia", "Sergei Lavrov said Russia"),
    "wrong country as the estimator": ("South Korea estimates", "Japan estimates"),
}
# perturbations whose new name the word-support model flags (dates, numbers and "Seoul" it does not:
# their MiniLM similarity to the article's dates, numbers and "Pyongyang" is high; supported_facts counts
# the dates and numbers)
FLAGGED_NAMES = {
    "visiting leader",
    "wrong country as a party",
    "wrong leader as the speaker",
    "person not in the article",
    "wrong country as the estimator",
}


def test_a_faithful_seed_summary_beats_each_one_fact_perturbation(metric: FaithfulnessMetric) -> None:
    source = (Path(__file__).parents[2] / "seeds" / "000_905568411ed6dc35.txt").read_text(encoding="utf-8")
    perturbed = {name: SEED_SUMMARY.replace(old, new) for name, (old, new) in SEED_PERTURBATIONS.items()}
    assert all(text != SEED_SUMMARY for text in perturbed.values())
    example = Example(id="seed", source=source)
    faithful, *wrong = metric.score([ScoringInput(example, text) for text in [SEED_SUMMARY, *perturbed.values()]])
    assert faithful["faithfulness.supported_facts"] == 1.0  # 19 June 2024 is "Wednesday" of the 20 June dateline
    for name, result in zip(perturbed, wrong, strict=True):
        assert faithful["faithfulness"] > result["faithfulness"], name
    for name, result in zip(perturbed, wrong, strict=True):
        assert faithful["faithfulness.supported_words"] >= result["faithfulness.supported_words"], name
        if name in FLAGGED_NAMES:
            assert faithful["faithfulness.supported_words"] > result["faithfulness.supported_words"], name


def test_a_dateline_supports_no_date_and_anchors_the_weekdays(metric: FaithfulnessMetric) -> None:
    """A line that is only a full date (and time) is publication metadata; inline dates are claims."""
    source = "Council votes\n12 March 2025 09:30\nThe council approved the budget on Monday and met on Friday."
    said = "The council approved the budget on 10 March 2025 and met on 7 March."  # Wednesday's dateline
    published = "The council approved the budget on 12 March 2025."
    wrong_friday = "The council met on 6 March 2025."
    results = score_source(metric, source, said, published, wrong_friday)
    assert [r["faithfulness.supported_facts"] for r in results] == [1.0, 0.5, 0.5]
    inline = "The council approved the budget on 12 March 2025 09:30, on a Wednesday."
    month_line = "Council votes\nMarch 2025\nThe council approved the budget on Monday."  # no day: no dateline
    stated, month = (
        score_source(metric, inline, published),
        score_source(metric, month_line, "It met on 10 March 2025."),
    )
    assert stated[0]["faithfulness.supported_facts"] == 1.0 and month[0]["faithfulness.supported_facts"] == 0.5


def score_source(metric: FaithfulnessMetric, source: str, *outputs: str) -> list[dict]:
    return metric.score([ScoringInput(Example(id="s", source=source), output) for output in outputs])


def test_content_pieces_follow_their_word() -> None:
    from harness.metrics.faithfulness import _content_pieces

    pieces = ["the", "brad", "##ford", ",", "2024", "##s", "of", "##ten"]
    assert _content_pieces(pieces) == [False, True, True, False, True, True, False, False]


def test_the_combination_squares_the_trigram_support_and_weights_sum_to_one() -> None:
    from harness.metrics.faithfulness import WEIGHTS, combine, features

    names = ["alignment", "trigram_support", "novel_words", "aligned_words", "supported_facts", "supported_words"]
    ones = dict.fromkeys(names, 1.0)
    assert set(features(ones)) == set(WEIGHTS) and combine(ones) == pytest.approx(1.0)
    diagnostics = {"alignment": 0.0, "novel_words": 0.0, "aligned_words": 0.0}  # no weight
    half = {**ones, "trigram_support": 0.5, **diagnostics}
    assert features(half)["trigram_support"] == 0.25
    assert combine(half) == pytest.approx(1.0 - WEIGHTS["trigram_support"] * 0.75)


def test_unaligned_words_and_unsupported_facts_are_counted(metric: FaithfulnessMetric) -> None:
    faithful, number, unrelated = score(
        metric, FAITHFUL, FAITHFUL.replace("45 million", "73 million"), "A volcano erupted in Iceland."
    )
    assert faithful["faithfulness.aligned_words"] == 1.0 and faithful["faithfulness.supported_facts"] == 1.0
    assert number["faithfulness.supported_facts"] == 0.5  # one number the source does not state
    assert unrelated["faithfulness.aligned_words"] <= 1 / 3  # volcano, erupted, iceland: no source token near
    assert unrelated["faithfulness.supported_facts"] == 1.0  # no date or number claimed
