"""The viewer's web app (Starlette): the examples table, an example's page and two runs side by side, all
rendered on the server from Jinja2 templates that escape every value; no page runs a script.

Every response carries a Content-Security-Policy that allows only the package's own style sheet, so
even a string that escaped escaping could neither run nor load anything. The app only reads the runs it
was given (loaded once, before serving).
"""

from __future__ import annotations

import ipaddress
import math
import socket
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

import jinja2
from markupsafe import Markup
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from harness.app.view.index import FIXED, PAGE_SIZE, STATUS_FILTERS, VERDICT_FILTERS, ExamplesIndex, Query
from harness.app.view.marks import FACT_VERDICTS, evidence_html, output_html, unplaced_evidence
from harness.app.view.pairs import Pairs
from harness.core.errors import InputError
from harness.results.compare import unique_labels
from harness.runfolder.load import Run

CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
DEFAULT_COLUMNS = 6  # metric columns shown when the URL names none
_ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("harness.app.view", "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
)


class BadRequest(ValueError):
    """A query parameter the viewer cannot use; shown as a 400 page naming it."""


class SecurityHeaders:
    """ASGI middleware adding :data:`HEADERS` to every HTTP response, static files and errors included, and
    refusing a request whose Host is not one of ``allowed_hosts`` (when given): a web page that points its
    own name at 127.0.0.1 (DNS rebinding) gets no data."""

    def __init__(self, app: ASGIApp, allowed_hosts: Sequence[str] | None = None) -> None:
        self.app = app
        self.allowed_hosts = set(allowed_hosts) if allowed_hosts else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def add_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.decode("latin-1").lower() != "server"]
                headers += [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in HEADERS.items()]
                message = {**message, "headers": headers}
            await send(message)

        app = self.app
        host = dict(scope.get("headers", [])).get(b"host", b"").decode("latin-1")
        if scope["type"] == "http" and self.allowed_hosts is not None and _host_name(host) not in self.allowed_hosts:
            app = PlainTextResponse("harness view: requests must name this machine's loopback address", 400)
        await app(scope, receive, add_headers)


def _host_name(header: str) -> str | None:
    """The name in a Host header (``[::1]:8765`` -> ``::1``), lower case; None when it is malformed."""
    try:
        return urlsplit(f"//{header}").hostname
    except ValueError:
        return None


@dataclass(frozen=True)
class Viewer:
    """The runs and what the pages look up in them."""

    runs: list[Run]
    labels: list[str]
    index: ExamplesIndex
    pairs: Pairs
    examples: list[dict[str, dict[str, Any]]]  # per run: id -> example
    predictions: list[dict[str, Any]]
    scores: list[dict[str, Any]]

    @classmethod
    def of(cls, runs: Sequence[Run]) -> Viewer:
        runs, labels = list(runs), unique_labels(runs)
        return cls(
            runs=runs,
            labels=labels,
            index=ExamplesIndex(runs, labels),
            pairs=Pairs(runs),
            examples=[{str(ex["id"]): ex for ex in run.examples} for run in runs],
            predictions=[dict(run.predictions_by_id()) for run in runs],
            scores=[dict(run.scores_by_id()) for run in runs],
        )


def _render(template: str, status: int = 200, **context: Any) -> HTMLResponse:
    return HTMLResponse(_ENV.get_template(template).render(**context), status_code=status)


def _url(path: str, params: Mapping[str, Any] | Sequence[tuple[str, Any]]) -> str:
    items = params.items() if isinstance(params, Mapping) else params
    kept = [(k, v) for k, v in items if v is not None and v != ""]
    return path + ("?" + urlencode(kept) if kept else "")


def _linker(path: str, request: Request) -> Callable[..., str]:
    """``url(name=value, ...)``: this page's address with those parameters changed (None drops one)."""
    params = list(request.query_params.multi_items())

    def url(**changes: Any) -> str:
        kept = [(k, v) for k, v in params if k not in changes]
        return _url(path, kept + list(changes.items()))

    return url


def _parse(name: str, text: str | None, kind: type[float] | type[int]) -> float | int | None:
    """A number from the URL; None for an empty field."""
    if text is None or not text.strip():
        return None
    try:
        return kind(text)
    except ValueError:
        raise BadRequest(f"{name}={text!r}: expected {'an integer' if kind is int else 'a number'}") from None


