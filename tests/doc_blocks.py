"""The fenced code blocks of README.md and docs/**/*.md, read and run the way tests/test_readme.py and
tests/docs/ run them: every line of a ``bash`` block is a command (continuation lines joined, trailing
comments dropped); a block with ``title="name"`` is a file the page's commands read; ``console`` and
``text`` blocks are never run. A ``run`` command that needs the hub, a server, a cluster or a GPU is
composed (as ``--cfg job`` would) instead of run."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from hydra.core.override_parser.overrides_parser import OverridesParser

from harness.app.hydra_app import compose_config
from testkit import ROOT

OFFLINE_BACKENDS = {"lead", "sumy", "predictions", "tiny", "tiny_causal", "apertium"}
OFFLINE_LOADERS = {"seed", "files", "parallel_text"}
NEEDS_A_MODEL_HUB_OR_SERVER = {"llm_judge", "nli_faithfulness", "comet"}

FENCE = re.compile(r"^```(\w*)([^\n]*)\n(.*?)^```", re.S | re.M)
TITLE = re.compile(r'title="([^"]+)"')


@dataclass(frozen=True)
class Block:
    lang: str
    title: str | None
    text: str


def blocks(markdown: str) -> list[Block]:
    """The page's fenced blocks, in order."""
    found = []
    for lang, info, text in FENCE.findall(markdown):
        title = TITLE.search(info)
        found.append(Block(lang, title.group(1) if title else None, text))
    return found


def commands(text: str) -> list[str]:
    """The commands of one ``bash`` block."""
    lines = re.sub(r"\\\n\s*", "", text).splitlines()
    return [command for line in lines if (command := re.sub(r"\s+#.*$", "", line).strip())]


def bash_commands(markdown: str) -> list[str]:
    """Every command in the page's ``bash`` blocks, in order."""
    return [command for block in blocks(markdown) if block.lang == "bash" for command in commands(block.text)]


def harness_args(command: str) -> list[str] | None:
    """The arguments after ``python -m harness`` (after a leading ``pip install ... &&``), or None for any
    other command."""
    words = shlex.split(command.split("&&")[-1])
    return words[3:] if words[:3] == ["python", "-m", "harness"] else None


def write_titled_files(markdown: str, folder: Path) -> None:
    """Write the page's ``title="name"`` blocks into ``folder``, as a reader would save them."""
    for block in blocks(markdown):
        if block.title is not None:
            (folder / block.title).write_text(block.text, encoding="utf-8")


def jobs(run_args: list[str]) -> list[list[str]]:
    """The overrides of each job of a ``run`` command (one job without a ``-m`` sweep)."""
    overrides = [a for a in run_args[1:] if a not in ("-m", "--multirun", "--cfg", "job")]
    lists: list[list[str]] = [[]]
    for override in OverridesParser.create().parse_overrides(overrides):
        values = (
            [f"{override.get_key_element()}={v}" for v in override.sweep_string_iterator()]
            if override.is_sweep_override()
            else [override.input_line]
        )
        lists = [job + [value] for job in lists for value in values]
    return lists


def runs_offline(run_args: list[str]) -> bool:
    """Whether every job of the ``run`` command can run here: no hub, server, cluster or GPU."""
    if any(a.startswith("hydra/launcher=") or a == "model.device=cuda" for a in run_args):
        return False
    for job in jobs(run_args):
        cfg = compose_config(job)
        names = set(cfg.metrics.names or cfg.task.default_metrics)
        if (
            cfg.model.backend not in OFFLINE_BACKENDS
            or cfg.dataset.loader not in OFFLINE_LOADERS
            or names & NEEDS_A_MODEL_HUB_OR_SERVER
            or cfg.metrics.nli.name_or_path is not None
        ):
            return False
    return True


def shell(cwd: Path, command: str) -> str:
    """Run ``command`` with bash in ``cwd`` (``python -m harness`` as this interpreter, this checkout, no hub)
    and return its standard output; a failure fails the test with both outputs."""
    env = {
        **os.environ,
        "HARNESS_PROGRESS": "0",
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "WANDB_MODE": "offline",
        "PYTHONPATH": str(ROOT),
    }
    env.pop("HARNESS_CACHE", None)
    result = subprocess.run(
        command.replace("python -m harness", f"{shlex.quote(sys.executable)} -m harness", 1),
        shell=True,
        executable="/bin/bash",
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=900,
        env=env,
    )
    assert result.returncode == 0, f"{command}:\n{result.stdout}\n{result.stderr}"
    return result.stdout
