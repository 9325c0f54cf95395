"""The README's commands, as written there: every ``harness run`` command composes (hub ones included,
as ``--cfg job`` would), and the offline ones run for real in a scratch working directory, followed by
the ``table``, ``compare``, ``check`` and ``report`` commands on their run folders.

Not run here: the ``pip install`` commands (they would reinstall the environment the tests run in) and
``python -m pytest`` itself; ``HARNESS_SCREENSHOT=... pytest tests/results/test_report.py`` is that test file.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from itertools import product
from pathlib import Path

import pytest
from hydra.core.override_parser.overrides_parser import OverridesParser

from harness.app.hydra_app import compose_config
from testkit import FRANK, ROOT, read_json, requires, requires_shared

README = (ROOT / "README.md").read_text(encoding="utf-8")
OFFLINE_MODELS = {
    "lead",
    "textrank",
    "lexrank",
    "predictions",
    "apertium",
    "tiny_t5",
    "tiny_bart",
    "tiny_marian",
    "tiny_m2m100",
    "tiny_causal",
}


def readme_commands() -> list[str]:
    """Every command in the README's bash blocks, continuation lines joined, comments dropped."""
    commands = []
    for block in re.findall(r"```bash\n(.*?)```", README, re.S):
        for line in re.sub(r"\\\n\s*", "", block).splitlines():
            command = re.sub(r"\s+#.*$", "", line).strip()
            if command:
                commands.append(command)
    return commands


def harness_part(command: str) -> list[str]:
    """The arguments after ``python -m harness`` (the part after ``&&`` when a pip install comes first)."""
    words = shlex.split(command.split("&&")[-1])
    assert words[:3] == ["python", "-m", "harness"], command
    return words[3:]


def readme(prefix: str) -> list[str]:
    """The harness arguments of the README command ``prefix``, or of the one that starts with it."""
    found = [c for c in readme_commands() if c == prefix] or [c for c in readme_commands() if c.startswith(prefix)]
    assert len(found) == 1, f"the README has {len(found)} commands starting with {prefix!r}"
    return harness_part(found[0])


def run_commands() -> list[str]:
    return [c for c in readme_commands() if "python -m harness run" in c]


def expand_sweeps(overrides: list[str]) -> list[list[str]]:
    """One override list per job of a ``-m`` sweep (a single list without sweeps)."""
    parsed = OverridesParser.create().parse_overrides(overrides)
    choices = [
        [f"{o.get_key_element()}={v}" for v in o.sweep_string_iterator()] if o.is_sweep_override() else [o.input_line]
        for o in parsed
    ]
    return [list(combination) for combination in product(*choices)]


def test_the_readme_has_the_commands_this_file_checks() -> None:
    assert len(run_commands()) >= 14
    # `merge` (the Slurm section's) runs in tests/pipeline/test_merge.py and tests/pipeline/test_slurm.py;
    # `log` and `export` (the tracking section's) in tests/results/test_tracking.py and test_export.py.
    commands = {harness_part(c)[0] for c in readme_commands() if "python -m harness" in c}
    assert commands == {"run", "table", "compare", "check", "report", "merge", "log", "export"}


@pytest.mark.parametrize("command", run_commands())
def test_every_run_command_composes(command: str) -> None:
    """What ``--cfg job`` prints: the config composes (an unknown option or key fails here), for every
    job of a sweep; the README's translation commands name the target language their model produces."""
    overrides = [a for a in harness_part(command)[1:] if a not in ("-m", "--multirun", "--cfg", "job")]
    for job in expand_sweeps(overrides):
        cfg = compose_config(job)
        if cfg.task.name == "translate" and cfg.model.get("language_pair"):
            assert cfg.model.language_pair == f"{cfg.task.source_lang}-{cfg.task.target_lang}", command


SEED_COMMANDS = [c for c in run_commands() if "dataset=" not in c or "dataset=seed" in c]


@pytest.mark.parametrize("command", SEED_COMMANDS)
def test_every_command_on_the_seed_has_its_data(command: str) -> None:
    """The seed is local, so even the commands that need the hub or a server load their examples here:
    a target language the seed has no reference translation for fails now, not on the user's machine."""
    from harness.core.task import task_spec
    from harness.data.loading import load_examples

    overrides = [a for a in harness_part(command)[1:] if a not in ("-m", "--multirun", "--cfg", "job")]
    for job in expand_sweeps(overrides):
        cfg = compose_config(job)
        assert all(example.references for example in load_examples(cfg.dataset, task_spec(cfg))), command


def cli(cwd: Path, *args: str, env: dict[str, str] | None = None) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "harness", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=900,
        env={**os.environ, "HARNESS_PROGRESS": "0", "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(ROOT), **(env or {})},
    )
    assert result.returncode == 0, f"harness {shlex.join(args)}:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def runs(cwd: Path, model: str) -> list[Path]:
    return sorted(p.parent for p in (cwd / "results").glob(f"*/*_{model}_*/run.json"))


