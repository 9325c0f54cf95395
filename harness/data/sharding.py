"""Contiguous shards of a dataset, so that shard runs joined in index order give the unsharded order."""

from __future__ import annotations


def shard_bounds(n: int, num_shards: int, index: int) -> tuple[int, int]:
    """``[start, stop)`` of shard ``index`` of ``n`` items; the first ``n % num_shards`` shards get one more
    (the split of ``datasets.Dataset.shard(contiguous=True)``)."""
    if num_shards < 1 or not 0 <= index < num_shards:
        raise ValueError(f"dataset.shard_index={index} must be in [0, dataset.num_shards={num_shards})")
    size, extra = divmod(n, num_shards)
    start = index * size + min(index, extra)
    return start, start + size + (1 if index < extra else 0)
