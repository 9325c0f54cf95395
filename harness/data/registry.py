"""Dataset loaders by name: ``dataset.loader`` selects one. Each entry is a lazy ``"module:function"``
target; the dataset's config schema is registered beside it (``/schema/dataset/<name>``,
:mod:`harness.data.config`). Code outside the package adds a loader with ``@LOADERS.register(name)``.

A loader reads the whole dataset: a list of examples, or a :class:`Table` of rows whose examples are built
after the selection (:func:`harness.data.loading.load_examples` selects and shards, the same for every
loader)."""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from harness.core.plugins import Registry
from harness.core.task import TaskSpec
from harness.data.example import Example

if TYPE_CHECKING:
    import datasets

Examples = Collection[Example]


@dataclass(frozen=True)
class Table:
    """A dataset's rows, whose examples are built from the rows the selection keeps (so they can stream)."""

    rows: datasets.Dataset
    examples: Callable[[datasets.Dataset], Examples]


Loader = Callable[[Any, TaskSpec], list[Example] | Table]
LOADERS: Registry[Loader] = Registry(
    "dataset.loader",
    {
        "seed": "harness.data.loading:load_seed",
        "files": "harness.data.loading:load_files",
        "hub": "harness.data.loading:load_hub",
        "parallel_text": "harness.data.parallel:load_parallel_text",
        "hub_translation": "harness.data.parallel:load_hub_translation",
    },
)
