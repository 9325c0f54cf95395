"""llm_judge end to end against a local fake chat server (scripted answers, garbage, timeouts, 429s),
strict parsing, the probability-weighted score, the judge cache and token/cost accounting."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from omegaconf import OmegaConf

from bad_input import assert_one_line_error
from chat_server import Body, ChatServer, serving
from harness.app.hydra_app import compose_config
from harness.core.errors import ConfigError
from harness.core.task import TaskSpec
from harness.data.example import Example
from harness.metrics.base import ScoringInput
from harness.metrics.config import LLMJudgeConfig
from harness.metrics.registry import build_metrics
from harness.metrics.support.judges.answers import BadAnswer, MQMAnswer, ScoreAnswer, parse_answer, weighted_score
from harness.metrics.support.judges.backends import TokenChoice
from harness.models.base import ModelLoadError
from testkit import read_json, read_jsonl, read_metrics, run_harness

SOURCE_1 = "Putin and Kim signed a defence pact in Pyongyang on 19 June 2024. It covers mutual aid."
SOURCE_2 = "The river flooded the town on Monday. Two hundred homes were evacuated."
FACTS = {
    SOURCE_1: [
        "Putin and Kim signed a defence pact.",
        "The pact was signed in Pyongyang.",
        "It was signed on 19 June 2024.",
    ],
    SOURCE_2: ["The river flooded the town.", "Two hundred homes were evacuated."],
}
OUTPUTS = {  # output -> consistency probabilities of the digits (the answer is the likeliest one)
    "Putin and Kim signed a pact in Pyongyang.": {"4": 0.6, "5": 0.3, "3": 0.1},
    "Putin and Kim signed a pact in Moscow.": {"2": 0.5, "1": 0.5},
    "Two hundred homes were evacuated after the flood.": {"5": 1.0},
}
USAGE = {"prompt_tokens": 100, "completion_tokens": 7}


def score_reply(top: dict[str, float]) -> Body:
    """A chat answer ``{"score": k}`` with OpenAI-style log-probabilities at the digit."""
    best = max(top, key=lambda k: (top[k], k))
    pieces = ['{"', "score", '":', " ", best, "}"]
    content: list[dict[str, Any]] = [{"token": p, "logprob": 0.0, "top_logprobs": []} for p in pieces]
    content[4] = {
        "token": best,
        "logprob": math.log(top[best]),
        "top_logprobs": [{"token": k, "logprob": math.log(p)} for k, p in top.items()],
    }
    message = {"role": "assistant", "content": "".join(pieces)}
    return {"choices": [{"index": 0, "message": message, "logprobs": {"content": content}}], "usage": USAGE}


def judged_output(content: str) -> str:
    return next((o for o in [*OUTPUTS, "GARBAGE", "Die Katze schlief.", "Der Hund bellt laut."] if o in content), "")


def answer(body: Body, authorization: str | None) -> str | Body:
    content = body["messages"][-1]["content"]
    output = judged_output(content)
    if "List the key facts" in content:
        source = SOURCE_1 if SOURCE_1 in content else SOURCE_2
        return {"choices": [{"message": {"content": json.dumps({"facts": FACTS[source]})}}], "usage": USAGE}
    if output == "GARBAGE":
        return "This summary is quite good, I would say four."
    if "Key facts:" in content:
        n = content.split("Key facts:")[1].split("Output:")[0].count("\n") - 2
        verdicts = [{"fact": i, "verdict": "absent", "span": ""} for i in range(1, n + 1)]
        verdicts[0] = {"fact": 1, "verdict": "supported", "span": "signed a pact"}
        if "Moscow" in output:
            verdicts[1] = {"fact": 2, "verdict": "contradicted", "span": "in Moscow"}
        elif "Pyongyang" in output:
            verdicts[1] = {"fact": 2, "verdict": "supported", "span": "in Pyongyang"}
        return "```json\n" + json.dumps({"verdicts": verdicts}) + "\n```"
    if "translation:" in content:
        errors = (
            []
            if "Katze" in output
            else [
                {"span": "laut", "category": "accuracy/addition", "severity": "major"},
                {"span": "Der", "category": "fluency/grammar", "severity": "minor"},
            ]
        )
        return json.dumps({"errors": errors})
    return score_reply(OUTPUTS[output])


def kind_and_output(body: Body) -> str:
    content = body["messages"][-1]["content"]
    kind = "list" if "List the key facts" in content else "facts" if "Key facts:" in content else "score"
    return f"{kind}:{judged_output(content)}"


@pytest.fixture()
def server() -> Iterator[ChatServer]:
    with serving(ChatServer(answer, key=kind_and_output)) as chat:
        yield chat


def write_data(path: Path, outputs: list[tuple[str, str]]) -> Path:
    rows = [{"id": str(i), "source": s, "reference": s, "summary": o} for i, (s, o) in enumerate(outputs)]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def judge_run(tmp_path: Path, server: ChatServer, data: Path, *overrides: str) -> Path:
    return run_harness(
        tmp_path / "results",
        "model=predictions",
        "model.column=summary",
        "dataset=files",
        f"dataset.path={data}",
        "metrics.names=[llm_judge]",
        "metrics.bootstrap_samples=10",
        f"run.cache_dir={tmp_path / 'cache'}",
        f"metrics.llm_judge.backend.base_url={server.base_url}",
        "metrics.llm_judge.backend.model_name=test-model",
        "metrics.llm_judge.backend.backoff_s=0.01",
        "metrics.llm_judge.backend.concurrency=2",
        *overrides,
    )


SUMMARIES = [(SOURCE_1, o) for o in list(OUTPUTS)[:2]] + [(SOURCE_2, list(OUTPUTS)[2])]


@pytest.mark.slow
def test_geval_and_key_facts_end_to_end_then_a_rerun_asks_nothing(server: ChatServer, tmp_path: Path) -> None:
    data = write_data(tmp_path / "d.jsonl", SUMMARIES)
    server.misbehave = {f"score:{SUMMARIES[0][1]}": ["429", "slow"]}  # retried: a 429, then a timeout
    prices = (
        "metrics.llm_judge.backend.prompt_price_per_1m=2.5",
        "metrics.llm_judge.backend.completion_price_per_1m=10",
        "metrics.llm_judge.backend.timeout_s=0.5",
    )
    folder = judge_run(tmp_path, server, data, "+judge=[consistency,key_facts]", *prices)
    metrics = read_metrics(folder)
    # Probability-weighted: 4*.6 + 5*.3 + 3*.1 = 4.2; 1*.5 + 2*.5 = 1.5; 5.
    scores = [r["scores"] for r in read_jsonl(folder / "scores.jsonl")]
    assert [s["llm_judge.consistency"] for s in scores] == pytest.approx([4.2, 1.5, 5.0])
    assert [s["llm_judge.consistency.integer"] for s in scores] == [4.0, 2.0, 5.0]
    assert metrics["llm_judge.consistency"]["value"] == pytest.approx((4.2 + 1.5 + 5) / 3)
    # Key facts: listed once per source; per-fact verdicts; completeness and faithfulness.
    requests = [kind_and_output(b) for b in server.requests]
    assert sorted(r for r in requests if r.startswith("list")) == ["list:", "list:"]
    assert [s["llm_judge.key_facts.completeness"] for s in scores] == pytest.approx([2 / 3, 1 / 3, 1 / 2])
    assert [s["llm_judge.key_facts.faithfulness"] for s in scores] == pytest.approx([1, 2 / 3, 1])
    details = read_jsonl(folder / "scores.jsonl")[1]["details"]
    assert details["llm_judge.key_facts.verdicts"][1] == {
        "fact": "The pact was signed in Pyongyang.",
        "verdict": "contradicted",
        "span": "in Moscow",
    }
    # Signatures name the judge model and the prompt's hash; logprobs were asked for.
    signature = metrics["llm_judge.consistency"]["signature"]
    assert signature.startswith("llm_judge.consistency|judge:openai_compatible:test-model|prompt:")
    assert "prob-weighted" in signature and "127.0.0.1" not in signature
    assert metrics["llm_judge.key_facts.faithfulness"]["higher_is_better"] is True
    assert all(
        b.get("logprobs") is True and b["top_logprobs"] == 5 for b in server.requests if "score" in kind_and_output(b)
    )
    assert 1 < server.max_active <= 2
    # Tokens and cost: 2 retries are not answers; 3 scores + 2 fact lists + 3 verdict requests answered.
    usage = read_json(folder / "run.json")["metric_usage"]["llm_judge"]
    assert usage["requests"] == 8 and usage["failed"] == 0 and usage["cached"] == 0
    assert usage["prompt_tokens"] == 5 * 100  # the verdict answers carry no usage
    assert usage["completion_tokens"] == 5 * 7
    assert usage["cost"] == pytest.approx((500 * 2.5 + 35 * 10) / 1e6)
    assert (
        read_json(folder / "metrics.json")["tables"]["llm_judge.usage"]["openai_compatible:test-model"]["requests"] == 8
    )
    assert len(server.requests) == 10

    again = judge_run(tmp_path, server, data, "+judge=[consistency,key_facts]", *prices)
    assert len(server.requests) == 10  # the re-run asked the judge nothing
    assert read_metrics(again)["llm_judge.consistency"]["value"] == metrics["llm_judge.consistency"]["value"]
    usage = read_json(again / "run.json")["metric_usage"]["llm_judge"]
    assert usage["requests"] == 0 and usage["cached"] == 8 and usage["cost"] == 0


@pytest.mark.slow
def test_a_garbled_answer_is_that_example_s_error_and_is_asked_again(server: ChatServer, tmp_path: Path) -> None:
    data = write_data(tmp_path / "d.jsonl", [*SUMMARIES, (SOURCE_2, "GARBAGE")])
    folder = judge_run(tmp_path, server, data, "+judge=consistency")
    metrics = read_metrics(folder)
    assert metrics["llm_judge.consistency"]["n"] == 3  # not a silent 0: left out of the mean and counted
    assert metrics["llm_judge.consistency"]["value"] == pytest.approx((4.2 + 1.5 + 5) / 3)
    record = read_jsonl(folder / "scores.jsonl")[3]
    assert "llm_judge.consistency" not in record["scores"]
    assert record["details"]["llm_judge.consistency.error"].startswith("the judge's answer is not JSON")
    assert "I would say four" in record["details"]["llm_judge.consistency.error"]
    assert read_json(folder / "metrics.json")["tables"]["llm_judge"] == {
        "consistency": {"judged": 3, "failed": 1, "invalid_logprobs": 0}
    }
    asked = len(server.requests)
    judge_run(tmp_path, server, data, "+judge=consistency")
    assert [kind_and_output(b) for b in server.requests[asked:]] == ["score:GARBAGE"]  # failures are not cached


def test_a_judge_that_keeps_failing_is_an_error_per_example(server: ChatServer, tmp_path: Path) -> None:
    data = write_data(tmp_path / "d.jsonl", SUMMARIES)
    server.fail_first = {f"score:{SUMMARIES[2][1]}": 10}
    folder = judge_run(tmp_path, server, data, "+judge=consistency", "metrics.llm_judge.backend.max_retries=1")
    record = read_jsonl(folder / "scores.jsonl")[2]
    assert record["details"]["llm_judge.consistency.error"] == (
        'the judge request failed: gave up after 2 attempts; last: HTTP 503: {"error": "overloaded"}'
    )
    assert read_metrics(folder)["llm_judge.consistency"]["n"] == 2


def judge_overrides(tmp_path: Path, server: ChatServer, data: Path, *overrides: str) -> list[str]:
    """``harness run`` arguments of :func:`judge_run`, for the in-process command line."""
    return [
        "run",
        "model=predictions",
        "model.column=summary",
        "dataset=files",
        f"dataset.path={data}",
        "metrics.bootstrap_samples=10",
        f"run.output_root={tmp_path / 'results'}",
        f"run.cache_dir={tmp_path / 'cache'}",
        f"metrics.llm_judge.backend.base_url={server.base_url}",
        "metrics.llm_judge.backend.model_name=test-model",
        "metrics.llm_judge.backend.backoff_s=0.01",
        "metrics.llm_judge.backend.max_retries=1",
        "+judge=consistency",
        *overrides,
    ]


@pytest.mark.slow
def test_a_judge_that_scored_nothing_fails_the_run(cli: Any, server: ChatServer, tmp_path: Path) -> None:
    data = write_data(tmp_path / "d.jsonl", SUMMARIES)
    server.fail_first = {f"score:{output}": 10 for _, output in SUMMARIES}
    status, stderr, _ = cli(*judge_overrides(tmp_path, server, data, "metrics.names=[rouge,llm_judge]"))
    line = assert_one_line_error(status, stderr, "metric llm_judge", "llm_judge.consistency", "HTTP 503", code=1)
    assert "none of the 3 examples" in line
    (run_dir,) = (tmp_path / "results").glob("*/*")
    info = read_json(run_dir / "run.json")
    assert info["status"] == "failed" and info["error"] == line.removeprefix("harness: error: ")
    assert read_metrics(run_dir)["rouge1"]["n"] == 3  # the other metrics' results are kept


@pytest.mark.slow
def test_a_partly_failed_judge_warns_with_its_counts_and_shows_in_the_table(
    cli: Any, server: ChatServer, tmp_path: Path
) -> None:
    data = write_data(tmp_path / "d.jsonl", SUMMARIES)
    server.fail_first = {f"score:{SUMMARIES[2][1]}": 10}
    status, stderr, stdout = cli(*judge_overrides(tmp_path, server, data, "metrics.names=[rouge,llm_judge]"))
    assert status == 0, stderr
    (warning,) = stderr.strip().splitlines()
    assert warning.startswith("harness: warning: metric llm_judge: llm_judge.consistency failed on 1 of 3 examples")
    assert "HTTP 503" in warning
    header, _, row, *_ = stdout.splitlines()
    columns = [cell.strip() for cell in header.strip("|").split("|")]
    assert "rouge1" in columns and "llm_judge.consistency" in columns  # every metric asked for is shown
    cells = [cell.strip() for cell in row.strip("|").split("|")]
    assert cells[columns.index("llm_judge.consistency")].endswith("(1 failed)")
    assert "failed" not in cells[columns.index("rouge1")]
    (run_dir,) = (tmp_path / "results").glob("*/*")
    aggregate = read_metrics(run_dir)["llm_judge.consistency"]
    assert aggregate["n"] == 2 and aggregate["n_failed"] == 1 and aggregate["metric"] == "llm_judge"


def bad_logprobs(case: str) -> Body:
    """A score answer of 4 whose log-probabilities at the digit no distribution has."""
    reply = score_reply({"4": 0.6, "5": 0.3, "3": 0.1})
    digit = reply["choices"][0]["logprobs"]["content"][4]
    alternatives = {alt["token"]: alt for alt in digit["top_logprobs"]}
    if case == "overflow":
        alternatives["5"]["logprob"] = 1000.0
    elif case == "infinite":
        alternatives["5"]["logprob"] = math.inf
    elif case == "nan":
        alternatives["3"]["logprob"] = math.nan
    elif case == "impossible answer":
        alternatives["4"]["logprob"] = digit["logprob"] = -math.inf
    elif case == "more than one":
        alternatives["5"]["logprob"] = math.log(0.9)
    return reply


@pytest.mark.parametrize("case", ["overflow", "infinite", "nan", "impossible answer", "more than one"])
def test_impossible_log_probabilities_fall_back_to_the_integer_score_and_are_counted(case: str, tmp_path: Path) -> None:
    with serving(ChatServer(lambda body, _: bad_logprobs(case))) as chat:
        judge = metric(
            [
                f"metrics.llm_judge.backend.base_url={chat.base_url}",
                "metrics.llm_judge.backend.model_name=m",
                "+judge=consistency",
            ],
            TaskSpec(),
            tmp_path,
        )
        results = judge.score([ScoringInput(Example("a", SOURCE_1), list(OUTPUTS)[0])])
    (result,) = results
    assert result["llm_judge.consistency"] == 4.0 and result["llm_judge.consistency.weighted"] is False
    assert "llm_judge.consistency.invalid_logprobs" in result
    assert judge.tables(results)["llm_judge"]["consistency"]["invalid_logprobs"] == 1
    assert judge.signatures()["llm_judge.consistency"].endswith("|score:1-5,integer")


def metric(overrides: list[str], task: TaskSpec, tmp_path: Path) -> Any:
    cfg = compose_config([*overrides, f"run.cache_dir={tmp_path}"])
    (built,) = build_metrics(cfg.metrics, task, ["llm_judge"])
    return built


def test_mqm_error_spans_and_weights(server: ChatServer, tmp_path: Path) -> None:
    base = [
        f"metrics.llm_judge.backend.base_url={server.base_url}",
        "metrics.llm_judge.backend.model_name=m",
        "+judge=mqm",
    ]
    task = TaskSpec("translate", "en", "de")
    batch = [
        ScoringInput(Example("a", "The cat slept."), "Die Katze schlief."),
        ScoringInput(Example("b", "The dog barks."), "Der Hund bellt laut."),
    ]
    results = metric(base, task, tmp_path / "a").score(batch)
    assert results[0]["llm_judge.mqm"] == 0 and results[0]["llm_judge.mqm.errors"] == []
    assert results[1]["llm_judge.mqm"] == -6  # major 5 + minor 1
    assert results[1]["llm_judge.mqm.major"] == 1 and results[1]["llm_judge.mqm.critical"] == 0
    assert results[1]["llm_judge.mqm.errors"][0] == {
        "span": "laut",
        "category": "accuracy/addition",
        "severity": "major",
    }
    reweighted = metric([*base, "metrics.llm_judge.mqm_weights.major=10"], task, tmp_path / "b")
    assert reweighted.score(batch)[1]["llm_judge.mqm"] == -11
    assert "mqm:-(critical*25,major*10,minor*1)" in reweighted.signatures()["llm_judge.mqm"]
    assert "German" in server.requests[0]["messages"][-1]["content"]
    assert reweighted.key_meta("llm_judge.mqm.major").higher_is_better is False
    assert reweighted.key_meta("llm_judge.mqm").higher_is_better is True


@pytest.mark.parametrize(
    "overrides, error, match",
    [
        (["metrics.llm_judge.backend.model_name=m"], ConfigError, "needs at least one rubric"),
        (["+judge=mqm", "metrics.llm_judge.backend.model_name=m"], ConfigError, r"rubrics.mqm.tasks=\['translate'\]"),
        (
            ["+judge=fluency", "metrics.llm_judge.rubrics.fluency.prompt=Rate it."],
            ConfigError,
            r"rubrics.fluency.prompt must contain \{output\}",
        ),
        (
            ["+judge=fluency", "metrics.llm_judge.rubrics.fluency.kind=stars"],
            ConfigError,
            "rubrics.fluency.kind='stars': expected one of score, key_facts, mqm",
        ),
        (["+judge=fluency"], ModelLoadError, "backend.model_name: no value given"),
        (
            [
                "+judge=fluency",
                "metrics.llm_judge.backend.model_name=m",
                "metrics.llm_judge.backend.base_url=http://127.0.0.1:9/v1",
                "metrics.llm_judge.backend.timeout_s=2",
            ],
            ModelLoadError,
            "metrics.llm_judge.backend.base_url=.* is not reachable",
        ),
    ],
)
def test_configuration_errors_name_the_option(overrides: list[str], error: type, match: str, tmp_path: Path) -> None:
    with pytest.raises(error, match=match):
        metric(["metrics.names=[llm_judge]", *overrides], TaskSpec(), tmp_path)


def test_rubric_presets_compose() -> None:
    cfg = compose_config(["+judge=geval"])
    assert list(cfg.metrics.llm_judge.rubrics) == ["consistency", "relevance", "coherence", "fluency"]
    assert OmegaConf.get_type(cfg.metrics.llm_judge) is LLMJudgeConfig
    both = compose_config(["+judge=[key_facts,mqm]"]).metrics.llm_judge.rubrics
    assert both.key_facts.kind == "key_facts" and both.mqm.kind == "mqm"


@pytest.mark.parametrize(
    "text, problem",
    [
        ("I would give it a 4.", "is not JSON"),
        ('{"score": 6}', "less than or equal to 5"),
        ('{"score": "4"}', "valid integer"),
        ('{"score": 4.0}', "valid integer"),
        ('{"score": 4, "mood": "happy"}', "Extra inputs"),
        ('{"score": 4} and more', "is not JSON"),
        ("[4]", "valid dictionary"),
    ],
)
def test_strict_parsing_refuses_garbage(text: str, problem: str) -> None:
    with pytest.raises(BadAnswer, match=problem):
        parse_answer(text, ScoreAnswer)


def test_parsing_accepts_a_json_fence_and_mqm_severities() -> None:
    assert parse_answer('```json\n{"score": 3}\n```', ScoreAnswer).score == 3
    with pytest.raises(BadAnswer, match="severity"):
        parse_answer('{"errors": [{"span": "x", "category": "style", "severity": "huge"}]}', MQMAnswer)


def test_weighted_score_uses_the_digit_s_distribution_only() -> None:
    tokens = [
        TokenChoice('{"score": ', {}),
        TokenChoice("2", {"2": math.log(0.7), " 3": math.log(0.2), "x": math.log(0.1)}),
    ]
    assert weighted_score([*tokens, TokenChoice("}", {})], 2) == pytest.approx((2 * 0.7 + 3 * 0.2) / 0.9)
    assert weighted_score(tokens, 3) is None  # the tokens do not show the parsed score
    assert weighted_score([TokenChoice('{"score": 2}', {"x": 0.0})], 2) is None  # digit inside a longer token
    assert weighted_score(None, 2) is None
