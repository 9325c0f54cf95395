"""Shared loading of Hugging Face pretrained models: device, dtype, clear load errors, identity."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any, TypeVar

import torch
from transformers import AutoConfig, AutoTokenizer, PreTrainedTokenizerBase

from harness.core.task import TaskSpec
from harness.models.base import Model, ModelLoadError
from harness.models.config import PretrainedModelConfig

P = TypeVar("P", bound=PretrainedModelConfig)

_DTYPES = {"float32": torch.float32, "float16": torch.float16, "bfloat16": torch.bfloat16}
_UNBOUNDED = 100_000  # tokenizers report a huge model_max_length when they do not know it


def resolve_device(requested: str) -> str:
    if requested == "auto":
        if torch.cuda.is_available():
            return "cuda"
        if torch.backends.mps.is_available():
            return "mps"
        return "cpu"
    if requested == "cuda" and not torch.cuda.is_available():
        raise ModelLoadError("model.device=cuda but CUDA is not available on this machine")
    if requested == "mps" and not torch.backends.mps.is_available():
        raise ModelLoadError("model.device=mps but MPS is not available on this machine")
    if requested not in {"cpu", "cuda", "mps"} and not requested.startswith("cuda:"):
        raise ModelLoadError(f"model.device={requested!r}; expected auto, cpu, cuda, cuda:N or mps")
    return requested


def resolve_dtype(requested: str, device: str) -> torch.dtype:
    if requested == "auto":
        return torch.float32 if device == "cpu" else torch.float16
    if requested not in _DTYPES:
        raise ModelLoadError(f"model.dtype={requested!r}; expected auto or one of {sorted(_DTYPES)}")
    return _DTYPES[requested]


def load_pretrained(loader: Any, cfg: PretrainedModelConfig, **kwargs: Any) -> Any:
    """``loader.from_pretrained`` with errors that say which model failed and why."""
    try:
        return loader.from_pretrained(
            cfg.name_or_path, revision=cfg.revision, trust_remote_code=cfg.trust_remote_code, **kwargs
        )
    except Exception as error:  # transformers raises OSError, ValueError, KeyError, ...
        if "trust_remote_code" in str(error) and not cfg.trust_remote_code:
            error = ValueError(
                "it needs custom code from its repository; set model.trust_remote_code=true only if you trust that code"
            )
        raise ModelLoadError.unloadable("model.name_or_path", cfg.name_or_path, error) from error


def weights_hash(path: str) -> str | None:
    """sha256 over a local model folder's weight files, in name order; None for hub names."""
    folder = Path(path)
    if not folder.is_dir():
        return None
    digest = hashlib.sha256()
    files = sorted(p for p in folder.iterdir() if p.suffix in {".safetensors", ".bin"})
    for file in files:
        digest.update(file.name.encode())
        with file.open("rb") as stream:
            for block in iter(lambda: stream.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()[:16] if files else None


def input_limit(tokenizer: PreTrainedTokenizerBase, model_config: Any, configured: int | None) -> int:
    """The input length in tokens: the configured limit, else the tokenizer's, else the model's positions."""
    if configured is not None:
        return configured
    if 0 < tokenizer.model_max_length < _UNBOUNDED:
        return int(tokenizer.model_max_length)
    for key in ("max_position_embeddings", "n_positions"):
        value = getattr(model_config, key, None)
        if isinstance(value, int) and value > 0:
            return value
    return 512


class PretrainedModel(Model[P]):
    """A backend around ``from_pretrained``: picks the device, loads the config first (it names
    remote-code and missing-model problems), then the tokenizer; subclasses load the model with
    :meth:`load_model` and describe their generation settings in :meth:`params`."""

    def __init__(self, cfg: P, task: TaskSpec) -> None:
        super().__init__(cfg, task)
        self._device = resolve_device(cfg.device)
        self._dtype = resolve_dtype(cfg.dtype, self._device)
        if cfg.cpu_threads and self._device == "cpu":
            torch.set_num_threads(cfg.cpu_threads)
        self.config = load_pretrained(AutoConfig, cfg)
        self.tokenizer = load_pretrained(AutoTokenizer, cfg)

    def load_model(self, auto_class: Any) -> Any:
        model = load_pretrained(auto_class, self.cfg, config=self.config, dtype=self._dtype)
        return model.to(self._device).eval()

    @property
    def device(self) -> str:
        return self._device

    def params(self) -> dict[str, Any]:
        """Everything besides the weights that decides the outputs."""
        return {}

    def identity(self) -> dict[str, Any]:
        identity: dict[str, Any] = {
            "name": self.cfg.name,
            "backend": self.cfg.backend,
            "path": self.cfg.name_or_path,
            "params": self.params(),
            # The same weights give other outputs in another precision or on another kind of device.
            "dtype": str(self._dtype).removeprefix("torch."),
            "device": torch.device(self._device).type,
        }
        revision = self.cfg.revision or getattr(self.config, "_commit_hash", None)
        if revision:
            identity["revision"] = revision
        digest = weights_hash(self.cfg.name_or_path)
        if digest:
            identity["weights_hash"] = digest
        return identity
