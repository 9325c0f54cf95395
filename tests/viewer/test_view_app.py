"""The viewer's pages through Starlette's test client: escaping of hostile run folders, the security
headers, sorting, filtering and paging on the server, the example page's marks, two runs side by side
(``compare``'s numbers), and that nothing is ever written into a run folder."""

from __future__ import annotations

import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from harness.app.view.server import CSP, LOOPBACK, create_app
from harness.results.compare import compare_runs, per_example_values
from harness.runfolder.load import load_run, load_runs
from runfolders import write_run, write_translation_run
from viewer_server import folder_digest

# The report's payloads (tests/test_report.py, tests/test_bad_inputs_results.py).
ATTACK = "Pact signed in 2023 <script>alert('x')</script> & <img src=x onerror=alert(1)>"
EVIL_MODEL = "<img src=x onerror=alert(1)>"
SOURCE = "Russia and <b>North Korea</b> signed a pact in 2024 in Pyongyang."
FACTS = [
    {"id": "year", "kind": "date", "value": "2024", "evidence": "signed a pact in 2024"},
    {"id": "place", "kind": "entity", "value": "Pyongyang", "evidence": "not in the source <script>"},
]
N = 8


def _examples(n: int = N) -> list[dict[str, Any]]:
    return [
        {
            "id": "ex<1>" if i == 0 else f"ex{i}",
            "source": SOURCE if i == 0 else f"Source {i} about <i>things</i>.",
            "references": ["Pact signed in 2024."],
            "meta": {"facts": FACTS} if i == 0 else {},
        }
        for i in range(n)
    ]


def _details(verdict: str) -> dict[str, Any]:
    return {
        "facts.verdicts": [
            {"fact_id": "year", "kind": "date", "verdict": verdict, "span": [15, 19], "text": "2023"}
            | {"reason": "<b>r</b>"},
            {"fact_id": "place", "kind": "entity", "verdict": "absent", "span": None, "text": None, "reason": "none"},
        ],
        "auto_facts.unsupported": [{"type": "entity", "text": "Pact", "span": [0, 4]}],
        "auto_facts.flagged_spans": [{"type": "word", "text": "signed", "span": [5, 11]}],
        "llm_judge.mqm.errors": [{"span": "alert", "category": "<i>accuracy</i>", "severity": "major"}],
        "llm_judge.geval.error": 'the judge\'s answer is not JSON: "<script>x</script>"',
    }


def _run(root: Path, model: str, rouge: list[float], verdict: str, stamp: str, fingerprint: str = "fp0") -> Path:
    examples = _examples()
    outputs: list[str | None] = [ATTACK if verdict == "contradicted" else "Pact signed in 2024."] + [
        f"output {i}" for i in range(1, N)
    ]
    outputs[-1] = None  # a failed generation
    return write_run(
        root,
        task="summarise",
        model=model,
        dataset="seed",
        examples=examples,
        outputs=outputs,
        scores=[{"rouge1": r, "facts.recall": 0.5, "facts.year.supported": 0.0} for r in rouge],
        details=[_details(verdict if i == 0 else "supported") for i in range(N)],
        signatures={"rouge1": "rouge-sig", "facts.recall": "facts-sig", "facts.year.supported": "facts-sig"},
        stamp=stamp,
        fingerprint=fingerprint,
    )


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("view") / "results"
    return {
        "lead": _run(root, "lead", [0.1 * i for i in range(N)], "supported", "2026-01-01/10-00-00"),
        "evil": _run(root, EVIL_MODEL, [0.9 - 0.1 * i for i in range(N)], "contradicted", "2026-01-01/11-00-00"),
        "other": _run(root, "other", [0.5] * N, "supported", "2026-01-01/12-00-00", fingerprint="fp1"),
    }


@pytest.fixture(scope="module")
def client(runs: dict[str, Path]) -> Iterator[TestClient]:
    root = runs["lead"].parents[1]
    before = folder_digest(root)
    app = create_app(load_runs([root]), allowed_hosts=LOOPBACK)
    with TestClient(app, base_url="http://127.0.0.1") as test_client:
        yield test_client
    assert folder_digest(root) == before, "the viewer wrote into a run folder"


# The elements the viewer's templates write; anything else would come from a run folder's text.
SAFE_TAGS = set(
    "html head meta title link body nav strong a h1 h2 h3 form fieldset label select option input button p "
    "span div table thead tbody tr th td em section mark ul li small details summary dl dt dd b caption code".split()
)


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))


def _tags(page: str) -> list[tuple[str, list[tuple[str, str | None]]]]:
    parser = _Tags()
    parser.feed(page)
    return parser.tags


