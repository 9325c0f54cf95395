"""Bad options of ``harness run``: one line naming the option, exit 2, before any work or heavy import,
and nothing written (issue 10 items 4, 13, 14)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from bad_input import assert_one_line_error, tree_digest
from harness.app.hydra_app import compose_config
from harness.core.errors import ConfigError
from harness.metrics.config import RENAMED

Cli = Callable[..., tuple[int, str, str]]


@pytest.fixture
def results(tmp_path: Path) -> Path:
    """An output root that already holds a run's file, which must not change."""
    previous = tmp_path / "results" / "2026-01-01" / "12-00-00_summarise_lead_seed"
    previous.mkdir(parents=True)
    (previous / "run.json").write_text('{"status": "complete"}\n', encoding="utf-8")
    return tmp_path / "results"


BAD_OPTIONS = [
    (["dataset.limit=-1"], "dataset.limit=-1", "at least 1"),
    (["dataset.limit=0"], "dataset.limit=0", "at least 1"),
    (["run.chunk_size=0"], "run.chunk_size=0", "at least 1"),
    (["metrics.chunk_size=0"], "metrics.chunk_size=0", "at least 1"),
    (["metrics.bootstrap_samples=0"], "metrics.bootstrap_samples=0", "at least 1"),
    (["metrics.workers=0"], "metrics.workers=0", "at least 1"),
    (["run.max_error_rate=1.5"], "run.max_error_rate=1.5", "[0, 1]"),
    (["model.k=0"], "model.k=0", "at least 1"),
    (["metrics.bertscore.batch_size=0"], "metrics.bertscore.batch_size=0", "at least 1"),
    (["metrics.nli.max_length=0"], "metrics.nli.max_length=0", "at least 1"),
    (["metrics.language.copy_chrf_threshold=101"], "metrics.language.copy_chrf_threshold=101", "[0, 100]"),
    (["model=tiny_t5", "model.num_beams=0"], "model.num_beams=0", "at least 1"),
    (["dataset.num_shards=2", "dataset.shard_index=2"], "dataset.shard_index=2", "dataset.num_shards=2"),
    (["task.name=summarize"], "task.name='summarize'", "summarise, translate"),
    (["dataset=files", "dataset.path=x.jsonl", "dataset.format=xlsx"], "dataset.format='xlsx'", "json, csv, parquet"),
    (["dataset=files"], "dataset.path", "no value"),
]


@pytest.mark.parametrize(("overrides", "culprit", "expected"), BAD_OPTIONS, ids=[c for _, c, _ in BAD_OPTIONS])
def test_a_bad_option_is_one_line_naming_it(
    cli: Cli, results: Path, overrides: list[str], culprit: str, expected: str
) -> None:
    before = tree_digest(results.parent)
    status, stderr, _ = cli("run", f"run.output_root={results}", *overrides)
    assert_one_line_error(status, stderr, culprit, expected)
    assert tree_digest(results.parent) == before


@pytest.mark.parametrize(("old", "new"), sorted(RENAMED.items()))
def test_a_flat_metric_key_of_earlier_versions_names_its_new_key(cli: Cli, results: Path, old: str, new: str) -> None:
    before = tree_digest(results.parent)
    status, stderr, _ = cli("run", f"run.output_root={results}", f"metrics.{old}=1")
    assert_one_line_error(status, stderr, f"metrics.{old}", f"now metrics.{new}")
    assert tree_digest(results.parent) == before
    with pytest.raises(ConfigError, match=f"now metrics.{new}"):
        compose_config([f"+metrics.{old}=1"])


@pytest.mark.parametrize("option", ["output_root", "cache_dir"])
def test_an_output_folder_that_is_a_file_is_refused(cli: Cli, tmp_path: Path, option: str) -> None:
    file = tmp_path / "taken"
    file.write_text("not a folder\n", encoding="utf-8")
    before = tree_digest(tmp_path)
    extra = [] if option == "output_root" else [f"run.output_root={tmp_path / 'results'}"]
    status, stderr, _ = cli("run", f"run.{option}={file}", *extra)
    assert_one_line_error(status, stderr, f"run.{option}={file}", "is a file")
    assert tree_digest(tmp_path) == before and not (tmp_path / "results").exists()


