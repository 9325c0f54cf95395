"""The import layers declared in pyproject.toml (``[tool.importlinter]``) hold: no import runs back up a
layer and no two modules import each other. The contracts are run by import-linter, on this tree and on
copies with one import added that breaks them."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT = "import sys; from importlinter.cli import lint_imports; sys.exit(lint_imports(no_cache=True, no_logo=True))"
LAYERS, CYCLES = "Imports run down the layers: the folders are the layers", "No import cycles"
ONE_RUN = "One run: the runner on top, scoring's worker processes below its stages"


def lint_imports(root: Path) -> tuple[int, set[str]]:
    """import-linter on the ``harness`` package under ``root`` with ``root``'s pyproject.toml: the exit
    status and the names of the broken contracts."""
    done = subprocess.run(
        [sys.executable, "-c", LINT], cwd=root, capture_output=True, text=True, timeout=120, check=False
    )
    assert "Contracts: " in done.stdout, done.stdout + done.stderr  # it ran (a bad config is no result)
    return done.returncode, set(re.findall(r"^(.+) BROKEN$", done.stdout, re.MULTILINE))


def test_the_import_layers_hold() -> None:
    assert lint_imports(ROOT) == (0, set())


@pytest.mark.parametrize(
    ("module", "added", "broken"),
    [
        # the run-folder contract reaching up into the pipeline (a lazy import counts), which also closes a
        # cycle and lets the pipeline's stages reach its runner through the run folder
        (
            "harness/runfolder/folder.py",
            "def _up() -> None:\n    import harness.pipeline.runner\n",
            {LAYERS, CYCLES, ONE_RUN},
        ),
        # the analysis of finished runs and the pipeline of one run are independent
        ("harness/results/table.py", "from harness.pipeline.runner import run\n", {LAYERS}),
        # two modules of one package importing each other
        ("harness/data/seed.py", "def _loop() -> None:\n    from harness.data import loading\n", {CYCLES}),
    ],
)
def test_an_import_against_the_layers_is_caught(tmp_path: Path, module: str, added: str, broken: set[str]) -> None:
    shutil.copytree(ROOT / "harness", tmp_path / "harness", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    with (tmp_path / module).open("a", encoding="utf-8") as source:
        source.write("\n\n" + added)
    assert lint_imports(tmp_path) == (1, broken)


def test_no_import_cycle_even_through_annotations() -> None:
    """The contracts leave out imports under ``TYPE_CHECKING`` (they do not run), but a circle closed by one
    still ties two modules together (``models/base.py`` <-> ``models/config.py`` was one: issue 26)."""
    graph = grimp.build_graph("harness", cache_dir=None)  # annotation-only imports included
    done: set[str] = set()

    def cycle_from(module: str, path: list[str]) -> list[str]:
        """A cycle through the imports of ``module``, the last module of the import path ``path``."""
        done.add(module)
        for imported in sorted(graph.find_modules_directly_imported_by(module)):
            if imported in path:
                return [*path[path.index(imported) :], imported]
            found = [] if imported in done else cycle_from(imported, [*path, imported])
            if found:
                return found
        return []

    cycles = (cycle_from(module, [module]) for module in sorted(graph.modules) if module not in done)
    assert next((cycle for cycle in cycles if cycle), []) == []
