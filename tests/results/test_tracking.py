"""Tracking: runs logged to MLflow (local SQLite store) and W&B (offline) for real, read back through
each library and compared with the run folders' metrics.json."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from mlflow import MlflowClient  # the test extra installs both trackers
from wandb_offline import OfflineRun, offline_runs

from harness.app.cli.main import main
from harness.app.tracking.mlflow_tracker import mlflow_name
from harness.app.tracking.record import tracked_run
from harness.runfolder.load import load_run
from runfolders import write_run, write_translation_run
from testkit import ROOT, harness_cli, read_json

FOLDER_FILES = {
    "summary.md",
    "metrics.json",
    "predictions.jsonl",
    "scores.jsonl",
    "config.yaml",
    "run.json",
    "examples.jsonl",
}
COUNTS = ("n_examples", "n_scored", "n_errors", "n_truncated", "n_blank_references")
EXAMPLES = [{"id": f"e{i}", "source": f"Source {i}.", "references": [f"R {i}."], "meta": {}} for i in range(3)]


@pytest.fixture(autouse=True)
def _trackers_in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every tracker file (MLflow's ./mlruns artifacts, W&B's caches) in the test's folder."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    monkeypatch.delenv("WANDB_MODE", raising=False)
    for name in ("WANDB_DIR", "WANDB_CACHE_DIR", "WANDB_DATA_DIR", "WANDB_CONFIG_DIR", "WANDB_ARTIFACT_DIR"):
        monkeypatch.setenv(name, str(tmp_path / "wandb-home"))


def _runs(root: Path) -> list[Path]:
    summarise = write_run(
        root,
        task="summarise",
        model="lead",
        dataset="seed",
        examples=EXAMPLES,
        outputs=["a", "b", "c"],
        scores=[{"rouge1": 0.1 * i, "facts.recall": i / 2} for i in range(3)],
        signatures={"rouge1": "rouge|stem:yes", "facts.recall": "facts|v2"},
    )
    translate = write_translation_run(
        root,
        model="marian",
        sources=["a", "b"],
        references=["x y z", "u v"],
        outputs=["x y", "u v"],
        metrics=("bleu", "chrf++"),
    )
    return [summarise, translate]


def _expected_metrics(run_dir: Path) -> dict[str, float]:
    """metrics.json as the tracked names: value, ci bounds and n per aggregate, the run counts."""
    stored = read_json(run_dir / "metrics.json")
    expected = {key: float(stored[key]) for key in COUNTS if key in stored}
    for name, aggregate in stored["metrics"].items():
        expected[name] = aggregate["value"]
        expected[f"{name}/ci_low"], expected[f"{name}/ci_high"] = aggregate["ci"]
        expected[f"{name}/n"] = aggregate["n"]
    return expected


def _mlflow_runs(tracking_uri: str) -> tuple[Any, list[Any]]:
    """The parent run and its children, through MlflowClient."""
    client = MlflowClient(tracking_uri=tracking_uri)
    experiment = client.get_experiment_by_name("harness")
    runs = client.search_runs([experiment.experiment_id])
    (parent,) = [r for r in runs if "mlflow.parentRunId" not in r.data.tags]
    children = [r for r in runs if r.data.tags.get("mlflow.parentRunId") == parent.info.run_id]
    assert len(children) == len(runs) - 1
    return parent, children


def _check_mlflow_run(client: MlflowClient, run: Any) -> None:
    run_dir = Path(run.data.tags["harness.run_dir"])
    assert run.data.metrics == {mlflow_name(k): v for k, v in _expected_metrics(run_dir).items()}
    info = read_json(run_dir / "run.json")
    assert run.data.tags["model.name"] == info["model"]["name"]
    assert run.data.tags["dataset.fingerprint"] == info["dataset"]["fingerprint"]
    config = read_json(run_dir / "metrics.json")  # signatures are tags too
    assert all(run.data.tags[f"signature.{n}"] == a["signature"] for n, a in config["metrics"].items())
    assert run.data.params["model.name"] == info["model"]["name"]
    assert {a.path for a in client.list_artifacts(run.info.run_id)} == FOLDER_FILES
    assert run.info.status == "FINISHED"


def test_a_corpus_metric_stored_without_ci_gets_the_tables_ci(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (_, folder) = _runs(tmp_path / "results")
    stored = read_json(folder / "metrics.json")
    del stored["metrics"]["bleu"]["ci"]
    (folder / "metrics.json").write_text(json.dumps(stored), encoding="utf-8")
    tracked = tracked_run(load_run(folder))
    assert main(["table", str(folder), "--format", "json"]) == 0
    (group,) = json.loads(capsys.readouterr().out)
    low, high = group["rows"][0]["cells"]["bleu"]["ci"]
    assert (tracked.metrics["bleu/ci_low"], tracked.metrics["bleu/ci_high"]) == (low, high)


@pytest.mark.slow  # MLflow's import and database setup: over 10 s
def test_harness_log_to_mlflow_round_trip(tmp_path: Path) -> None:
    folders = _runs(tmp_path / "results")
    uri = f"sqlite:///{tmp_path / 'tracking.db'}"
    assert main(["log", *map(str, folders), "--to", "mlflow", "--tracking-uri", uri, "--parent", "paper"]) == 0
    parent, children = _mlflow_runs(uri)
    assert parent.data.tags["mlflow.runName"] == "paper"
    assert sorted(Path(c.data.tags["harness.run_dir"]) for c in children) == sorted(f.resolve() for f in folders)
    client = MlflowClient(tracking_uri=uri)
    for child in children:
        _check_mlflow_run(client, child)
    translation = next(c for c in children if c.data.tags["task"] == "translate")
    assert "chrf__" in translation.data.metrics  # chrf++: MLflow refuses "+" in names


@pytest.mark.slow  # MLflow's import and database setup
def test_logging_a_run_folder_again_to_mlflow_adds_no_second_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folders = _runs(tmp_path / "results")
    uri = f"sqlite:///{tmp_path / 'tracking.db'}"
    assert main(["log", str(folders[0]), "--to", "mlflow", "--tracking-uri", uri]) == 0
    first = capsys.readouterr().err.splitlines()[-1]  # after MLflow's own lines on a new store
    assert main(["log", *map(str, folders), "--to", "mlflow", "--tracking-uri", uri]) == 0
    second = capsys.readouterr().err.splitlines()
    client = MlflowClient(tracking_uri=uri)
    runs = client.search_runs([client.get_experiment_by_name("harness").experiment_id])
    assert sorted(r.data.tags["harness.run_dir"] for r in runs) == sorted(str(f.resolve()) for f in folders)
    assert second[0] == first + " (logged before: not logged again; --again logs it anew)"
    assert main(["log", str(folders[0]), "--to", "mlflow", "--tracking-uri", uri, "--again"]) == 0
    assert len(client.search_runs([runs[0].info.experiment_id])) == 3


def test_logging_a_run_folder_again_to_wandb_resumes_its_run(tmp_path: Path) -> None:
    (folder, _) = _runs(tmp_path / "results")
    for _ in range(2):
        assert main(["log", str(folder), "--to", "wandb", "--mode", "offline", "--dir", str(tmp_path)]) == 0
    first, second = offline_runs(tmp_path)
    assert first.id == second.id  # W&B (at sync) updates one run instead of adding a second
    (same_content_elsewhere, _) = _runs(tmp_path / "more")
    assert main(["log", str(same_content_elsewhere), "--to", "wandb", "--mode", "offline", "--dir", "other"]) == 0
    (other,) = offline_runs(tmp_path / "other")
    assert other.id != first.id


def _check_wandb_run(run: OfflineRun, run_dir: Path) -> None:
    expected = _expected_metrics(run_dir)
    assert {k: v for k, v in run.summary.items() if not k.startswith("_")} == expected
    info = read_json(run_dir / "run.json")
    assert f"model.name:{info['model']['name']}" in run.tags
    assert f"dataset.fingerprint:{info['dataset']['fingerprint']}" in run.tags
    assert run.config["harness_tags"]["harness.run_dir"] == str(run_dir.resolve())
    config = {k: v for k, v in run.config.items() if k not in ("harness_tags", "_wandb")}
    assert config == yaml.safe_load((run_dir / "config.yaml").read_text(encoding="utf-8"))
    (files,) = run.artifact_files.values()
    assert set(files) == FOLDER_FILES


def test_harness_log_to_wandb_offline_round_trip(tmp_path: Path) -> None:
    folders = _runs(tmp_path / "results")
    code = main(
        ["log", *map(str, folders), "--to", "wandb", "--mode", "offline", "--dir", str(tmp_path), "--parent", "paper"]
    )
    assert code == 0
    runs = offline_runs(tmp_path)
    assert {r.group for r in runs} == {"paper"}
    (parent,) = [r for r in runs if r.job_type == "sweep"]
    children = [r for r in runs if r.job_type == "evaluation"]
    assert parent.config["runs"] == [f.name for f in folders] and parent.summary["n_runs"] == 2
    for folder in folders:
        (child,) = [r for r in children if r.name == folder.name]
        _check_wandb_run(child, folder)


@pytest.mark.parametrize("tracker", ["mlflow", "wandb"])
def test_a_missing_extra_is_one_line_naming_the_install(
    tracker: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (folder, _) = _runs(tmp_path / "results")
    monkeypatch.setitem(sys.modules, tracker, None)  # as if not installed: find_spec gives None
    assert main(["log", str(folder), "--to", tracker]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"pip install -e '.[{tracker}]'" in err


def test_the_callback_without_its_extra_stops_before_the_run(tmp_path: Path) -> None:
    code = (
        "import sys; sys.modules['mlflow'] = None\n"
        "from harness.app.cli.main import main\n"
        "sys.exit(main(['run', 'model=lead', 'metrics.names=[rouge]', '+callbacks=mlflow']))"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, env=env, timeout=300, check=False
    )
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip().splitlines() == [
        (
            "harness: error: tracking to mlflow needs MLflow, which is not installed: pip install -e '.[mlflow]' "
            "(or pip install 'harness[mlflow]')"
        )
    ]
    assert not (tmp_path / "results").exists()


def test_a_tracker_that_fails_is_one_line_naming_the_command_to_retry(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (folder, _) = _runs(tmp_path / "results")
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
    assert main(["log", str(folder), "--to", "mlflow", "--tracking-uri", "http://127.0.0.1:9"]) == 1
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith("harness: error: logging to mlflow failed (MlflowException: ")
    assert line.endswith(f"the run folders are kept: python -m harness log {folder} --to mlflow")


def _run_folders(results: Path) -> list[Path]:
    return sorted(p.parent for p in results.glob("*/*/run.json"))


@pytest.mark.slow
def test_a_sweep_with_the_mlflow_callback_is_a_parent_run_with_children(tmp_path: Path) -> None:
    harness_cli("run", "-m", "model=lead,textrank", "metrics.names=[rouge]", "+callbacks=mlflow", cwd=tmp_path)
    folders = _run_folders(tmp_path / "results")
    assert len(folders) == 2
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"  # MLflow's default store, in the working directory
    parent, children = _mlflow_runs(uri)
    assert parent.data.tags["harness.sweep"].startswith("sweep ")
    assert sorted(Path(c.data.tags["harness.run_dir"]) for c in children) == [f.resolve() for f in folders]
    client = MlflowClient(tracking_uri=uri)
    for child in children:
        _check_mlflow_run(client, child)


@pytest.mark.slow
def test_a_failed_callback_keeps_the_run_and_exits_1(tmp_path: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "harness",
            "run",
            "model=lead",
            "metrics.names=[rouge]",
            "+callbacks=mlflow",
            "hydra.callbacks.mlflow.tracking_uri=http://127.0.0.1:9",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        env={
            **os.environ,
            "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "0",
            "HARNESS_PROGRESS": "0",
            "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
        },
    )
    assert result.returncode == 1, result.stderr
    (folder,) = _run_folders(tmp_path / "results")
    assert read_json(folder / "run.json")["status"] == "complete"
    retry = result.stderr.strip().splitlines()[-1].split("the run folders are kept: ")[1]
    assert retry == f"python -m harness log {folder.resolve()} --to mlflow"
    assert main([*retry.split()[3:], "--tracking-uri", f"sqlite:///{tmp_path / 'later.db'}"]) == 0
    (run,) = MlflowClient(tracking_uri=f"sqlite:///{tmp_path / 'later.db'}").search_runs(["1"])
    assert run.data.metrics["rouge1"] == read_json(folder / "metrics.json")["metrics"]["rouge1"]["value"]


@pytest.mark.slow
def test_a_run_with_the_wandb_callback_offline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WANDB_MODE", "offline")  # W&B's own switch (harness log --mode offline is tested above)
    harness_cli("run", "model=lead", "metrics.names=[rouge]", "+callbacks=wandb", cwd=tmp_path)
    (folder,) = _run_folders(tmp_path / "results")
    (run,) = offline_runs(tmp_path / "wandb-home")  # WANDB_DIR (the fixture's); without it ./wandb
    assert run.name == folder.name and run.job_type == "evaluation" and run.group == ""
    _check_wandb_run(run, folder)
    assert run.config["metrics"]["names"] == ["rouge"]
