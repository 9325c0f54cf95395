"""Generation: outputs for every example not yet done, from the cache or the model, appended chunk by chunk.

Each chunk's examples and predictions are appended to the run folder and flushed before the next chunk
starts, so a crash loses at most the chunk in flight and a resumed run (:mod:`harness.pipeline.resume`) picks up
from the lines on disk.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

from harness.core.progress import bar
from harness.data.example import Example
from harness.models.base import Generation, Model
from harness.pipeline.cache import GenerationCache
from harness.runfolder.folder import RunFolder
from harness.runfolder.schema import PredictionRecord


@dataclass
class GenerationReport:
    """What this invocation generated: how many examples, and the reasons of those that failed."""

    generated: int = 0
    errors: Counter[str] = field(default_factory=Counter)


def chunked(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def generate_all(
    model: Model,
    examples: Iterable[Example],
    folder: RunFolder,
    chunk_size: int,
    cache: GenerationCache | None,
    done: set[str],
    listed: set[str],
    total: int,
) -> GenerationReport:
    """Generate the examples whose id is not in ``done``; ``listed`` ids are already in ``examples.jsonl``."""
    report = GenerationReport()
    progress = bar(total, "generate", initial=len(done))
    todo = (e for e in examples if e.id not in done)
    for chunk in chunked(todo, chunk_size):
        results = generate_chunk(model, chunk, cache)
        folder.append_jsonl("examples.jsonl", [example_record(e) for e in chunk if e.id not in listed])
        folder.append_jsonl("predictions.jsonl", [prediction_record(e, g) for e, g in zip(chunk, results, strict=True)])
        report.generated += len(chunk)
        report.errors.update(g.error or "no output" for g in results if g.output is None)
        progress.update(len(chunk))
    progress.close()
    return report


def generate_chunk(model: Model, chunk: Sequence[Example], cache: GenerationCache | None) -> list[Generation]:
    """One generation per example: an error for an empty source, else the cached output, else the model's."""
    results: list[Generation | None] = [
        None if e.source.strip() or e.meta.get("no_source") else Generation(None, error="empty source") for e in chunk
    ]
    wanted = [i for i, r in enumerate(results) if r is None]
    cached = [i for i in wanted if chunk[i].source.strip()] if cache is not None else []  # keyed by source
    if cache is not None and cached:
        for i, hit in zip(cached, cache.get_many([chunk[i].source for i in cached]), strict=True):
            results[i] = hit
        wanted = [i for i in wanted if results[i] is None]
    if wanted:
        produced = model.generate([chunk[i] for i in wanted])
        for i, generation in zip(wanted, produced, strict=True):
            results[i] = generation
        if cache is not None:
            keyed = set(cached)
            cache.put_many((chunk[i].source, g) for i, g in zip(wanted, produced, strict=True) if i in keyed)
    return [r for r in results if r is not None]


def example_record(example: Example) -> dict[str, Any]:
    meta = {k: v for k, v in example.meta.items() if k != "fields"}
    return {"id": example.id, "source": example.source, "references": list(example.references), "meta": meta}


def prediction_record(example: Example, generation: Generation) -> PredictionRecord:
    return PredictionRecord(
        id=example.id,
        source_hash=example.source_hash,
        output=generation.output,
        seconds=generation.seconds,
        truncated=generation.truncated,
        error=generation.error,
    )
