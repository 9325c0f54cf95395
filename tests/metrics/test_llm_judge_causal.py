"""llm_judge through the hf_causal path with a tiny local chat model: the next-token distribution at
each generated token, token counts, and garbage answers (a random model's) as per-example errors."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest
import torch
from omegaconf import OmegaConf
from transformers import LogitsProcessor, LogitsProcessorList

from harness.app.hydra_app import compose_config
from harness.core.errors import RunFailed
from harness.core.task import TaskSpec
from harness.data.example import Example
from harness.metrics.base import ScoringInput
from harness.metrics.config import JudgeBackendConfig
from harness.metrics.registry import build_metrics
from harness.metrics.support.judges.backends import SCORE_TOKENS, HFChatBackend
from harness.models.base import ModelLoadError
from testkit import read_json, read_jsonl, read_metrics, run_harness

CONVERSATION = [{"role": "system", "content": "Answer with JSON."}, {"role": "user", "content": "Rate: the cat sat."}]


@pytest.fixture(scope="module")
def backend(tmp_path_factory: pytest.TempPathFactory) -> HFChatBackend:
    cfg = OmegaConf.merge(
        OmegaConf.structured(JudgeBackendConfig), {"type": "tiny_causal", "max_tokens": 6, "device": "cpu"}
    )
    return HFChatBackend(cfg)


def test_logprobs_are_the_model_s_next_token_distribution(backend: HFChatBackend) -> None:
    (reply,) = backend.chat([CONVERSATION], logprobs=True)
    model, tokenizer = backend.model.model, backend.model.tokenizer
    prompt = tokenizer.apply_chat_template(CONVERSATION, add_generation_prompt=True, tokenize=False)
    ids = tokenizer(prompt, add_special_tokens=False, return_tensors="pt")["input_ids"]
    assert reply.prompt_tokens == ids.shape[1] and reply.tokens is not None
    assert 1 <= reply.completion_tokens == len(reply.tokens) <= 6
    with torch.inference_mode():
        logprobs = model(ids).logits[0, -1].float().log_softmax(-1)
    first = reply.tokens[0]
    assert first.text == tokenizer.decode([int(logprobs.argmax())])  # greedy
    for digit in SCORE_TOKENS:  # every score digit is reported, whatever its rank
        (digit_id,) = tokenizer.encode(digit, add_special_tokens=False)
        assert first.top[digit] == pytest.approx(float(logprobs[digit_id]), abs=1e-4)
    assert math.exp(max(first.top.values())) <= 1.0
    (plain,) = backend.chat([CONVERSATION], logprobs=False)
    assert plain.text == reply.text and plain.tokens is None
    assert backend.identity["type"] == "tiny_causal" and backend.identity["weights_hash"]


@pytest.mark.slow
def test_a_tiny_judge_s_garbage_is_an_error_per_example_and_a_judge_that_scored_nothing_fails_the_run(
    tmp_path: Path,
) -> None:
    with pytest.raises(RunFailed, match=r"metric llm_judge scored none of the 1 examples: 1 failed .*is not JSON"):
        run_harness(
            tmp_path / "results",
            "model=lead",
            "dataset=seed",
            "metrics.names=[rouge,llm_judge]",
            "+judge=consistency",
            "metrics.llm_judge.backend.type=tiny_causal",
            "metrics.llm_judge.backend.max_tokens=8",
            "metrics.llm_judge.backend.device=cpu",
            f"run.cache_dir={tmp_path / 'cache'}",
            "metrics.bootstrap_samples=10",
        )
    (folder,) = (tmp_path / "results").glob("*/*")
    assert read_json(folder / "run.json")["status"] == "failed"
    metrics = read_metrics(folder)
    assert "llm_judge.consistency" not in metrics and metrics["rouge1"]["n"] == 1
    (record,) = read_jsonl(folder / "scores.jsonl")
    assert record["details"]["llm_judge.consistency.error"].startswith("the judge's answer is not JSON")
    usage = read_json(folder / "run.json")["metric_usage"]["llm_judge"]
    assert usage["requests"] == 1 and usage["failed"] == 1 and usage["prompt_tokens"] > 100
    assert 1 <= usage["completion_tokens"] <= 8 and usage["judge"]["type"] == "tiny_causal"
    assert read_json(folder / "metrics.json")["tables"]["llm_judge"] == {
        "consistency": {"judged": 0, "failed": 1, "invalid_logprobs": 0}
    }


def test_a_local_judge_refuses_sampling() -> None:
    cfg = OmegaConf.merge(OmegaConf.structured(JudgeBackendConfig), {"type": "tiny_causal", "temperature": 0.7})
    with pytest.raises(ModelLoadError, match="temperature=0.7: a local judge"):
        HFChatBackend(cfg)


class ScriptedScore(LogitsProcessor):
    """Makes the model write ``{"score": D}``, D being its own likeliest digit 1-5, then end its turn."""

    def __init__(self, tokenizer: Any, width: int) -> None:
        encode = lambda text: tokenizer.encode(text, add_special_tokens=False)  # noqa: E731
        self.prefix = encode('{"score": ')
        self.digits = [encode(d)[0] for d in SCORE_TOKENS]
        self.suffix = [*encode("}"), tokenizer.convert_tokens_to_ids("<|im_end|>")]
        self.width = width  # the (padded) prompt length

    def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor) -> torch.FloatTensor:
        step = input_ids.shape[1] - self.width
        n = len(self.prefix)
        allowed = [self.prefix[step]] if step < n else self.digits if step == n else [self.suffix[step - n - 1]]
        mask = torch.full_like(scores, float("-inf"))
        mask[:, allowed] = 0
        return scores + mask


def test_the_score_is_weighted_by_the_model_s_own_digit_distribution(tmp_path: Path) -> None:
    cfg = compose_config(
        [
            "+judge=consistency",
            "metrics.llm_judge.backend.type=tiny_causal",
            "metrics.llm_judge.backend.device=cpu",
            "metrics.llm_judge.backend.max_tokens=16",
            f"run.cache_dir={tmp_path}",
        ]
    )
    (judge,) = build_metrics(cfg.metrics, TaskSpec(), ["llm_judge"])
    model = judge.client.backend.model
    item = ScoringInput(Example("a", "Putin and Kim signed a pact."), "They signed a pact.")
    (messages,) = [judge.rubrics[0].messages(judge.rubrics[0].cfg.prompt, item, item.example.source)]
    prompt = model.tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)
    prompt_ids = model.tokenizer(prompt, add_special_tokens=False, return_tensors="pt")["input_ids"]
    scripted = ScriptedScore(model.tokenizer, prompt_ids.shape[1])
    model.generate_kwargs["logits_processor"] = LogitsProcessorList([scripted])

    (result,) = judge.score([item])

    with torch.inference_mode():  # the model's raw next-token distribution after '{"score": '
        ids = torch.cat([prompt_ids, torch.tensor([scripted.prefix])], dim=1)
        probabilities = model.model(ids).logits[0, -1].float().softmax(-1)[scripted.digits]
    expected = float((probabilities * torch.arange(1, 6)).sum() / probabilities.sum())
    assert result["llm_judge.consistency.integer"] == float(int(probabilities.argmax()) + 1)
    assert result["llm_judge.consistency"] == pytest.approx(expected, abs=1e-4)
    assert abs(expected - round(expected)) > 0.01  # a real mixture, not a one-hot
    assert result["llm_judge.consistency.weighted"] is True
    assert "prob-weighted" in judge.signatures()["llm_judge.consistency"]