def _number(name: str, text: str | None) -> float | None:
    value = _parse(name, text, float)
    if value is not None and not math.isfinite(value):
        raise BadRequest(f"{name}={text!r}: expected a finite number")
    return value


def _integer(name: str, text: str | None, default: int, low: int, high: int | None = None) -> int:
    value = _parse(name, text, int)
    if value is None:
        return default
    if value < low or (high is not None and value > high):
        upper = f" to {high}" if high is not None else ""
        raise BadRequest(f"{name}={text!r}: expected an integer from {low}{upper}")
    return int(value)


def _choice(name: str, text: str | None, choices: Sequence[str]) -> str:
    if not text:
        return ""
    if text not in choices:
        raise BadRequest(f"{name}={text!r}: expected one of {', '.join(choices)}")
    return text


def table_query(viewer: Viewer, params: Mapping[str, str], columns: Sequence[str]) -> Query:
    """The table query a URL asks for; :class:`BadRequest` names the first bad parameter."""
    ranges = {}
    for name in columns:
        low, high = _number(f"min.{name}", params.get(f"min.{name}")), _number(f"max.{name}", params.get(f"max.{name}"))
        if low is not None or high is not None:
            ranges[name] = (low, high)
    sort = params.get("sort", "")
    if sort and sort not in viewer.index.columns:
        raise BadRequest(f"sort={sort!r}: not a column")
    run = params.get("run")
    return Query(
        run=None if not run else _integer("run", run, 0, 0, len(viewer.runs) - 1),
        text=params.get("q", "").strip(),
        verdict=_choice("verdict", params.get("verdict"), list(VERDICT_FILTERS)),
        status=_choice("status", params.get("status"), list(STATUS_FILTERS)),
        ranges=ranges,
        sort=sort,
        descending=params.get("dir") == "desc",
        page=_integer("page", params.get("page"), 1, 1),
        page_size=_integer("per", params.get("per"), PAGE_SIZE, 1, 500),
    )


def table_page(viewer: Viewer, request: Request) -> HTMLResponse:
    chosen = request.query_params.getlist("col")
    unknown = [name for name in chosen if name not in viewer.index.metrics]
    if unknown:
        raise BadRequest(f"col={unknown[0]!r}: not a score key of these runs")
    columns = chosen or viewer.index.metrics[:DEFAULT_COLUMNS]
    query = table_query(viewer, request.query_params, [*FIXED, *viewer.index.metrics])
    page = viewer.index.page(query)
    url = _linker("/", request)

    def sort_url(name: str) -> str:
        descending = not (query.sort == name and query.descending)
        return url(sort=name, dir="desc" if descending else "asc", page=None)

    return _render(
        "table.html",
        viewer=viewer,
        query=query,
        page=page,
        columns=columns,
        fixed=FIXED,
        verdicts=VERDICT_FILTERS,
        statuses=STATUS_FILTERS,
        params=request.query_params,
        url=url,
        sort_url=sort_url,
        example_url=lambda row: _url("/example", {"id": row.id, "run": viewer.labels[row.run]}),
    )


def example_page(viewer: Viewer, request: Request) -> HTMLResponse:
    example_id = request.query_params.get("id", "")
    focus = request.query_params.get("run", "")
    present = [i for i, examples in enumerate(viewer.examples) if example_id in examples]
    if not present:
        raise BadRequest(f"id={example_id!r}: no run has this example")
    # Runs over other data may reuse an id: one group per distinct (source, references).
    groups: dict[tuple[str, tuple[str, ...]], list[int]] = {}
    for i in present:
        example = viewer.examples[i][example_id]
        groups.setdefault((str(example.get("source", "")), tuple(example.get("references") or ())), []).append(i)
    blocks = []
    for (source, references), members in groups.items():
        facts = viewer.examples[members[0]][example_id].get("meta", {}).get("facts") or []
        outputs = []
        for i in members:
            prediction = viewer.predictions[i].get(example_id, {})
            record = viewer.scores[i].get(example_id, {"scores": {}, "details": {}})
            details = record.get("details", {})
            output = prediction.get("output")
            aggregates = viewer.runs[i].metrics["metrics"]
            outputs.append(
                {
                    "run": i,
                    "label": viewer.labels[i],
                    "folder": viewer.runs[i].label,
                    "focus": viewer.labels[i] == focus or viewer.runs[i].label == focus,
                    "output": None if output is None else Markup(output_html(output, details)),
                    "error": prediction.get("error") or viewer.runs[i].metrics.get("errors", {}).get(example_id),
                    "truncated": bool(prediction.get("truncated")),
                    "scores": [
                        (name, value, aggregates.get(name, {}).get("signature", ""))
                        for name, value in record.get("scores", {}).items()
                    ],
                    "verdicts": details.get(FACT_VERDICTS, []),
                    "notes": _notes(details),
                }
            )
        blocks.append(
            {
                "source": Markup(evidence_html(source, facts)),
                "unplaced": unplaced_evidence(source, facts),
                "references": references,
                "outputs": outputs,
            }
        )
    return _render("example.html", viewer=viewer, example_id=example_id, blocks=blocks)


