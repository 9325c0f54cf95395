"""MkDocs hook: docs/config-reference.md, written at build time from the dataclass schemas of a run.

Every key of every schema registered under ``/schema/<group>/...`` (and ``run``) becomes a row: its
override path, type, default, allowed values (the :func:`~harness.core.schema.bounded` metadata) and help.
The help is the field's ``metadata["help"]`` or else its comment in the schema's source (on the field's
lines, or the comment lines just above it), looked up along the class's bases. Nothing here is written by
hand: a new field shows up with the help its schema gives it (``tests/docs/test_config_reference.py``
requires one for every field).
"""

from __future__ import annotations

import ast
import inspect
import io
import re
import textwrap
import tokenize
from collections.abc import Iterator
from dataclasses import MISSING, Field, fields, is_dataclass
from functools import cache
from pathlib import Path
from typing import Any, get_args, get_origin, get_type_hints

from hydra.core.config_store import ConfigStore
from omegaconf import OmegaConf

PAGE = "config-reference.md"
REPOSITORY = Path(__file__).resolve().parents[2]


def on_files(files: Any, config: Any) -> Any:
    """Add the generated page to the site (MkDocs calls this before it builds the navigation)."""
    from mkdocs.structure.files import File

    files.append(File.generated(config, PAGE, content=render(REPOSITORY / "configs")))
    return files


def render(configs: Path) -> str:
    """The whole page, from the schemas registered by importing the run's config module."""
    from harness.pipeline.config import RunConfig

    parts = [
        "# Config reference",
        "",
        "Every option of `python -m harness run`, as the dataclass schemas declare it: the override that sets",
        "it, its type, its default, the values it accepts (checked when the config is composed, before any",
        "work) and what it does. Generated from the schemas when the site is built "
        "(`docs/hooks/config_reference.py`); do not edit by hand.",
        "",
        "`required` marks a key without a default: the preset or the command line must set it.",
        "`${oc.env:HARNESS_CACHE,.cache/harness}` is the environment variable `HARNESS_CACHE`, else",
        "`.cache/harness` in the working directory.",
        "",
        _group_section("task", configs, "`task=summarise` (the default) or `task=translate`."),
        _group_section(
            "model",
            configs,
            "`model=<preset>` picks a YAML in `configs/model/`, which starts from "
            "its backend's schema; the keys of that schema can then be overridden.",
        ),
        _group_section(
            "dataset",
            configs,
            "`dataset=<preset>` picks a YAML in `configs/dataset/`, which starts from its loader's schema.",
        ),
        _group_section("metrics", configs, "Settings shared by the metrics, then one node per metric."),
        "## run",
        "",
        "How the run is carried out and where it is written.",
        "",
        _table(RunConfig, "run."),
    ]
    return "\n".join(parts).rstrip() + "\n"


def _group_section(group: str, configs: Path, intro: str) -> str:
    schemas = ConfigStore.instance().repo["schema"][group]
    classes = {name.removesuffix(".yaml"): OmegaConf.get_type(node.node) for name, node in sorted(schemas.items())}
    presets = _presets(configs / group)
    lines = [f"## {group}", "", intro, ""]
    if len(classes) == 1:
        [schema] = classes.values()
        lines += [_table(schema, f"{group}."), *_package_presets(group, configs), ""]
        return "\n".join(lines)
    shared = _common_base(list(classes.values()))
    lines += [f"### Every {group}", "", _table(shared, f"{group}."), ""]
    for name, schema in classes.items():
        named = ", ".join(f"`{group}={p}`" for p in presets.get(name, [])) or "none: set its keys yourself"
        lines += [f"### {name}", "", *_doc(schema), f"Presets: {named}.", "", _table(schema, f"{group}.", shared), ""]
    return "\n".join(lines)


def _package_presets(group: str, configs: Path) -> list[str]:
    """The groups whose YAMLs set a part of ``group`` (``+nli_model=...``, ``+judge=...``)."""
    lines = []
    for folder in sorted(p for p in configs.iterdir() if p.is_dir()):
        packages = {
            path.stem: match.group(1).replace(path.stem, "<name>")
            for path in sorted(folder.glob("*.yaml"))
            if (match := re.match(r"# @package (\S+)", path.read_text(encoding="utf-8")))
        }
        sets = sorted({package for package in packages.values() if package.startswith(f"{group}.")})
        if sets:
            names = ", ".join(f"`{stem}`" for stem in packages)
            where = " and ".join(f"`{package}`" for package in sets)
            lines += ["", f"Presets of `+{folder.name}=<name>`, which set {where}: {names}."]
    return lines


def _presets(folder: Path) -> dict[str, list[str]]:
    """Schema name -> the YAMLs of the group that start from it."""
    found: dict[str, list[str]] = {}
    for path in sorted(folder.glob("*.yaml")):
        match = re.search(r"/schema/\w+/(\w+)@_here_", path.read_text(encoding="utf-8"))
        if match:
            found.setdefault(match.group(1), []).append(path.stem)
    return found


