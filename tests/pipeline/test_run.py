"""End-to-end runs: the run folder contract, re-scoring saved predictions, errors that keep the others going."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from harness.core.errors import ConfigError
from harness.models.predictions import PredictionsMismatch
from harness.runfolder.folder import RunFolder
from testkit import FRANK, harness_cli, read_json, read_jsonl, requires_shared

RUN_FILES = {
    "config.yaml",
    "run.json",
    "examples.jsonl",
    "predictions.jsonl",
    "scores.jsonl",
    "metrics.json",
    "summary.md",
}


def test_lead_on_the_seed_writes_a_complete_run_folder(run_eval) -> None:
    run_dir = run_eval("model=lead", "dataset=seed")
    assert {p.name for p in run_dir.iterdir()} == RUN_FILES
    assert run_dir.parent.name == datetime.now().strftime("%Y-%m-%d")
    assert run_dir.name.endswith("_summarise_lead_seed")
    metrics = read_json(run_dir / "metrics.json")
    for name in ("rouge1", "rouge2", "rougeL", "rougeLsum", "bertscore_f1"):
        aggregate = metrics["metrics"][name]
        assert 0 < aggregate["value"] <= 1 and aggregate["n"] == 1 and len(aggregate["ci"]) == 2
        assert aggregate["signature"]
    assert metrics["bootstrap"] == {"samples": 1000, "seed": 12345}
    info = read_json(run_dir / "run.json")
    assert info["status"] == "complete" and info["model"]["params"] == {"k": 3}
    assert {"python", "torch", "transformers", "datasets", "rouge-score", "bert-score"} <= set(info["versions"])
    assert info["dataset"]["fingerprint"] and info["wall_seconds"] > 0 and info["examples_per_second"] > 0
    [prediction] = read_jsonl(run_dir / "predictions.jsonl")
    assert set(prediction) == {"id", "source_hash", "output", "seconds", "truncated", "error"}
    assert prediction["output"].startswith("Vladimir Putin emphasized")
    [example] = read_jsonl(run_dir / "examples.jsonl")
    assert "Images source" not in example["source"] and example["meta"]["published"] == "2024-06-20T07:52"
    [scores] = read_jsonl(run_dir / "scores.jsonl")
    assert scores["scores"]["rouge1"] == metrics["metrics"]["rouge1"]["value"]
    assert "rouge1" in (run_dir / "summary.md").read_text()


@pytest.mark.slow
def test_tiny_t5_on_the_seed(run_eval, tmp_path: Path) -> None:
    run_dir = run_eval("model=tiny_t5", f"model.cache_dir={tmp_path / 'tiny'}")
    metrics = read_json(run_dir / "metrics.json")
    assert {"rouge1", "rouge2", "rougeL", "rougeLsum", "bertscore_f1"} <= set(metrics["metrics"])
    [prediction] = read_jsonl(run_dir / "predictions.jsonl")
    assert prediction["truncated"] is True and prediction["output"]
    info = read_json(run_dir / "run.json")
    assert info["model"]["weights_hash"] and info["device"] == "cpu"


@pytest.mark.slow
def test_predictions_reproduce_a_previous_run(run_eval) -> None:
    first = run_eval("model=textrank", "debug=fast")
    again = run_eval("model=predictions", f"model.path={first / 'predictions.jsonl'}", "debug=fast")
    assert read_json(again / "metrics.json")["metrics"] == read_json(first / "metrics.json")["metrics"]
    assert read_jsonl(again / "scores.jsonl") == read_jsonl(first / "scores.jsonl")


def write_rows(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


ROWS = [
    {"id": "a", "text": "The cat sat on the mat. It purred.", "ref": "A cat sat."},
    {"id": "b", "text": "   ", "ref": "Nothing."},
    {"id": "c", "text": None, "ref": "Null."},
    {"id": "d", "text": "Rain fell in Paris. Streets flooded.", "ref": "Rain in Paris."},
]


def files_overrides(path: Path) -> list[str]:
    return [
        "dataset=files",
        f"dataset.path={path}",
        "dataset.source_column=text",
        "dataset.reference_column=ref",
        "dataset.id_column=id",
        "debug=fast",
    ]


def test_empty_and_null_sources_are_recorded_and_the_rest_scored(run_eval, tmp_path: Path) -> None:
    run_dir = run_eval("model=lead", *files_overrides(write_rows(tmp_path / "d.jsonl", ROWS)))
    metrics = read_json(run_dir / "metrics.json")
    assert (metrics["n_examples"], metrics["n_scored"], metrics["n_errors"]) == (4, 2, 2)
    assert metrics["errors"] == {"b": "empty source", "c": "empty source"}
    assert metrics["metrics"]["rouge1"]["n"] == 2
    predictions = read_jsonl(run_dir / "predictions.jsonl")
    assert [p["error"] for p in predictions] == [None, "empty source", "empty source", None]
    assert [s["id"] for s in read_jsonl(run_dir / "scores.jsonl")] == ["a", "d"]
    assert "empty source" in (run_dir / "summary.md").read_text()


def test_text_predictions_align_with_rows(run_eval, tmp_path: Path) -> None:
    data = write_rows(tmp_path / "d.jsonl", [ROWS[0], ROWS[3]])
    outputs = tmp_path / "outputs.txt"
    outputs.write_text("A cat sat.\nRain in Paris.\n", encoding="utf-8")
    run_dir = run_eval("model=predictions", f"model.path={outputs}", *files_overrides(data))
    assert read_json(run_dir / "metrics.json")["metrics"]["rouge1"]["value"] == 1.0


def test_prediction_ids_that_do_not_match_are_an_error(run_eval, tmp_path: Path) -> None:
    data = write_rows(tmp_path / "d.jsonl", [ROWS[0], ROWS[3]])
    predictions = write_rows(tmp_path / "p.jsonl", [{"id": "a", "output": "x"}, {"id": "zz", "output": "y"}])
    with pytest.raises(
        PredictionsMismatch,
        match=r"1 dataset ids have no prediction \(e.g. \['d'\]\)"
        r".*1 prediction ids are not in the dataset \(e.g. \['zz'\]\)",
    ):
        run_eval("model=predictions", f"model.path={predictions}", *files_overrides(data))
    assert not (tmp_path / "results").exists()  # failed before any run folder was written


def test_too_short_prediction_file_is_an_error(run_eval, tmp_path: Path) -> None:
    data = write_rows(tmp_path / "d.jsonl", [ROWS[0], ROWS[3]])
    outputs = tmp_path / "outputs.txt"
    outputs.write_text("only one line\n", encoding="utf-8")
    with pytest.raises(PredictionsMismatch, match="has 1 lines"):
        run_eval("model=predictions", f"model.path={outputs}", *files_overrides(data))


@requires_shared
def test_frank_summaries_as_a_predictions_column(run_eval) -> None:
    run_dir = run_eval(
        "model=predictions",
        "model.column=summary",
        "dataset=frank",
        f"dataset.path={FRANK}",
        "+dataset.where.system=bart",
        "debug=fast",
    )
    metrics = read_json(run_dir / "metrics.json")
    frank = [json.loads(line) for line in FRANK.read_text().splitlines()]
    assert metrics["n_scored"] == sum(r["system"] == "bart" for r in frank) > 0


def test_run_folders_are_never_reused(tmp_path: Path) -> None:
    now = datetime(2024, 6, 19, 12, 0, 0)
    first = RunFolder.create(tmp_path, "summarise", "lead", "seed", now)
    second = RunFolder.create(tmp_path, "summarise", "lead", "seed", now)
    assert first.path != second.path and second.path.name.endswith("-2")
    first.write_json("metrics.json", {"a": 1})
    with pytest.raises(FileExistsError):
        first.write_json("metrics.json", {"a": 2})
    assert read_json(first.path / "metrics.json") == {"a": 1}


def write_evaluate_module(folder: Path, name: str, result: str) -> Path:
    """A local ``evaluate`` module ``name`` (evaluate names a module after its class) whose ``_compute``
    returns the expression ``result`` (``hits``: the share of predictions equal to their reference)."""
    module = folder / name
    module.mkdir()
    (module / f"{name}.py").write_text(
        "import datasets\nimport evaluate\n\n\n"
        f"class {name.title().replace('_', '')}(evaluate.Metric):\n"
        "    def _info(self):\n"
        "        value = datasets.Value('string')\n"
        "        features = datasets.Features({'predictions': value, 'references': value})\n"
        "        return evaluate.MetricInfo(\n"
        "            description='test module', citation='', inputs_description='', features=features\n"
        "        )\n\n"
        "    def _compute(self, predictions, references):\n"
        "        hits = sum(p == r for p, r in zip(predictions, references)) / len(predictions)\n"
        f"        return {result}\n"
    )
    return module


def run_evaluate_modules(run_eval, tmp_path: Path, *overrides: str) -> dict[str, Any]:
    """Two examples, one output equal to its reference; the run's ``metrics.json`` metrics."""
    data = write_rows(tmp_path / "d.jsonl", [ROWS[0], ROWS[3]])
    outputs = tmp_path / "outputs.txt"
    outputs.write_text("A cat sat.\nsomething else\n", encoding="utf-8")
    run_dir = run_eval("model=predictions", f"model.path={outputs}", *files_overrides(data), *overrides)
    return read_json(run_dir / "metrics.json")["metrics"]


