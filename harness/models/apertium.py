"""Apertium, the rule-based MT engine, run as a subprocess (Debian: ``apt-get install apertium apertium-eng-spa``).

Single-line sources are translated in one call, one line per example (Apertium keeps line breaks);
sources with line breaks (documents) get a call each.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Sequence
from typing import Any

from lingua import IsoCode639_1, Language

from harness.core.task import TaskSpec
from harness.data.example import Example
from harness.models.base import Generation, Model, ModelLoadError
from harness.models.config import ApertiumConfig

INSTALL_HINT = "install it with: apt-get install -y apertium apertium-eng-spa"


def apertium_mode(source_lang: str, target_lang: str) -> str:
    """Apertium's mode name for a language pair given as ISO 639-1 codes (en, es -> eng-spa)."""
    codes = []
    for code in (source_lang, target_lang):
        try:
            codes.append(Language.from_iso_code_639_1(IsoCode639_1.from_str(code)).iso_code_639_3.name.lower())
        except ValueError as error:
            raise ModelLoadError(f"task language {code!r} has no ISO 639-3 code; set model.mode") from error
    return "-".join(codes)


class ApertiumModel(Model[ApertiumConfig]):
    def __init__(self, cfg: ApertiumConfig, task: TaskSpec) -> None:
        super().__init__(cfg, task)
        executable = shutil.which(cfg.executable)
        if executable is None:
            raise ModelLoadError(f"model=apertium: the {cfg.executable!r} executable is not on PATH; {INSTALL_HINT}")
        self.executable = executable
        self.mode = cfg.mode or apertium_mode(task.source_lang, task.target_lang)
        modes = self._run(["-l"], "").split()
        if self.mode not in modes:
            raise ModelLoadError(
                f"model=apertium: mode {self.mode!r} is not installed (installed: {modes}); "
                f"install its language pair, e.g. apt-get install -y apertium-{self.mode}"
            )

    def identity(self) -> dict[str, Any]:
        identity: dict[str, Any] = {
            "name": self.cfg.name,
            "backend": "apertium",
            "path": self.executable,
            "params": {"mode": self.mode, "mark_unknown": self.cfg.mark_unknown},
        }
        versions = _package_versions(["apertium", f"apertium-{self.mode}"])
        if versions:
            identity["revision"] = versions
        return identity

    def generate(self, examples: Sequence[Example]) -> list[Generation]:
        sources = [example.source.strip() for example in examples]
        if sources and not any("\n" in source for source in sources):
            start = time.perf_counter()
            try:
                lines = self._translate("\n".join(sources)).split("\n")
            except (subprocess.SubprocessError, OSError):
                lines = []  # retried one by one below, so that one failure names its example
            if len(lines) == len(sources):
                seconds = (time.perf_counter() - start) / len(sources)
                return [Generation(output=line.strip(), seconds=seconds) for line in lines]
        return [self._generate_one(source) for source in sources]

    def _generate_one(self, source: str) -> Generation:
        start = time.perf_counter()
        try:
            output = self._translate(source)
        except (subprocess.SubprocessError, OSError) as error:
            return Generation(output=None, error=f"apertium: {error}")
        return Generation(output=output.strip(), seconds=time.perf_counter() - start)

    def _translate(self, text: str) -> str:
        flags = [] if self.cfg.mark_unknown else ["-u"]
        return self._run([*flags, self.mode], text).rstrip("\n")

    def _run(self, arguments: list[str], text: str) -> str:
        completed = subprocess.run(
            [self.executable, *arguments], input=text, capture_output=True, text=True, timeout=self.cfg.timeout_s
        )
        if completed.returncode != 0:
            raise subprocess.SubprocessError(completed.stderr.strip() or f"exit status {completed.returncode}")
        return completed.stdout


def _package_versions(packages: list[str]) -> str | None:
    """Debian package versions, e.g. ``apertium=3.8.3-1 apertium-eng-spa=0.8.1-2``; None off Debian."""
    dpkg = shutil.which("dpkg-query")
    if dpkg is None:
        return None
    completed = subprocess.run(
        [dpkg, "-W", "-f=${Package}=${Version} ", *packages], capture_output=True, text=True, timeout=30
    )
    return completed.stdout.strip() or None
