"""A small real chat-completions server on 127.0.0.1 for tests: scripted answers and failures.

``answer(body, authorization)`` gives the reply's content (a string), a whole JSON payload (a dict) or
a status with a payload (a tuple); ``authorization`` is the request's header or None. Requests are
keyed by ``key(body)`` (default: the last paragraph of the last message) for scripted misbehaviour:
``fail_first[key]`` 503s before answering, ``misbehave[key]`` a queue of ``"slow"`` (past the client's
timeout), ``"drop"`` (connection closed without an answer) or ``"429"``, one per request.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Body = dict[str, Any]
Answer = Callable[[Body, str | None], str | Body | tuple[int, Body]]


def last_paragraph(body: Body) -> str:
    return str(body["messages"][-1]["content"]).rsplit("\n\n", 1)[-1]


class ChatServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, answer: Answer, key: Callable[[Body], str] = last_paragraph) -> None:
        super().__init__(("127.0.0.1", 0), ChatHandler)
        self.answer = answer
        self.key = key
        self.requests: list[Body] = []
        self.authorizations: list[str | None] = []
        self.fail_first: dict[str, int] = {}
        self.misbehave: dict[str, list[str]] = {}
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
        key = self.server.key(body)
        with self.server.lock:
            self.server.requests.append(body)
            self.server.authorizations.append(self.headers.get("Authorization"))
            self.server.active += 1
            self.server.max_active = max(self.server.max_active, self.server.active)
            failures = self.server.fail_first.get(key, 0)
            if failures:
                self.server.fail_first[key] = failures - 1
            queued = self.server.misbehave.get(key, [])
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
        elif key == "BAD":
            self._reply(400, {"error": "bad request"})
        else:
            answer = self.server.answer(body, self.headers.get("Authorization"))
            status, payload = answer if isinstance(answer, tuple) else (200, answer)
            if isinstance(payload, str):
                payload = {"choices": [{"index": 0, "message": {"role": "assistant", "content": payload}}]}
            self._reply(status, payload)

    def _reply(self, status: int, payload: Body) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@contextmanager
def serving(server: ChatServer) -> Iterator[ChatServer]:
    """``server`` answering in a background thread until the block ends."""
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
