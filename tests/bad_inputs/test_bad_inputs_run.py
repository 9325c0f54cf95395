"""Runs that go wrong as a whole: every example failed, a key echoed by the server, a run resumed while it
is still running, a completed run with failures resumed; truncated inputs counted (issue 10 items 5, 6, 8, 9)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from bad_input import assert_one_line_error, tree_digest
from chat_server import Body, ChatServer, serving
from testkit import ROOT, read_json, run_harness

Cli = Callable[..., tuple[int, str, str]]
KEY = "sk-hardening-0123456789abcdef"
QUICK = ("metrics.bootstrap_samples=10", "run.cache=false")


class EchoingServer(ChatServer):
    """A chat server that refuses the key, echoing it, for sources containing ``refuse`` (all when None)."""

    def __init__(self) -> None:
        super().__init__(self._answer)
        self.refuse: str | None = None

    def _answer(self, body: Body, authorization: str | None) -> str | tuple[int, Body]:
        source = body["messages"][-1]["content"]
        if self.refuse is None or self.refuse in source:
            return 401, {"error": f"invalid key {authorization}\nfor this model"}
        return str(source.rsplit(chr(10), 1)[-1])


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[EchoingServer]:
    monkeypatch.setenv("HARDENING_KEY", KEY)
    with serving(EchoingServer()) as chat:
        yield chat


def _http_run(server: EchoingServer, root: Path) -> list[str]:
    return [
        "run",
        f"run.output_root={root}",
        "task=translate",
        "task.target_lang=es",
        "dataset=seed",
        "model=openai_compatible",
        f"model.base_url=http://127.0.0.1:{server.server_address[1]}/v1",
        "model.model_name=m",
        "model.api_key_env=HARDENING_KEY",
        "model.max_retries=0",
        "metrics.names=[bleu]",
        *QUICK,
    ]


def _all_text(folder: Path) -> str:
    return "".join(path.read_text(encoding="utf-8") for path in folder.rglob("*") if path.is_file())


@pytest.mark.slow
def test_a_run_where_every_example_failed_is_a_failed_run(cli: Cli, server: EchoingServer, tmp_path: Path) -> None:
    status, stderr, _ = cli(*_http_run(server, tmp_path / "results"))
    line = assert_one_line_error(status, stderr, "every example failed", "12 x HTTP 401", "run.resume=", code=1)
    (run_dir,) = (tmp_path / "results").glob("*/*")
    info = read_json(run_dir / "run.json")
    assert info["status"] == "failed" and info["error"] == line.removeprefix("harness: error: ")
    assert not (run_dir / "metrics.json").exists()
    assert KEY not in stderr and KEY not in _all_text(run_dir)


@pytest.mark.slow
def test_an_echoed_key_is_stored_and_printed_nowhere(cli: Cli, server: EchoingServer, tmp_path: Path) -> None:
    server.refuse = "Pyongyang"  # a few of the 12 sentences: the run completes with their errors
    status, stderr, out = cli(*_http_run(server, tmp_path / "results"))
    (run_dir,) = (tmp_path / "results").glob("*/*")
    metrics = read_json(run_dir / "metrics.json")
    assert status == 0 and 0 < metrics["n_errors"] < 6
    assert "[api key redacted]" in next(iter(metrics["errors"].values()))
    report = tmp_path / "report.html"
    assert cli("report", str(run_dir), "-o", str(report))[0] == 0
    assert KEY not in stderr + out and KEY not in _all_text(run_dir) and KEY not in report.read_text(encoding="utf-8")


def _interrupted_run(root: Path) -> Path:
    """A finished quick run made to look as a crash leaves it: status running, no scores yet."""
    run_dir = run_harness(root, "metrics.names=[rouge]", *QUICK)
    info = read_json(run_dir / "run.json")
    (run_dir / "run.json").write_text(json.dumps({**info, "status": "running"}), encoding="utf-8")
    for name in ("scores.jsonl", "metrics.json", "summary.md"):
        (run_dir / name).unlink()
    return run_dir


@pytest.mark.slow
def test_resume_refuses_a_run_that_is_still_running(cli: Cli, tmp_path: Path) -> None:
    run_dir = _interrupted_run(tmp_path / "results")
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time\nfrom pathlib import Path\n"
            "from harness.runfolder.folder import RunFolder\nwith RunFolder(Path(sys.argv[1])).locked():\n"
            "    print('locked', flush=True)\n    time.sleep(300)",
            str(run_dir),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        before = tree_digest(tmp_path)
        for resume in ("auto", str(run_dir)):
            status, stderr, _ = cli(
                "run",
                f"run.output_root={tmp_path / 'results'}",
                "metrics.names=[rouge]",
                *QUICK,
                f"run.resume={resume}",
            )
            assert_one_line_error(status, stderr, str(run_dir), "still running", f"process {holder.pid}")
            assert tree_digest(tmp_path) == before
    finally:
        holder.kill()
        holder.wait()
    # The holder is gone: its lock is stale, and the run is taken over and finished.
    status, stderr, _ = cli(
        "run", f"run.output_root={tmp_path / 'results'}", "metrics.names=[rouge]", *QUICK, "run.resume=auto"
    )
    assert status == 0, stderr
    assert read_json(run_dir / "run.json")["status"] == "complete" and (run_dir / "metrics.json").is_file()
    assert not (run_dir / ".lock").exists()  # a run that ended leaves no lock file


SENTENCES = [f"russia-dprk-pact-2024-s{i:02d}" for i in range(1, 13)]  # the seed's ids under task=translate


def _predictions(path: Path, outputs: dict[str, str | None], truncated: tuple[str, ...] = ()) -> Path:
    rows = [{"id": i, "output": o, "truncated": i in truncated} for i, o in outputs.items()]
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


@pytest.mark.slow
def test_a_complete_run_with_failures_can_be_resumed_to_retry_them(cli: Cli, tmp_path: Path) -> None:
    outputs = {i: "Rusia firmó un pacto." for i in SENTENCES}
    path = _predictions(tmp_path / "outputs.jsonl", {**outputs, SENTENCES[3]: None})
    common = [
        "run",
        f"run.output_root={tmp_path / 'results'}",
        "task=translate",
        "task.target_lang=es",
        "model=predictions",
        f"model.path={path}",
        "metrics.names=[bleu]",
        *QUICK,
    ]
    status, stderr, _ = cli(*common)
    (run_dir,) = (tmp_path / "results").glob("*/*")
    assert status == 0 and read_json(run_dir / "metrics.json")["n_errors"] == 1, stderr
    _predictions(path, outputs)  # the cause is fixed
    status, stderr, _ = cli(*common, f"run.resume={run_dir}")
    assert status == 0, stderr
    assert read_json(run_dir / "metrics.json")["n_errors"] == 0
    assert read_json(run_dir / "metrics.json")["metrics"]["bleu"]["n"] == 12
    status, stderr, _ = cli(*common, f"run.resume={run_dir}")
    assert_one_line_error(status, stderr, f"run.resume={run_dir}", "already complete, with no failed example")


def test_truncated_inputs_are_counted_everywhere(cli: Cli, tmp_path: Path) -> None:
    outputs = _predictions(
        tmp_path / "outputs.jsonl", {i: "Rusia firmó un pacto." for i in SENTENCES}, truncated=tuple(SENTENCES[:2])
    )
    status, stderr, out = cli(
        "run",
        f"run.output_root={tmp_path / 'results'}",
        "task=translate",
        "task.target_lang=es",
        "model=predictions",
        f"model.path={outputs}",
        "metrics.names=[bleu]",
        *QUICK,
    )
    assert status == 0, stderr
    (run_dir,) = (tmp_path / "results").glob("*/*")
    assert read_json(run_dir / "metrics.json")["n_truncated"] == 2
    assert read_json(run_dir / "run.json")["n_truncated"] == 2
    assert "truncated inputs: 2" in (run_dir / "summary.md").read_text(encoding="utf-8")
    header, _, row = out.splitlines()[:3]
    assert "| truncated |" in header and "| 12/12 | 2 |" in row
