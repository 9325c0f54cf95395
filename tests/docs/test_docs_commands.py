"""The commands of the docs pages (docs/**/*.md), as the README's are checked in tests/test_readme.py:

- every ``python -m harness run`` command in a ``bash`` block composes, for every job of a sweep (hub
  models, servers and clusters included: what ``--cfg job`` would print);
- the pages listed in :data:`RUN_HERE` run for real, in order, in a scratch working directory holding
  the page's ``title="..."`` files and the runs of ``lead`` and ``textrank`` on the seed (made once):
  every command that needs no hub, server, cluster or GPU runs as written, except that an offline
  ``run`` without ``metrics.names`` gets ``debug=fast`` (ROUGE and reference-free: the metrics of the
  default set are run by the page tests of getting-started and comparing, and by tests/test_readme.py),
  and a FRANK run ``dataset.limit=3`` and the data's absolute path (the preset's is relative to the
  repository, where a reader runs it);
- every other page with a ``bash`` block is named by a test of tests/docs/ that runs it (the getting
  started tutorial, the extending pages' worked examples);
- the errors that docs/bad-input.md shows are the lines the harness prints, with exit status 2.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from doc_blocks import bash_commands, blocks, harness_args, jobs, runs_offline, shell, write_titled_files
from harness.app.hydra_app import compose_config
from testkit import FRANK, ROOT, requires, requires_shared

DOCS = ROOT / "docs"
PAGES = sorted(p.relative_to(DOCS).as_posix() for p in DOCS.rglob("*.md"))
RUN_HERE = [
    "running.md",
    "key-facts.md",
    "judges-and-checkers.md",
    "comparing.md",
    "large-runs.md",
    "tracking-and-export.md",
]


def page_text(page: str) -> str:
    return (DOCS / page).read_text(encoding="utf-8")


def run_commands(page: str) -> list[list[str]]:
    return [args for c in bash_commands(page_text(page)) if (args := harness_args(c)) and args[0] == "run"]


COMPOSED = [(page, args) for page in PAGES if not page.startswith("extending/") for args in run_commands(page)]


@pytest.mark.parametrize(("page", "args"), COMPOSED, ids=[f"{p}:{' '.join(a[1:])[:60]}" for p, a in COMPOSED])
def test_every_run_command_composes(page: str, args: list[str]) -> None:
    """The extending pages are left to their own tests: their commands use the plugin the page writes."""
    for job in jobs(args):
        compose_config(job)


def test_every_page_with_commands_is_run_by_a_test() -> None:
    tests = " ".join(p.read_text(encoding="utf-8") for p in Path(__file__).parent.glob("test_*.py"))
    for page in PAGES:
        if bash_commands(page_text(page)):
            assert f'"{page}"' in tests or f"docs/{page}" in tests, f"docs/{page}: no test in tests/docs/ runs it"


def as_run_here(args: list[str]) -> list[str]:
    """The ``run`` command with this test's overrides, put before ``--cfg job`` (which ends the list)."""
    quick = [] if any(a.startswith("metrics.names=") for a in args) else ["debug=fast"]
    frank = [f"dataset.path={FRANK}", "dataset.limit=3"] if "dataset=frank" in args else []
    end = args.index("--cfg") if "--cfg" in args else len(args)
    return [*args[:end], *quick, *frank, *args[end:]]


@pytest.fixture(scope="module")
def seed_runs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A working directory holding the runs of lead and textrank on the seed (default metrics, as the
    CI gate makes them) and a copy of the committed baselines."""
    folder = tmp_path_factory.mktemp("seed_runs")
    shell(folder, "python -m harness run -m model=lead,textrank")
    shutil.copytree(ROOT / "results" / "baselines", folder / "results" / "baselines")
    return folder


@pytest.mark.slow
@requires_shared
@requires(shutil.which("apertium") is not None, "Apertium", "apt-get install -y apertium apertium-eng-spa")
@pytest.mark.parametrize("page", RUN_HERE)
def test_page_commands_run_as_written(page: str, seed_runs: Path, tmp_path: Path) -> None:
    cwd = tmp_path / "work"
    shutil.copytree(seed_runs, cwd)
    write_titled_files(page_text(page), cwd)
    for command in bash_commands(page_text(page)):
        args = harness_args(command)
        if args is None or args[0] != "run":
            shell(cwd, command)
        elif runs_offline(args):
            shell(cwd, shlex.join(["python", "-m", "harness", *as_run_here(args)]))


def test_bad_input_page_shows_the_errors_the_harness_prints(tmp_path: Path) -> None:
    """docs/bad-input.md's examples: each ``$`` command exits 2 with the error line shown under it."""
    [example] = [b for b in blocks(page_text("bad-input.md")) if b.lang == "console"]
    lines = example.text.splitlines()
    shown = [(line[2:], lines[i + 1]) for i, line in enumerate(lines) if line.startswith("$ ")]
    assert len(shown) >= 5
    for command, error in shown:
        args = harness_args(command)
        assert args is not None, command
        result = subprocess.run(
            [sys.executable, "-m", "harness", *args],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=300,
            env={**os.environ, "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1"},
        )
        assert (result.returncode, result.stderr.strip()) == (2, error), command


def test_every_file_a_page_names_exists() -> None:
    """Module and test paths in the README and the pages follow the code when it moves (the extending
    pages also name the files a reader adds, and the benchmarks' history files of the past)."""
    pages = [p for p in PAGES if not p.startswith("extending/") and p != "benchmarks-history.md"]
    texts = {"README.md": (ROOT / "README.md").read_text(encoding="utf-8")} | {p: page_text(p) for p in pages}
    for page, text in texts.items():
        for path in re.findall(r"`((?:harness|tests|benchmarks|configs|seeds)/[\w/.-]+)`", text):
            assert (ROOT / path).exists(), f"{page} names {path}, which does not exist"