def test_evaluate_module_by_local_path(run_eval, tmp_path: Path) -> None:
    module = write_evaluate_module(tmp_path, "word_match", "{'exact': hits}")
    metrics = run_evaluate_modules(run_eval, tmp_path, f"metrics.evaluate_modules=[{module}]")
    aggregate = metrics["word_match.exact"]
    assert aggregate["value"] == 0.5 and aggregate["corpus"] is True and aggregate["n"] == 2
    assert aggregate["higher_is_better"] is True


def test_evaluate_module_returning_a_bare_number_is_named_after_the_module(run_eval, tmp_path: Path) -> None:
    # evaluate's own wer and cer return a float, not a dict; wer is an error rate: lower is better.
    module = write_evaluate_module(tmp_path, "wer", "1.0 - hits")
    aggregate = run_evaluate_modules(run_eval, tmp_path, f"metrics.evaluate_modules=[{module}]")["wer"]
    assert aggregate["value"] == 0.5 and aggregate["corpus"] is True
    assert aggregate["higher_is_better"] is False


def test_evaluate_module_direction_is_declared_or_said_to_be_assumed(run_eval, tmp_path: Path, capsys) -> None:
    module = write_evaluate_module(tmp_path, "misses", "{'rate': 1.0 - hits}")
    metrics = run_evaluate_modules(run_eval, tmp_path, f"metrics.evaluate_modules=[{module}]")
    assert metrics["misses.rate"]["higher_is_better"] is True
    assert "metrics.evaluate_direction" in capsys.readouterr().err  # the assumption is said, with the option

    metrics = run_evaluate_modules(
        run_eval, tmp_path, f"metrics.evaluate_modules=[{module}]", "+metrics.evaluate_direction.misses=lower"
    )
    assert metrics["misses.rate"]["higher_is_better"] is False
    assert "metrics.evaluate_direction" not in capsys.readouterr().err