def _notes(details: Mapping[str, Any]) -> list[tuple[str, Any]]:
    """What judges and checkers said besides the fact verdicts: LLM judges' errors, key-fact verdicts and
    MQM spans, auto_facts' reasons; text is escaped by the template."""
    notes = []
    for key, value in details.items():
        if key.startswith("llm_judge.") or key == "auto_facts.reasons":
            notes.append((key, value))
    return notes


def compare_page(viewer: Viewer, request: Request) -> HTMLResponse:
    params = request.query_params
    last = len(viewer.runs) - 1
    baseline = _integer("a", params.get("a"), 0, 0, last)
    system = _integer("b", params.get("b"), min(1, last), 0, last)
    reason = viewer.pairs.comparable(baseline, system) if baseline != system else "the same run twice"
    pair = None
    metric = params.get("metric", "")
    if reason is None:
        shared = viewer.pairs.shared_metrics(baseline, system)
        metric = metric or (shared[0] if shared else "")
        pair = viewer.pairs.pair(baseline, system, metric)
    per = PAGE_SIZE
    deltas = pair.deltas if pair else []
    pages = max(1, math.ceil(len(deltas) / per))
    page = min(_integer("page", params.get("page"), 1, 1), pages)
    url = _linker("/compare", request)

    return _render(
        "compare.html",
        viewer=viewer,
        baseline=baseline,
        system=system,
        metric=metric,
        reason=reason,
        pair=pair,
        deltas=deltas[(page - 1) * per : page * per],
        n_changed=len(deltas),
        page=page,
        pages=pages,
        url=url,
        example_url=lambda example_id: _url("/example", {"id": example_id}),
    )


def create_app(runs: Sequence[Run], allowed_hosts: Sequence[str] | None = None) -> Starlette:
    """The viewer over ``runs``; ``allowed_hosts`` refuses requests naming another Host (DNS rebinding)."""
    viewer = Viewer.of(runs)

    def page(render: Any) -> Any:
        async def endpoint(request: Request) -> Response:
            try:
                return render(viewer, request)
            except BadRequest as error:
                return _render("error.html", status=400, message=str(error))

        return endpoint

    return Starlette(
        routes=[
            Route("/", page(table_page)),
            Route("/example", page(example_page)),
            Route("/compare", page(compare_page)),
            Mount("/static", StaticFiles(packages=[("harness.app.view", "static")]), name="static"),
        ],
        middleware=[Middleware(SecurityHeaders, allowed_hosts=allowed_hosts)],
    )


LOOPBACK = ("127.0.0.1", "localhost", "::1")


def is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def serve(runs: Sequence[Run], host: str, port: int) -> None:
    """Serve the viewer until interrupted, printing its URL once the port is bound (``port`` 0: any free one).
    On loopback, requests must name a loopback host (no DNS rebinding from a web page)."""
    import uvicorn  # the server only: tests use the app without it

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as error:
        sock.close()
        raise InputError(f"--host {host} --port {port}: cannot listen there ({error.strerror or error})") from None
    app = create_app(runs, allowed_hosts=(*LOOPBACK, host.lower()) if is_loopback(host) else None)
    sock.listen(128)  # connections made as soon as the URL is printed wait for the server instead of failing
    bound = sock.getsockname()[1]
    shown = f"[{host}]" if ":" in host else host
    print(f"harness view: {len(runs)} run(s) at http://{shown}:{bound}/ (Ctrl-C stops)", flush=True)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", server_header=False, date_header=False))
    server.run(sockets=[sock])
