"""openai_compatible against a small real chat-completions server on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from omegaconf import OmegaConf

from chat_server import ChatServer, last_paragraph, serving
from harness.core.task import TaskSpec
from harness.data.example import Example
from harness.models.base import ModelLoadError
from harness.models.config import OpenAICompatibleConfig
from harness.models.openai_compatible import OpenAICompatibleModel
from testkit import ROOT, read_jsonl, read_metrics, run_harness

SECRET = "sk-test-do-not-store-0123456789"
SPEC = yaml.safe_load((ROOT / "seeds" / "russia-dprk-pact.yaml").read_text(encoding="utf-8"))
TRANSLATIONS = dict(zip(SPEC["translation"]["en"], SPEC["translation"]["es"], strict=True))


@pytest.fixture()
def server() -> Iterator[ChatServer]:
    """Answers with the seed's Spanish reference for a known English sentence."""
    with serving(ChatServer(lambda body, _: TRANSLATIONS.get(last_paragraph(body), last_paragraph(body)))) as chat:
        yield chat


def client(server: ChatServer, **overrides: object) -> OpenAICompatibleModel:
    cfg = OmegaConf.merge(
        OmegaConf.structured(OpenAICompatibleConfig),
        {
            "name": "local",
            "base_url": server.base_url,
            "model_name": "test-model",
            "backoff_s": 0.01,
            "api_key_env": "HARNESS_TEST_KEY",
            **overrides,
        },
    )
    return OpenAICompatibleModel(cfg, TaskSpec("translate", "en", "es"))


def test_translates_concurrently_in_order_with_the_key(server: ChatServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HARNESS_TEST_KEY", SECRET)
    english = list(TRANSLATIONS)
    generations = client(server, concurrency=3).generate([Example(str(i), s) for i, s in enumerate(english)])
    assert [g.output for g in generations] == [TRANSLATIONS[s] for s in english]
    assert 1 < server.max_active <= 3
    assert set(server.authorizations) == {f"Bearer {SECRET}"}
    request = server.requests[0]
    assert request["model"] == "test-model" and request["temperature"] == 0.0
    assert "into Spanish" in request["messages"][-1]["content"]


def test_retries_with_backoff_then_gives_up(server: ChatServer) -> None:
    sentence = next(iter(TRANSLATIONS))
    server.fail_first = {sentence: 2, "Hello.": 10}
    generations = client(server, max_retries=2).generate(
        [Example("a", sentence), Example("b", "Hello."), Example("c", "BAD")]
    )
    assert generations[0].output == TRANSLATIONS[sentence] and generations[0].error is None
    assert generations[1].output is None and "gave up after 3 attempts" in generations[1].error
    assert generations[2].output is None and "HTTP 400" in generations[2].error  # not retried
    assert server.authorizations[0] is None  # no key in the environment: no header


@pytest.mark.parametrize("retries, answered", [(3, True), (2, False)])
def test_timeouts_dropped_connections_and_429_are_retried(server: ChatServer, retries: int, answered: bool) -> None:
    sentence = next(iter(TRANSLATIONS))
    server.misbehave = {sentence: ["slow", "drop", "429"]}
    (generation,) = client(server, max_retries=retries, timeout_s=0.5).generate([Example("a", sentence)])
    sent = [r for r in server.requests if r["messages"][-1]["content"].endswith(sentence)]
    assert len(sent) == retries + 1
    if answered:
        assert generation.output == TRANSLATIONS[sentence] and generation.error is None
    else:
        assert generation.output is None
        assert generation.error.startswith("gave up after 3 attempts; last: HTTP 429")


def test_unreachable_server_fails_at_load() -> None:
    cfg = OmegaConf.merge(
        OmegaConf.structured(OpenAICompatibleConfig),
        {"name": "x", "base_url": "http://127.0.0.1:9/v1", "model_name": "m", "timeout_s": 2},
    )
    with pytest.raises(ModelLoadError, match="not reachable"):
        OpenAICompatibleModel(cfg, TaskSpec("translate", "en", "es"))


@pytest.mark.slow
def test_seed_end_to_end_without_storing_the_key(
    server: ChatServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HARNESS_TEST_KEY", SECRET)
    folder = run_harness(
        tmp_path,
        "task=translate",
        "model=openai_compatible",
        "dataset=seed",
        f"model.base_url={server.base_url}",
        "model.model_name=test-model",
        "model.api_key_env=HARNESS_TEST_KEY",
        "metrics.names=[bleu,chrf,ter,language]",
    )
    metrics = read_metrics(folder)
    assert metrics["bleu"]["value"] == pytest.approx(100.0) and metrics["ter"]["value"] == 0.0
    assert metrics["language.on_target"]["value"] == 1.0
    assert len(read_jsonl(folder / "predictions.jsonl")) == 12
    for file in folder.rglob("*"):
        if file.is_file():
            assert SECRET not in file.read_text(encoding="utf-8", errors="replace"), file


def test_model_name_is_required() -> None:
    cfg = OmegaConf.merge(OmegaConf.structured(OpenAICompatibleConfig), {"name": "x"})
    with pytest.raises(ModelLoadError, match="model.model_name"):
        OpenAICompatibleModel(cfg, TaskSpec("translate", "en", "es"))
