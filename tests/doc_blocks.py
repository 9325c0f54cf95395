"""The fenced code blocks of README.md and docs/**/*.md, read the way tests/test_readme.py and tests/docs/
run them: every line of a ``bash`` block is a command (continuation lines joined, trailing comments
dropped); a block with ``title="name"`` is a file the page's commands read; ``console`` and ``text``
blocks are never run."""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from pathlib import Path

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