def _rows(page: str) -> list[list[str]]:
    """The table's rows as cell texts (tags stripped, entities left as they are)."""
    body = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [
        [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.DOTALL)]
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.DOTALL)
    ]


PAGES = [
    "/",
    "/?col=rouge1&col=facts.recall&sort=rouge1&dir=desc",
    "/example?id=ex%3C1%3E",
    "/compare?a=0&b=1&metric=rouge1",
    "/compare?a=0&b=2",
    "/?sort=%3Cscript%3E",
]


@pytest.mark.parametrize("url", PAGES)
def test_every_page_escapes_run_folder_strings_and_sends_a_strict_policy(client: TestClient, url: str) -> None:
    response = client.get(url)
    tags = _tags(response.text)
    assert {tag for tag, _ in tags} <= SAFE_TAGS, "an element came from a run folder"
    attributes = [(name, value) for _, attrs in tags for name, value in attrs]
    assert not [name for name, _ in attributes if name.startswith("on") or name == "style"]
    assert not [value for name, value in attributes if name in ("href", "src", "action") and ":" in (value or "")]
    policy = response.headers["content-security-policy"]
    directives = {name: values for name, *values in (part.split() for part in policy.split(";") if part.strip())}
    assert directives["default-src"] == ["'none'"] and directives["style-src"] == ["'self'"]
    assert "script-src" not in directives and "unsafe-inline" not in policy
    assert response.headers["x-content-type-options"] == "nosniff"


def test_hostile_strings_are_shown_as_text(client: TestClient) -> None:
    table = client.get("/?verdict=contradicted").text
    assert "&lt;img src=x onerror=alert(1)&gt;" in table  # the model name
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in table  # the output
    example = client.get("/example", params={"id": "ex<1>"}).text
    assert "ex&lt;1&gt;" in example and "&lt;b&gt;North Korea&lt;/b&gt;" in example
    assert "&lt;i&gt;accuracy&lt;/i&gt;" in example and "&lt;b&gt;r&lt;/b&gt;" in example


def test_static_files_carry_the_policy_too(client: TestClient) -> None:
    response = client.get("/static/viewer.css")
    assert response.status_code == 200 and "mark.contradicted" in response.text
    assert response.headers["content-security-policy"] == CSP


@pytest.mark.parametrize(
    ("host", "status"),
    [("127.0.0.1:8765", 200), ("LOCALHOST:8765", 200), ("[::1]:8765", 200), ("attacker.example", 400), ("[bad", 400)],
)
def test_only_loopback_host_names_are_served(client: TestClient, host: str, status: int) -> None:
    """DNS rebinding: a page on another site that points its name at 127.0.0.1 gets no data."""
    response = client.get("/", headers={"host": host})
    assert response.status_code == status and response.headers["content-security-policy"] == CSP


def test_sort_by_a_score_both_ways_with_no_value_last(client: TestClient) -> None:
    down = _rows(client.get("/?run=0&col=rouge1&sort=rouge1&dir=desc").text)
    up = _rows(client.get("/?run=0&col=rouge1&sort=rouge1&dir=asc").text)
    values_down = [row[3] for row in down]
    assert values_down == ["0.6000", "0.5000", "0.4000", "0.3000", "0.2000", "0.1000", "0.0000", "–"]
    assert [row[3] for row in up] == [*reversed(values_down[:-1]), "–"]  # the failed output stays last


def test_filters_verdict_text_range_status_and_run(client: TestClient) -> None:
    contradicted = _rows(client.get("/?verdict=contradicted").text)
    assert [(row[0], row[1]) for row in contradicted] == [("&lt;img src=x onerror=alert(1)&gt;", "ex&lt;1&gt;")]
    assert len(_rows(client.get("/?verdict=clean").text)) == 3 * N - 1
    found = _rows(client.get("/", params={"q": "NORTH korea"}).text)  # in the source, case-insensitive
    assert {row[1] for row in found} == {"ex&lt;1&gt;"} and len(found) == 3
    assert {row[1] for row in _rows(client.get("/", params={"q": "output 3"}).text)} == {"ex3"}
    ranged = _rows(client.get("/?run=0&col=rouge1&min.rouge1=0.25&max.rouge1=0.45").text)
    assert [row[3] for row in ranged] == ["0.3000", "0.4000"]
    errors = _rows(client.get("/?status=error").text)
    assert [row[1] for row in errors] == [f"ex{N - 1}"] * 3 and all(row[-2] == "generation failed" for row in errors)


