"""No API key is ever written: not the whole key, nor any piece of 8 or more of its characters, in any
file a run, the judge or a failed request writes (run folder, caches) or in what the process prints.

The server echoes the request's ``Authorization`` header: after ~160 characters of padding in a 401
body (so that the 200-character cut of error texts falls inside the key), and inside a 200 answer
(the model's output, a judge answer that does not parse, a judge answer that parses and is cached).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from chat_server import Body, ChatServer, serving

MODEL_KEY = "sk-model-7f3a9c2e5b1d8f4a6c0e2b9d"
JUDGE_KEY = "sk-judge-1c8e4b7a2f9d6e3b5a0c7d1f"
PADDING = "x" * 150  # the key starts at character 184 of the 401 body: the old 200-character cut fell inside it
REDACTED = "[api key redacted]"
SOURCES = [  # the model server refuses the first and echoes the key in its answer to the second
    "REFUSE the request.",
    "ECHO the key in the answer.",
    "The river flooded the town on Monday.",
    "Two hundred homes were evacuated.",
    "The bridge reopened on Friday.",
    "Volunteers cleared the mud.",
]
JUDGED = {  # output (the model's answer to a source) -> what the judge server does with it
    "river": "refuse",
    "hundred": "garble",
    "bridge": "reason",
}

Cli = Callable[..., tuple[int, str, str]]


def windows(key: str) -> list[str]:
    return [key[i : i + 8] for i in range(len(key) - 7)]


def leaks(text: str) -> list[str]:
    """The 8-character pieces of either key found in ``text``."""
    return [piece for key in (MODEL_KEY, JUDGE_KEY) for piece in windows(key) if piece in text]


def refusal(authorization: str | None) -> tuple[int, Body]:
    return 401, {"error": f"{PADDING} Authorization: {authorization}"}


def answer(body: Body, authorization: str | None) -> str | tuple[int, Body]:
    content = body["messages"][-1]["content"]
    if "Rate the" in content or "score" in content:  # the judge
        behaviour = next((b for word, b in JUDGED.items() if word in content.rsplit("Summary", 1)[-1]), "score")
        if behaviour == "refuse" or body.get("refuse_all"):
            return refusal(authorization)
        if behaviour == "garble":
            return f"I would say four. (You sent {authorization}.)"
        if behaviour == "reason":
            return json.dumps({"score": 4, "reason": f"the request carried {authorization}"})
        return json.dumps({"score": 5})
    if "REFUSE" in content:
        return refusal(authorization)
    if "ECHO" in content:
        return f"Your header was {authorization}, thanks."
    return content.rsplit("\n\n", 1)[-1].split(" on ")[0]


@pytest.fixture()
def server() -> Iterator[ChatServer]:
    with serving(ChatServer(answer)) as chat:
        yield chat


def write_data(path: Path) -> Path:
    rows = [{"source": s, "reference": s} for s in SOURCES]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def overrides(server: ChatServer, tmp_path: Path, *extra: str) -> list[str]:
    return [
        "run",
        "model=openai_compatible",
        f"model.base_url={server.base_url}",
        "model.model_name=m",
        "model.api_key_env=SECRETS_TEST_MODEL_KEY",
        "model.max_retries=0",
        "dataset=files",
        f"dataset.path={write_data(tmp_path / 'data.jsonl')}",
        "metrics.names=[rouge,llm_judge]",
        "+judge=consistency",
        "metrics.llm_judge.backend.logprobs=false",
        f"metrics.llm_judge.backend.base_url={server.base_url}",
        "metrics.llm_judge.backend.model_name=m",
        "metrics.llm_judge.backend.api_key_env=SECRETS_TEST_JUDGE_KEY",
        "metrics.llm_judge.backend.max_retries=1",
        "metrics.llm_judge.backend.backoff_s=0.01",
        "metrics.bootstrap_samples=10",
        f"run.output_root={tmp_path / 'results'}",
        f"run.cache_dir={tmp_path / 'cache'}",
        *extra,
    ]


def every_file(root: Path) -> dict[Path, str]:
    return {p: p.read_bytes().decode("utf-8", "replace") for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.mark.slow
def test_no_piece_of_a_key_is_written_or_printed(
    cli: Cli, server: ChatServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SECRETS_TEST_MODEL_KEY", MODEL_KEY)
    monkeypatch.setenv("SECRETS_TEST_JUDGE_KEY", JUDGE_KEY)
    runs = []  # (status, stderr, stdout, run folder) of each invocation
    for answering in (
        answer,  # some requests refused, some answers echo the keys
        lambda body, authorization: answer({**body, "refuse_all": True}, authorization),  # the judge refuses all
        lambda body, authorization: refusal(authorization),  # the model server refuses every request
    ):
        server.answer = answering
        before = set((tmp_path / "results").glob("*/*"))
        status, err, out = cli(*overrides(server, tmp_path, *(["metrics.llm_judge.cache=false"] if runs else [])))
        (folder,) = set((tmp_path / "results").glob("*/*")) - before
        runs.append((status, err, out, folder))

    written = every_file(tmp_path)
    assert len([p for p in written if p.name == "run.json"]) == 3
    assert (tmp_path / "cache" / "judge.sqlite").is_file()
    for path, text in written.items():
        if path.name != "data.jsonl":
            assert not leaks(text), (path, leaks(text))
    for _, err, out, _ in runs:
        assert not leaks(err + out), (err + out, leaks(err + out))

    (status, err, _, run_dir), judge_refused, model_refused = runs
    assert status == 0, err
    refused, echoed = map(json.loads, (run_dir / "predictions.jsonl").read_text().splitlines()[:2])
    assert refused["output"] is None and "HTTP 401" in refused["error"] and "Bearer [api key" in refused["error"]
    assert REDACTED in echoed["output"]
    scores = [json.loads(line) for line in (run_dir / "scores.jsonl").read_text().splitlines()]
    errors = [r["details"].get("llm_judge.consistency.error", "") for r in scores]
    assert sum("HTTP 401" in e for e in errors) == 1 and sum("is not JSON" in e for e in errors) == 1
    assert sum("[api key" in e for e in errors) == 2  # the marker itself may be cut
    assert judge_refused[0] == 1 and "llm_judge" in judge_refused[1] and "HTTP 401" in judge_refused[1]
    assert model_refused[0] == 1 and "every example failed" in model_refused[1] and "HTTP 401" in model_refused[1]


def test_redaction_removes_the_key_and_every_piece_of_8_or_more_characters() -> None:
    from harness.core.redaction import redact, register_secret

    key = "sk-unit-0123456789abcdefghij"
    register_secret(key)
    assert redact(f"Bearer {key}.") == f"Bearer {REDACTED}."
    assert redact(f"cut here: {key[:9]}") == f"cut here: {REDACTED}"
    assert redact(f"{key[-8:]} and {key[5:20]}") == f"{REDACTED} and {REDACTED}"
    assert redact(key[:7] + " is too short to tell") == key[:7] + " is too short to tell"
    assert redact("nothing secret") == "nothing secret"
