"""RunFolder.open: the one check that a folder is a run folder, and the reading of its run.json and
config.yaml (the runner's resume, ``harness merge`` and the analysis commands all go through it)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from harness.core.errors import InputError
from harness.runfolder.folder import RunFolder, RunFolderError


def make_folder(
    path: Path, run_json: str | None = '{"status": "complete"}', config: str | None = "task:\n  name: summarise\n"
) -> Path:
    path.mkdir()
    if run_json is not None:
        (path / "run.json").write_text(run_json, encoding="utf-8")
    if config is not None:
        (path / "config.yaml").write_text(config, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("run_json", "config", "option", "message"),
    [
        (None, "a: 1\n", None, "{path}: not a run folder (no run.json)"),
        ('{"status": "complete"}', None, "run.resume", "run.resume={path}: not a run folder (no config.yaml)"),
        (None, None, None, "{path}: not a run folder (no run.json or config.yaml)"),
    ],
)
def test_a_folder_without_the_contract_files_is_one_clear_error(
    tmp_path: Path, run_json: str | None, config: str | None, option: str | None, message: str
) -> None:
    path = make_folder(tmp_path / "run", run_json, config)
    with pytest.raises(RunFolderError, match=re.escape(message.format(path=path))) as raised:
        RunFolder.open(path, option)
    assert isinstance(raised.value, InputError)  # the command line reports it as one line, exit 2


def test_a_path_that_is_no_folder_is_named(tmp_path: Path) -> None:
    with pytest.raises(RunFolderError, match=re.escape(f"{tmp_path / 'missing'}: not a directory")):
        RunFolder.open(tmp_path / "missing")
    (tmp_path / "file").write_text("", encoding="utf-8")
    with pytest.raises(RunFolderError, match=re.escape(f"{tmp_path / 'file'}: not a directory")):
        RunFolder.open(tmp_path / "file")


def test_info_status_and_config_read_the_folder(tmp_path: Path) -> None:
    path = make_folder(tmp_path / "run", '{"status": "failed", "seed": 3}', "task:\n  name: translate\n")
    folder = RunFolder.open(path)
    assert folder.info() == {"status": "failed", "seed": 3}
    assert folder.status() == "failed"
    assert folder.config() == {"task": {"name": "translate"}}


@pytest.mark.parametrize(
    ("run_json", "config", "read", "message"),
    [
        ("{not json", "a: 1\n", "info", "run.json: invalid JSON"),
        ("{}", "a: [1\n", "config", "config.yaml: invalid YAML"),
        ("{}", "- a\n- b\n", "config", "config.yaml: expected a mapping of config groups, found list"),
    ],
)
def test_an_unreadable_file_is_named(tmp_path: Path, run_json: str, config: str, read: str, message: str) -> None:
    folder = RunFolder.open(make_folder(tmp_path / "run", run_json, config))
    with pytest.raises(RunFolderError, match=re.escape(f"{folder.path / message}")):
        getattr(folder, read)()


def test_a_missing_file_of_an_open_folder_is_named(tmp_path: Path) -> None:
    folder = RunFolder.open(make_folder(tmp_path / "run"))
    with pytest.raises(RunFolderError, match=re.escape(f"{folder.path / 'metrics.json'}: missing from the run folder")):
        folder.read_json("metrics.json")