def test_config_errors_come_before_heavy_imports(tmp_path: Path) -> None:
    """As a user runs it: a subprocess, which fails at validation without importing torch."""
    probe = (
        "import sys\nfrom harness.app.cli.main import main\n"
        "try:\n    main(sys.argv[1:])\nexcept SystemExit as e:\n    code = e.code\n"
        "print('torch' in sys.modules, code)"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe, "run", f"run.output_root={tmp_path}", "dataset.limit=0"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.stdout.split() == ["False", "2"], done.stdout + done.stderr
    assert_one_line_error(2, done.stderr, "dataset.limit=0")
    assert not any(tmp_path.iterdir())


UNKNOWN_OPTIONS = [
    (["metrics.foo=1"], ("metrics.foo", "not an option", "rouge")),
    (["+metrics.rouge.foo=1"], ("metrics.rouge.foo", "not an option", "use_stemmer")),
    (["model.nosuch=3"], ("model.nosuch", "not an option")),
    (["model=nosuch"], ("model=nosuch", "no such config", "tiny_t5")),
    (["metrics=nosuch"], ("metrics=nosuch", "no such config", "default")),
    (["dataset.limit=abc"], ("dataset.limit=abc", "integer")),
    (["dataset.limit=[1"], ("dataset.limit=[1", "override")),
    (["run.cache=maybe"], ("run.cache=maybe", "not a valid bool")),
    (["dataset.limit=1,2"], ("dataset.limit=1,2", "--multirun")),
]


@pytest.mark.parametrize(("overrides", "culprits"), UNKNOWN_OPTIONS, ids=[o[-1] for o, _ in UNKNOWN_OPTIONS])
def test_an_unknown_option_or_config_is_one_line_naming_it(
    cli: Cli, results: Path, overrides: list[str], culprits: tuple[str, ...]
) -> None:
    """Hydra's own multi-line "Could not override" / "Could not find" reports (exit 1), and a ``+`` key that
    no schema has (silently ignored before), are one line naming the option and what it could be."""
    before = tree_digest(results.parent)
    status, stderr, _ = cli("run", "model=lead", "dataset=seed", f"run.output_root={results}", *overrides)
    assert_one_line_error(status, stderr, *culprits)
    assert tree_digest(results.parent) == before


@pytest.mark.parametrize(
    ("body", "culprits"),
    [
        ("rouge_use_stemmer: false\n", ("metrics/mine", "metrics.rouge_use_stemmer", "now metrics.rouge.use_stemmer")),
        ("foo: 1\n", ("metrics/mine", "metrics.foo", "not an option")),
    ],
    ids=["renamed-key", "unknown-key"],
)
def test_a_bad_key_in_a_users_config_file_is_one_line_naming_the_file(
    cli: Cli, results: Path, tmp_path: Path, body: str, culprits: tuple[str, ...]
) -> None:
    """A metrics config of the user's own (on ``hydra.searchpath``) with a flat key of earlier versions or an
    unknown key: one line naming the config and the key, exit 2."""
    (tmp_path / "mine" / "metrics").mkdir(parents=True)
    (tmp_path / "mine" / "metrics" / "mine.yaml").write_text("defaults:\n  - default\n" + body, encoding="utf-8")
    before = tree_digest(results.parent)
    search = f"hydra.searchpath=[file://{tmp_path / 'mine'}]"
    status, stderr, _ = cli("run", "model=lead", "dataset=seed", f"run.output_root={results}", search, "metrics=mine")
    assert_one_line_error(status, stderr, *culprits)
    assert tree_digest(results.parent) == before


def test_a_sweep_with_one_unknown_choice_runs_nothing(cli: Cli, results: Path) -> None:
    """``-m model=lead,nosuch``: refused before the first job, not after it."""
    before = tree_digest(results.parent)
    status, stderr, _ = cli("run", "-m", "model=lead,nosuch", "dataset=seed", f"run.output_root={results}")
    assert_one_line_error(status, stderr, "model=nosuch", "no such config")
    assert tree_digest(results.parent) == before
