"""openai_compatible against a small real chat-completions server on 127.0.0.1."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml
from omegaconf import OmegaConf

from conftest import ROOT, read_jsonl, read_metrics, run_harness
from harness.data.example import Example
from harness.models.base import ModelLoadError
from harness.models.config import OpenAICompatibleConfig
from harness.models.openai_compatible import OpenAICompatibleModel
from harness.task import TaskSpec

SECRET = "sk-test-do-not-store-0123456789"
SPEC = yaml.safe_load((ROOT / "seeds" / "russia-dprk-pact.yaml").read_text(encoding="utf-8"))
TRANSLATIONS = dict(zip(SPEC["translation"]["en"], SPEC["translation"]["es"], strict=True))


class ChatServer(ThreadingHTTPServer):
    """Answers with the seed's Spanish reference for a known English sentence; scripted failures."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), ChatHandler)
        self.requests: list[dict[str, Any]] = []
        self.authorizations: list[str | None] = []
        self.fail_first: dict[str, int] = {}  # source -> how many 503s before answering
        self.misbehave: dict[str, list[str]] = {}  # source -> "slow", "drop" or "429", one per request
        self.active = 0
        self.max_active = 0
        self.lock = threading.Lock()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/v1"


class ChatHandler(BaseHTTPRequestHandler):
    server: ChatServer

    def log_message(self, *args: object) -> None:  # keep test output quiet
        pass

    def do_GET(self) -> None:
        self._reply(200, {"object": "list", "data": [{"id": "test-model", "object": "model"}]})

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        source = body["messages"][-1]["content"].rsplit("\n\n", 1)[-1]
        with self.server.lock:
            self.server.requests.append(body)
            self.server.authorizations.append(self.headers.get("Authorization"))
            self.server.active += 1
            self.server.max_active = max(self.server.max_active, self.server.active)
            failures = self.server.fail_first.get(source, 0)
            if failures:
                self.server.fail_first[source] = failures - 1
            queued = self.server.misbehave.get(source, [])
            misbehaviour = queued.pop(0) if queued else None
        time.sleep(0.05)  # overlap concurrent requests
        with self.server.lock:
            self.server.active -= 1
        if misbehaviour in ("slow", "drop"):  # closed without an answer (late: past the client's timeout)
            time.sleep(1.0 if misbehaviour == "slow" else 0.0)
            self.close_connection = True
            self.connection.close()
        elif misbehaviour == "429":
            self._reply(429, {"error": "too many requests"})
        elif failures:
            self._reply(503, {"error": "overloaded"})
        elif source == "BAD":
            self._reply(400, {"error": "bad request"})
        else:
            content = TRANSLATIONS.get(source, source)
            self._reply(200, {"choices": [{"index": 0, "message": {"role": "assistant", "content": content}}]})

    def _reply(self, status: int, payload: dict[str, Any]) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture()
def server() -> Iterator[ChatServer]:
    chat = ChatServer()
    thread = threading.Thread(target=chat.serve_forever, daemon=True)
    thread.start()
    yield chat
    chat.shutdown()
    chat.server_close()


def client(server: ChatServer, **overrides: object) -> OpenAICompatibleModel:
    cfg = OmegaConf.merge(
        OmegaConf.structured(OpenAICompatibleConfig),
        {"name": "local", "base_url": server.base_url, "model_name": "test-model", "backoff_s": 0.01,
         "api_key_env": "HARNESS_TEST_KEY", **overrides},
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
        tmp_path, "task=translate", "model=openai_compatible", "dataset=seed", f"model.base_url={server.base_url}",
        "model.model_name=test-model", "model.api_key_env=HARNESS_TEST_KEY", "metrics.names=[bleu,chrf,ter,language]",
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