@pytest.mark.slow
@requires_shared
@requires(shutil.which("apertium") is not None, "Apertium", "apt-get install -y apertium apertium-eng-spa")
def test_offline_commands_run_as_written(tmp_path: Path) -> None:
    """The offline commands in a fresh working directory, where results/ and .cache/ appear. The two
    FRANK commands get ``dataset.limit=5`` to stay quick; placeholders (data.jsonl, RUN, ...) are
    made here."""
    cwd = tmp_path
    env = {key: value for key, value in os.environ.items() if key != "HARNESS_CACHE"}
    # Quick start: five summarisers on the seed, one table.
    table = subprocess.run(
        [sys.executable, "-m", "harness", *readme("pip install -e . && python -m harness run")],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=900,
        env={**env, "HARNESS_PROGRESS": "0", "PYTHONPATH": str(ROOT)},
    )
    assert table.returncode == 0, table.stderr
    for model in ("lead", "textrank", "lexrank", "tiny_t5", "tiny_bart"):
        assert len(runs(cwd, model)) == 1
        assert any(line.startswith("| ") and model in line for line in table.stdout.splitlines()), model
    assert (cwd / ".cache" / "harness").is_dir()  # relative to the working directory

    cli(cwd, *readme("python -m harness run model=tiny_t5 --cfg job"))
    assert len(runs(cwd, "tiny_t5")) == 1  # printed the config, ran nothing
    cli(cwd, *readme("python -m harness run model=tiny_t5"))
    cli(cwd, *readme("python -m harness run -m model=lead,textrank"))
    assert (len(runs(cwd, "tiny_t5")), len(runs(cwd, "lead")), len(runs(cwd, "textrank"))) == (2, 2, 2)

    rows = [
        {
            "id": f"a{i}",
            "article": f"Story {i}. The council approved {i} new schools on Monday. It ends.",
            "highlights": f"Council approved {i} schools.",
        }
        for i in range(6)
    ]
    (cwd / "data.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    cli(cwd, *readme("python -m harness run dataset=files"))
    lead_run = runs(cwd, "lead")[0]
    previous = cwd / "results/2026-11-27/10-00-00_summarise_lead_seed/predictions.jsonl"
    previous.parent.mkdir(parents=True)
    shutil.copy(lead_run / "predictions.jsonl", previous)
    cli(cwd, *readme("python -m harness run model=predictions model.path="))
    cli(cwd, *readme("python -m harness run model=predictions model.column=summary dataset=frank"), "dataset.limit=5")
    assert FRANK.is_file()

    apertium = cli(cwd, *readme("python -m harness run task=translate model=apertium"))
    assert "language.on_target" in apertium
    [apertium_run] = runs(cwd, "apertium")
    assert read_json(apertium_run / "run.json")["cache"]["enabled"]  # cached, keyed by package versions
    cli(cwd, *readme("python -m harness run task=translate model=tiny_marian"))
    (cwd / "system.de").write_text("Der Vertrag wurde unterzeichnet.\nEr gilt sofort.\n", encoding="utf-8")
    (cwd / "newstest2017.ref.de").write_text("Der Vertrag wurde am Mittwoch unterzeichnet.\nEr gilt ab sofort.\n")
    cli(cwd, *readme("python -m harness run task=translate model=predictions"))
    cli(
        cwd, *readme("python -m harness run -m model=predictions model.column=summary dataset=frank"), "dataset.limit=5"
    )

    # Reading runs: the synopsis lines with their placeholders filled and each option used once.
    table = readme("python -m harness table")
    base = table[: table.index("[--format")]
    for form in ("md", "csv", "json", "html"):
        cli(cwd, *base, "--format", form, "-o", f"table.{form}")
        assert (cwd / f"table.{form}").stat().st_size > 0
    assert "tiny_t5" in cli(cwd, *base)
    compare = readme("python -m harness compare")
    assert compare[1:3] == ["RUN_BASELINE", "RUN_B"]
    out = cli(
        cwd,
        "compare",
        str(runs(cwd, "lead")[0]),
        str(runs(cwd, "textrank")[0]),
        str(runs(cwd, "lexrank")[0]),
        "--samples",
        "1000",
        "--trials",
        "10000",
        "--seed",
        "12345",
    )
    assert "rouge1" in out
    check = readme("python -m harness check RUN --baseline results/baselines/")
    baseline = check[check.index("--baseline") + 1]
    (cwd / baseline).parent.mkdir(parents=True)
    shutil.copy(ROOT / baseline, cwd / baseline)
    tiny_t5 = str(runs(cwd, "tiny_t5")[0])
    assert "PASS" in cli(
        cwd, "check", tiny_t5, "--baseline", baseline, "--tolerance", "1e-6", "--alpha", "0.05", "--any-change"
    )
    assert "PASS" in cli(cwd, "check", tiny_t5, "--baseline", baseline, "--tolerance", "rouge1=0.01")
    write = readme("python -m harness check RUN --baseline FILE --write-baseline")
    assert write[1:] == ["RUN", "--baseline", "FILE", "--write-baseline"]
    cli(cwd, "check", tiny_t5, "--baseline", "mine.json", "--write-baseline")
    assert read_json(cwd / "mine.json")["format"] == "harness-baseline/1"
    cli(cwd, *readme("python -m harness report"))
    assert "Content-Security-Policy" in (cwd / "report.html").read_text(encoding="utf-8")