def _common_base(classes: list[type]) -> type:
    """The most derived dataclass every schema of a group extends (ModelConfig, DatasetConfig)."""
    for candidate in classes[0].__mro__:
        if is_dataclass(candidate) and all(issubclass(c, candidate) for c in classes):
            return candidate
    raise ValueError(f"no common schema of {classes}")


def _doc(schema: type) -> list[str]:
    """The schema's own docstring and a blank line, if it has one (dataclasses make one up otherwise)."""
    own = schema.__dict__.get("__doc__")
    return [inspect.cleandoc(own), ""] if own and not own.startswith(f"{schema.__name__}(") else []


def _table(schema: type, prefix: str, skip: type | None = None) -> str:
    rows = ["| key | type | default | allowed | help |", "|---|---|---|---|---|"]
    rows += [
        f"| `{key}` | {_code(f.type)} | {_default(f)} | {_allowed(f)} | {_cell(help_text(owner, f.name))} |"
        for key, owner, f in schema_keys(schema, prefix, skip)
    ]
    return "\n".join(rows)


def schema_keys(schema: type, prefix: str, skip: type | None = None) -> Iterator[tuple[str, type, Field[Any]]]:
    """(override path, declaring schema, field) of every key of ``schema``, nested nodes flattened;
    ``skip``'s fields are left out."""
    hints = get_type_hints(schema)
    skipped = {f.name for f in fields(skip)} if skip is not None else set()
    for f in fields(schema):  # type: ignore[arg-type]
        if f.name in skipped:
            continue
        kind = hints[f.name]
        if is_dataclass(kind):
            yield from schema_keys(kind, f"{prefix}{f.name}.")  # type: ignore[arg-type]
        elif get_origin(kind) is dict and is_dataclass(get_args(kind)[1]):
            yield from schema_keys(get_args(kind)[1], f"{prefix}{f.name}.<name>.")
        else:
            yield f"{prefix}{f.name}", schema, f


def help_text(schema: type, name: str) -> str:
    """The help of field ``name``: its ``metadata["help"]``, else its comment in the first class along the
    bases that comments it."""
    metadata = {f.name: f.metadata for f in fields(schema)}  # type: ignore[arg-type]
    if metadata[name].get("help"):
        return str(metadata[name]["help"])
    for base in schema.__mro__:
        if is_dataclass(base) and name in _comments(base):
            return _comments(base)[name]
    return ""


@cache
def _comments(schema: type) -> dict[str, str]:
    """Field name -> its comment in ``schema``'s own body: the lines of the field, else those just above."""
    source = textwrap.dedent(inspect.getsource(schema))
    lines = source.splitlines()
    comments = {
        token.start[0]: token.string.lstrip("#").strip()
        for token in tokenize.generate_tokens(io.StringIO(source).readline)
        if token.type == tokenize.COMMENT
    }
    [classdef] = [node for node in ast.parse(source).body if isinstance(node, ast.ClassDef)]
    found = {}
    for node in classdef.body:
        if not (isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)):
            continue
        own = [comments[n] for n in range(node.lineno, (node.end_lineno or node.lineno) + 1) if n in comments]
        above: list[str] = []
        line = node.lineno - 1
        while line in comments and lines[line - 1].lstrip().startswith("#"):
            above.insert(0, comments[line])
            line -= 1
        text = " ".join(above + own)
        if text:
            found[node.target.id] = text
    return found


def _default(f: Field[Any]) -> str:
    if f.default_factory is not MISSING:
        return _code(_value(f.default_factory()))
    if f.default == "???":
        return "required"
    return _code(_value(f.default))


def _value(value: Any) -> str:
    """A value as an override writes it."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, list):
        return "[" + ", ".join(map(_value, value)) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_value(v)}" for k, v in value.items()) + "}"
    return str(value) if value != "" else '""'


def _allowed(f: Field[Any]) -> str:
    meta = f.metadata
    each = "each value: " if "dict" in str(f.type) and meta.get("low", meta.get("choices")) else ""
    if meta.get("choices"):
        return each + ", ".join(f"`{c}`" for c in meta["choices"])
    low, high = meta.get("low"), meta.get("high")
    if low is not None and high is not None:
        return f"{each}{_number(low)} to {_number(high)}"
    if low is not None:
        return f"{each}at least {_number(low)}"
    return ""


def _number(value: float) -> str:
    return "2^32 - 1" if value == 2**32 - 1 else f"{value:g}"


def _code(text: Any) -> str:
    """A code span (Python-Markdown's tables do not split cells at a "|" inside one)."""
    return f"`{text}`" if str(text) else ""


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
