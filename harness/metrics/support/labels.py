"""Finding a class of a sequence classifier by its label name (``config.id2label``) or class id."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any


def find_label_id(id2label: Mapping[Any, str], names: Sequence[str], given: str | int | None) -> int | None:
    """The class id whose label is ``given`` (a name, else a class id, also as a string of digits from
    a config file), else the first class whose label is one of ``names``."""
    labels = {int(i): str(label).strip().lower().replace("_", " ") for i, label in id2label.items()}
    if isinstance(given, int):
        return given if given in labels else None
    wanted = (given.strip().lower().replace("_", " "),) if given is not None else names
    for class_id, label in labels.items():
        if label in wanted:
            return class_id
    if given is not None and given.strip().isdigit():
        return find_label_id(id2label, names, int(given))
    return None
