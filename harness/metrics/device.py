"""Where the model-based metrics (BERTScore, faithfulness, NLI) run: ``metrics.device`` (``auto``: the
GPU when torch sees one, else the CPU) and ``metrics.dtype`` (``float32``, or ``float16``/``bfloat16``
weights, which change the numbers slightly and are named in the metrics' signatures)."""

from __future__ import annotations

import torch

from harness.errors import ConfigError

DTYPES = {"float32": torch.float32, "float16": torch.float16, "bfloat16": torch.bfloat16}


def metric_device(name: str) -> str:
    if name == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    return name


def metric_dtype(name: str) -> torch.dtype:
    if name not in DTYPES:
        raise ConfigError(f"metrics.dtype={name!r}: expected one of {', '.join(DTYPES)}")
    return DTYPES[name]


def dtype_suffix(dtype: torch.dtype) -> str:
    """``|dtype:<name>`` for a signature, empty for float32 (the numbers of older runs)."""
    return "" if dtype == torch.float32 else f"|dtype:{str(dtype).removeprefix('torch.')}"