def test_evaluate_module_direction_must_be_higher_or_lower(run_eval, tmp_path: Path) -> None:
    module = write_evaluate_module(tmp_path, "misses", "{'rate': 1.0 - hits}")
    expected = r"metrics\.evaluate_direction\.misses='down': expected one of higher, lower"  # at composition
    with pytest.raises(ConfigError, match=expected):
        run_evaluate_modules(
            run_eval, tmp_path, f"metrics.evaluate_modules=[{module}]", "+metrics.evaluate_direction.misses=down"
        )


def test_unknown_metric_fails_before_any_work(run_eval, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"metric .*'rogue' is unknown; available: \[.*'rouge'"):
        run_eval("metrics.names=[rogue]")
    assert not (tmp_path / "results").exists()


@pytest.mark.slow
def test_multirun_prints_one_table_with_a_row_per_run(tmp_path: Path) -> None:
    result = harness_cli("run", "-m", "model=lead,textrank", "debug=fast", f"run.output_root={tmp_path}")
    table = [line for line in result.stdout.splitlines() if line.startswith("| summarise_")]
    labels = [line.split("|")[1].strip() for line in table]
    assert labels == ["summarise_lead_seed model=lead", "summarise_textrank_seed model=textrank"]
    assert len(list(tmp_path.glob("*/*_summarise_*_seed/metrics.json"))) == 2


@pytest.mark.slow
def test_a_local_sweep_runs_every_job_and_names_the_failed_ones(tmp_path: Path) -> None:
    good = tmp_path / "good.jsonl"
    good.write_text(json.dumps({"source": "The pact was signed on Monday. It holds.", "reference": "A pact."}) + "\n")
    missing = tmp_path / "missing.jsonl"
    result = harness_cli(
        "run",
        "-m",
        "model=lead",
        "dataset=files",
        f"dataset.path={missing},{good},{tmp_path / 'absent.jsonl'}",
        "debug=fast",
        f"run.output_root={tmp_path / 'results'}",
        check=False,
    )
    assert result.returncode == 2, result.stderr  # every failure was bad input, as for a single run
    table = [line for line in result.stdout.splitlines() if line.startswith("| summarise_")]
    assert [line.split("|")[1].strip() for line in table] == [f"summarise_lead_files dataset.path={good}"]
    assert len(list((tmp_path / "results").glob("*/*_summarise_lead_files/metrics.json"))) == 1
    failed = [line for line in result.stderr.splitlines() if " failed: " in line]
    assert [line.split(" failed: ")[0] for line in failed] == [
        f"harness: error: job 0 (dataset.path={missing})",
        f"harness: error: job 2 (dataset.path={tmp_path / 'absent.jsonl'})",
    ]
    assert "Traceback" not in result.stderr


def test_a_metrics_device_the_machine_lacks_is_said_and_recorded(
    run_eval, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    folder = run_eval("model=lead", "metrics.names=[rouge,bertscore]", "metrics.device=cuda")
    warnings = [line for line in capsys.readouterr().err.splitlines() if "metrics.device" in line]
    assert warnings == [
        "harness: warning: metrics.device=cuda: CUDA is not available on this machine; the metrics run on the CPU"
    ]
    assert read_json(folder / "run.json")["metric_devices"] == {"bertscore": "cpu"}
    assert "bertscore_f1" in read_json(folder / "metrics.json")["metrics"]
