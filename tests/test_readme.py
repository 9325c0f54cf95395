"""The README's commands, as written there (tests/docs/ does the same for the docs pages): every ``harness
run`` command composes (hub ones included, as ``--cfg job`` would), and in a scratch working directory
the Quick start's evaluation runs, then every other command in order, each offline ``run`` for real.

Not run here: the ``pip install`` commands (they would reinstall the environment the tests run in) and
``python -m pytest`` itself. The files the commands name (``data.jsonl``, ``outputs.jsonl``) are made
here; ``results/baselines/`` is copied from the repository, where the README's reader runs them.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from doc_blocks import bash_commands, harness_args, jobs, runs_offline, shell
from harness.app.hydra_app import compose_config
from harness.core.task import task_spec
from harness.data.loading import load_examples
from testkit import ROOT, read_json, requires

README = (ROOT / "README.md").read_text(encoding="utf-8")
QUICK_START = "pip install -e . && python -m harness run"


def run_commands() -> list[list[str]]:
    return [args for c in bash_commands(README) if (args := harness_args(c)) and args[0] == "run"]


def test_the_readme_fits_a_screen_and_has_its_commands() -> None:
    assert len(README.splitlines()) <= 150
    commands = bash_commands(README)
    assert commands[0].startswith(QUICK_START) and commands[1] == "pip install -e '.[test]' && python -m pytest"
    assert len(commands) == 12  # the two of the Quick start and ten common ones
    subcommands = {args[0] for c in commands if (args := harness_args(c))}
    assert subcommands == {"run", "table", "compare", "check", "report", "export"}


@pytest.mark.parametrize("args", run_commands(), ids=[" ".join(a[1:])[:60] for a in run_commands()])
def test_every_run_command_composes(args: list[str]) -> None:
    """What ``--cfg job`` prints: the config composes (an unknown option or key fails here), for every job
    of a sweep; a command on the seed finds its data (a target language without a reference translation
    there fails now, not on the reader's machine)."""
    for job in jobs(args):
        cfg = compose_config(job)
        if cfg.dataset.name == "seed":
            assert all(example.references for example in load_examples(cfg.dataset, task_spec(cfg)))


@pytest.mark.slow
@requires(shutil.which("apertium") is not None, "Apertium", "apt-get install -y apertium apertium-eng-spa")
def test_readme_commands_run_as_written(tmp_path: Path) -> None:
    cwd = tmp_path
    quick_start, _, *common = bash_commands(README)
    table = shell(cwd, quick_start.split("&&")[-1])
    for model in ("lead", "textrank", "lexrank", "tiny_t5", "tiny_bart"):
        assert len(list(cwd.glob(f"results/*/*_summarise_{model}_seed/run.json"))) == 1, model
        assert any(line.startswith("| ") and f"model={model}" in line for line in table.splitlines()), model
    assert (cwd / ".cache" / "harness").is_dir()  # relative to the working directory

    rows = [
        {"id": f"a{i}", "article": f"Story {i}. The council approved {i} new schools on Monday.", "highlights": f"{i}."}
        for i in range(6)
    ]
    (cwd / "data.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    [lead] = cwd.glob("results/*/*_summarise_lead_seed")
    shutil.copy(lead / "predictions.jsonl", cwd / "outputs.jsonl")
    shutil.copytree(ROOT / "results" / "baselines", cwd / "results" / "baselines")

    outputs = {}
    for command in common:
        args = harness_args(command)
        assert args is not None, command
        if args[0] != "run" or runs_offline(args):
            outputs[command] = shell(cwd, command)
    assert "name: tiny_t5" in outputs[common[0]]  # --cfg job printed the config
    assert len(list(cwd.glob("results/*/*_summarise_tiny_t5_seed"))) == 1  # and ran nothing
    assert "PASS" in "".join(outputs.values())  # check: the Quick start's tiny_t5 reproduces its baseline
    assert "Content-Security-Policy" in (cwd / "report.html").read_text(encoding="utf-8")
    assert read_json(next(cwd.glob("results/*/*_translate_tiny_marian_seed/run.json")))["task"]["target_lang"] == "pl"
    assert (cwd / "runs.csv").read_text(encoding="utf-8").count("\n") > 6


def test_every_file_the_readme_links_exists() -> None:
    """The README is read on the forge, not through the docs site: its links to files must hold too."""
    for target in re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", README):
        assert (ROOT / target).exists(), f"README.md links {target}, which does not exist"
