"""``harness view`` on the command line (loopback by default, another host only with --allow-remote and a
warning, the URL printed once listening) and ``harness report --viewer-url``'s links to its pages."""

from __future__ import annotations

import re
import socket
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from starlette.testclient import TestClient

from harness.app.view.server import create_app
from harness.runfolder.load import load_runs
from runfolders import write_run
from viewer_server import serving

Cli = Callable[..., tuple[int, str, str]]


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("view-cli") / "results"
    write_run(
        root,
        task="summarise",
        model="lead",
        dataset="seed",
        examples=[{"id": 'a&b"<x>', "source": "A source.", "references": ["A ref."], "meta": {}}],
        outputs=["An output."],
        scores=[{"rouge1": 0.5}],
        signatures={"rouge1": "rouge"},
    )
    return root


@pytest.mark.slow
def test_view_listens_on_loopback_and_prints_its_url(results: Path) -> None:
    with serving(str(results), "--port", "0") as (url, _):
        assert url.startswith("http://127.0.0.1:")
        response = httpx.get(url, timeout=30)
        assert response.status_code == 200 and "1 row(s)" in response.text
        assert "server" not in response.headers


@pytest.mark.slow
def test_view_on_another_host_needs_the_flag_and_warns(results: Path) -> None:
    with serving(str(results), "--host", "0.0.0.0", "--port", "0", "--allow-remote") as (url, process):
        port = url.rsplit(":", 1)[1].rstrip("/")
        assert httpx.get(f"http://127.0.0.1:{port}/", timeout=30).status_code == 200
    assert process.stderr is not None
    assert "warning: serving on 0.0.0.0, reachable from other machines" in process.stderr.read()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--host", "0.0.0.0"], "--host 0.0.0.0: not a loopback address; other machines could read the runs."),
        (["--host", "192.168.1.10"], "Add --allow-remote to serve them anyway"),
        (["--port", "70000"], "--port 70000: expected a port from 0 to 65535"),
    ],
)
def test_view_refuses_a_remote_host_or_bad_port_before_loading(
    cli: Cli, results: Path, args: list[str], message: str
) -> None:
    status, stderr, _ = cli("view", str(results), *args)
    assert status == 2 and stderr.count("\n") == 1 and stderr.startswith("harness: error: ") and message in stderr


def test_view_on_a_port_in_use_is_one_error_line(cli: Cli, results: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        status, stderr, _ = cli("view", str(results), "--port", str(port))
    assert (
        status == 2
        and stderr == f"harness: error: --host 127.0.0.1 --port {port}: cannot listen there (Address already in use)\n"
    )


def test_view_of_no_run_is_one_error_line(cli: Cli, tmp_path: Path) -> None:
    status, stderr, _ = cli("view", str(tmp_path), "--port", "0")
    assert status == 2 and stderr.startswith("harness: error: no run folder") and stderr.count("\n") == 1


def test_report_links_each_example_to_the_viewer(cli: Cli, results: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    status, stderr, _ = cli("report", str(results), "-o", str(out), "--viewer-url", "http://127.0.0.1:8765/")
    assert status == 0, stderr
    page = out.read_text(encoding="utf-8")
    (href,) = re.findall(r'<h4><a href="([^"]+)">a&amp;b&quot;&lt;x&gt;</a></h4>', page)
    assert href == "http://127.0.0.1:8765/example?id=a%26b%22%3Cx%3E"
    # The link names the example's page in the viewer over the same runs.
    with TestClient(create_app(load_runs([results]))) as client:
        response = client.get(href.removeprefix("http://127.0.0.1:8765"))
    assert response.status_code == 200 and "a&amp;b&#34;&lt;x&gt;" in response.text


def test_report_without_viewer_url_has_no_links(cli: Cli, results: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    assert cli("report", str(results), "-o", str(out))[0] == 0
    assert "<h4>a&amp;b&quot;&lt;x&gt;</h4>" in out.read_text(encoding="utf-8")


@pytest.mark.parametrize("url", ["javascript:alert(1)", "127.0.0.1:8765", "http://", "http://h/?x=1"])
def test_report_refuses_a_viewer_url_that_is_not_http(cli: Cli, results: Path, tmp_path: Path, url: str) -> None:
    status, stderr, _ = cli("report", str(results), "-o", str(tmp_path / "r.html"), f"--viewer-url={url}")
    assert status == 2 and "expected an http(s) address" in stderr and not (tmp_path / "r.html").exists()
