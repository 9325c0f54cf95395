"""Where the model-based metrics run: ``metrics.device`` (``auto``: the GPU when torch sees one, else the
CPU) is the one knob of every scorer with a model (BERTScore, faithfulness, NLI, the MiniLM of ``facts``,
COMET, a local LLM judge); the NLI checker and the judge may override it with their own option
(``metrics.nli.device``, ``metrics.llm_judge.backend.device``). ``metrics.dtype``: ``float32``, or
``float16``/``bfloat16`` weights, which change the numbers slightly and are named in the metrics'
signatures."""

from __future__ import annotations

import sys
from functools import cache

import torch

from harness.core.errors import ConfigError

DTYPES = {"float32": torch.float32, "float16": torch.float16, "bfloat16": torch.bfloat16}


def metric_device(name: str, option: str = "metrics.device") -> str:
    """The device named by ``option``, or the CPU where the machine lacks the accelerator it names (said
    once on stderr; the metrics record where they ran in ``run.json``)."""
    if name == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    kind = name.split(":")[0]
    if kind == "cuda" and not torch.cuda.is_available() or kind == "mps" and not torch.backends.mps.is_available():
        _say(
            f"harness: warning: {option}={name}: {kind.upper()} is not available on this machine; "
            "the metrics run on the CPU"
        )
        return "cpu"
    return name


def scorer_device(default: str, own: str | None = None, option: str = "") -> str:
    """Where one model-based scorer runs: its own device option ``option`` when set (``own``; for the
    judge's, ``auto`` counts as unset), else ``metrics.device`` (``default``), resolved by :func:`metric_device`."""
    if own and own != "auto":
        return metric_device(own, option)
    return metric_device(default)


@cache
def _say(line: str) -> None:
    """Print ``line`` to stderr once, however many metrics fall back."""
    print(line, file=sys.stderr)


def metric_dtype(name: str) -> torch.dtype:
    if name not in DTYPES:
        raise ConfigError(f"metrics.dtype={name!r}: expected one of {', '.join(DTYPES)}")
    return DTYPES[name]