def test_paging_on_the_server(client: TestClient) -> None:
    page = client.get("/?per=5&page=2").text
    assert re.search(r"<p id=\"count\">24 row\(s\) · page 2 of 5", page)
    assert len(_rows(page)) == 5
    assert len(_rows(client.get("/?per=5&page=5").text)) == 4


@pytest.mark.parametrize(
    ("url", "named"),
    [
        ("/?sort=nope", "sort=&#39;nope&#39;"),
        ("/?min.rouge1=abc", "min.rouge1=&#39;abc&#39;: expected a number"),
        ("/?page=0", "page=&#39;0&#39;"),
        ("/?verdict=maybe", "verdict=&#39;maybe&#39;"),
        ("/?col=<b>", "col=&#39;&lt;b&gt;&#39;"),
        ("/?run=9", "run=&#39;9&#39;"),
        ("/example?id=nope", "id=&#39;nope&#39;: no run has this example"),
        ("/compare?a=7", "a=&#39;7&#39;"),
    ],
)
def test_bad_parameters_are_a_400_naming_them(client: TestClient, url: str, named: str) -> None:
    response = client.get(url)
    assert response.status_code == 400 and named in response.text


def test_example_page_marks_evidence_and_every_kind_of_span(client: TestClient) -> None:
    page = client.get("/example", params={"id": "ex<1>", "run": "lead"}).text
    assert '<mark class="evidence" title="evidence of key fact year">signed a pact in 2024</mark>' in page
    assert "place: not in the source &lt;script&gt;" in page  # evidence not found verbatim: listed
    assert '<mark class="contradicted" title="contradicts key fact year">2023</mark>' in page
    assert '<mark class="unsupported" title="entity not in the source">Pact</mark>' in page
    assert '<mark class="flagged" title="flagged by auto_facts: word">signed</mark>' in page
    assert '<mark class="mqm" title="MQM major &lt;i&gt;accuracy&lt;/i&gt;">alert</mark>' in page
    assert "rouge-sig" in page and "facts-sig" in page  # every score with its signature
    assert "llm_judge.geval.error" in page  # the judge's reason
    assert page.count('<section class="run') == 3 and '<section class="run focus" id="run-0">' in page


def test_compare_shows_compares_bootstrap_and_deltas_largest_first(client: TestClient, runs: dict[str, Path]) -> None:
    page = client.get("/compare?a=0&b=1&metric=rouge1").text
    expected = compare_runs([load_run(runs["lead"]), load_run(runs["evil"])], moved_by="rouge1")
    (metric,) = [m for m in expected.metrics if m.name == "rouge1"]
    system = metric.systems[0]
    assert f"{system.delta:+.4f}" in page and f"{system.delta_ci[0]:+.4f}" in page
    assert f"{system.p_bootstrap:.4f}" in page and f"{metric.baseline_mean:.4f} ± {metric.baseline_ci:.4f}" in page
    deltas = re.findall(r'<td class="num (?:good|bad)">([^<]+)</td>', page)
    assert deltas == sorted(deltas, key=lambda d: -abs(float(d)))
    moved = next(iter(expected.moved.values()))  # compare's movers: the top of the same list
    assert deltas[: len(moved)] == [f"{m.delta:+.4f}" for m in moved] and deltas[0] == "+0.9000"


def test_compare_refuses_runs_over_other_data_with_the_reason(client: TestClient) -> None:
    page = client.get("/compare?a=0&b=2").text
    assert 'id="reason"' in page and "different data" in page and "fp0" in page and "fp1" in page
    assert 'id="bootstrap"' not in page


def test_a_corpus_score_is_shown_per_example_as_compare_ranks_it(tmp_path: Path) -> None:
    """BLEU has no per-example value in scores.jsonl: the table shows each example's own sentence BLEU
    (compare's per_example_values), so sorting by it finds the worst translations."""
    run = write_translation_run(
        tmp_path,
        model="mt",
        sources=["a", "b", "c"],
        references=["the cat sat on the mat", "a dog barks loudly", "it rains"],
        outputs=["the cat sat on the mat", "a cat barks", "sun"],
        metrics=("bleu",),
    )
    expected = per_example_values(load_run(run), "bleu")
    with TestClient(create_app(load_runs([run]))) as test_client:
        rows = _rows(test_client.get("/?col=bleu&sort=bleu&dir=desc").text)
    assert [(row[1], float(row[3])) for row in rows] == [
        (i, pytest.approx(v, abs=5e-5)) for i, v in sorted(expected.items(), key=lambda kv: -kv[1])
    ]
