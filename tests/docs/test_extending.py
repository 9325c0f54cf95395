"""The worked examples of the extending pages (docs/extending/model.md, metric.md, loader.md,
results-command.md) run as a reader would run them: each page's ``title="..."`` files are saved in a
scratch folder and its ``bash`` commands run there as written (``python`` being this interpreter and
``harness`` this checkout); then what the page says of the outcome is checked. A page whose example stops
working fails here, so the pages cannot rot."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from testkit import ROOT, run_harness

DOCS = ROOT / "docs"
FENCE = re.compile(r"^```(\w+)([^\n]*)\n(.*?)^```$", re.MULTILINE | re.DOTALL)
TITLE = re.compile(r'title="([^"]+)"')

pytestmark = pytest.mark.slow  # each page runs the harness


def blocks(page: str) -> list[tuple[str, str | None, str]]:
    """The page's top-level fenced blocks: (language, title or None, code)."""
    text = (DOCS / page).read_text(encoding="utf-8")
    return [
        (m.group(1), (t.group(1) if (t := TITLE.search(m.group(2))) else None), m.group(3))
        for m in FENCE.finditer(text)
    ]


def run_page(page: str, folder: Path) -> list[subprocess.CompletedProcess[str]]:
    """Save the page's titled files in ``folder`` and run its ``bash`` commands there, in order; each must
    succeed."""
    for _, title, code in blocks(page):
        if title:
            (folder / title).write_text(code, encoding="utf-8")
    done = []
    for language, _, code in blocks(page):
        if language == "bash":
            for command in code.splitlines():
                result = shell(folder, command)
                assert result.returncode == 0, f"{page}: {command}\n{result.stdout}\n{result.stderr}"
                done.append(result)
    assert done, f"{page} has no bash block to run"
    return done


def shell(folder: Path, command: str) -> subprocess.CompletedProcess[str]:
    """``command`` run by bash in ``folder``, with ``python`` this interpreter and ``harness`` this checkout."""
    bin_dir = folder / ".bin"
    bin_dir.mkdir(exist_ok=True)
    if not (bin_dir / "python").exists():
        (bin_dir / "python").symlink_to(sys.executable)
    env = {
        **os.environ,
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "HARNESS_PROGRESS": "0",
    }
    return subprocess.run(
        ["bash", "-c", command], cwd=folder, env=env, capture_output=True, text=True, timeout=600, check=False
    )


def launcher_fails(folder: Path, *args: str) -> str:
    """The stderr of the page's launcher run with ``args``, which must fail as bad input (exit 2)."""
    result = shell(folder, " ".join(["python", "harness_with_plugins.py", *args]))
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    return result.stderr.strip()


def only_run(folder: Path) -> Path:
    [run_json] = folder.glob("results/*/*/run.json")
    return run_json.parent


def jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_the_model_page_s_backend_runs(tmp_path: Path) -> None:
    run_page("extending/model.md", tmp_path)
    run = only_run(tmp_path)
    sources = {e["id"]: e["source"] for e in jsonl(run / "examples.jsonl")}
    outputs = {p["id"]: p["output"] for p in jsonl(run / "predictions.jsonl")}
    assert sources and outputs == {i: " ".join(s.split()[:12]) for i, s in sources.items()}
    info = json.loads((run / "run.json").read_text(encoding="utf-8"))
    assert info["model"]["params"] == {"words": 12}
    error = launcher_fails(tmp_path, "run", "model=first_words", "model.words=0", "dataset=seed")
    assert error == "harness: error: model.words=0: expected a value of at least 1"


def test_the_metric_page_s_metric_is_scored_and_read_back(tmp_path: Path) -> None:
    table = run_page("extending/metric.md", tmp_path)[-1].stdout
    run = only_run(tmp_path)
    outputs = [p["output"] for p in jsonl(run / "predictions.jsonl")]
    metrics = json.loads((run / "metrics.json").read_text(encoding="utf-8"))["metrics"]
    words = metrics["length.words"]
    assert words["value"] == pytest.approx(sum(len(o.split()) for o in outputs) / len(outputs))
    assert words["higher_is_better"] is None and metrics["length.over_limit"]["higher_is_better"] is False
    assert "length.words, length.over_limit: length\\|v1\\|words:whitespace\\|limit:40" in table  # | escaped


def test_the_loader_page_s_loader_reads_the_folder(tmp_path: Path) -> None:
    run_page("extending/loader.md", tmp_path)
    run = only_run(tmp_path)
    examples = jsonl(run / "examples.jsonl")
    assert [(e["id"], e["references"]) for e in examples] == [
        ("a1", ["The council approved the budget."]),
        ("a2", ["Floods closed two roads."]),
    ]
    assert [p["output"] for p in jsonl(run / "predictions.jsonl")] == [
        "The council met on Monday.",
        "Rain fell all week.",
    ]
    (tmp_path / "empty").mkdir()
    error = launcher_fails(tmp_path, "run", "model=lead", "dataset=text_folder", "dataset.path=empty")
    assert error == "harness: error: dataset.path: empty holds no .txt file; expected one per example"


def test_the_results_command_page_s_command_finds_the_best_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The page's module, wired in as the page says (one more entry in ``add_parsers``), answers from the
    runs' ``metrics.json`` through the real command line."""
    from harness.app.cli import main as cli

    [(_, title, code)] = [block for block in blocks("extending/results-command.md") if block[1]]
    (tmp_path / title).write_text(code, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("best", tmp_path / title)
    assert spec is not None and spec.loader is not None
    best = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(best)
    listed = cli.add_parsers
    monkeypatch.setattr(cli, "add_parsers", lambda commands: (listed(commands), best.add_best_parser(commands)))

    results = tmp_path / "results"
    overrides = ("dataset=seed", "metrics.names=[rouge,reference_free]")
    runs = {model: run_harness(results, f"model={model}", *overrides) for model in ("lead", "textrank")}
    rouge1 = {
        model: json.loads((run / "metrics.json").read_text(encoding="utf-8"))["metrics"]["rouge1"]["value"]
        for model, run in runs.items()
    }
    winner = max(rouge1, key=rouge1.__getitem__)
    capsys.readouterr()
    assert cli.main(["best", "rouge1", str(results)]) == 0
    [line] = capsys.readouterr().out.splitlines()
    assert line.endswith(f": {runs[winner].name} ({winner}), rouge1 {rouge1[winner]:.4f}")
    assert cli.main(["best", "compression", str(results)]) == 2
    assert capsys.readouterr().err.strip() == (
        "harness: error: compression: a descriptive statistic has no best run; choose a score"
    )
