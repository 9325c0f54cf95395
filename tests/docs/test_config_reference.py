"""The config reference (docs/config-reference.md) is generated from the schemas at build time by
docs/hooks/config_reference.py: every key of every schema gets a row with its help, so a new field
without help fails here."""

from __future__ import annotations

import importlib.util
from types import ModuleType

import pytest
from hydra.core.config_store import ConfigStore
from omegaconf import OmegaConf

from harness.app.hydra_app import compose_config
from testkit import ROOT

HOOK = ROOT / "docs" / "hooks" / "config_reference.py"


@pytest.fixture(scope="module")
def hook() -> ModuleType:
    spec = importlib.util.spec_from_file_location("config_reference", HOOK)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def schemas() -> dict[str, type]:
    compose_config(["model=lead"])  # registers every group's schemas
    repo = ConfigStore.instance().repo["schema"]
    return {
        f"{group}/{name}": OmegaConf.get_type(node.node)
        for group, nodes in repo.items()
        for name, node in nodes.items()
    }


def test_every_schema_key_has_help_and_a_row(hook: ModuleType) -> None:
    from harness.pipeline.config import RunConfig

    page = hook.render(ROOT / "configs")
    found = {**schemas(), "run": RunConfig}
    assert {"model/lead.yaml", "dataset/files.yaml", "metrics/metrics.yaml", "task/task.yaml"} <= found.keys()
    for where, schema in found.items():
        group = where.partition("/")[0]
        for key, owner, field in hook.schema_keys(schema, f"{group}."):
            assert hook.help_text(owner, field.name), f"{where}: {key} has no help (a comment or metadata['help'])"
            assert f"| `{key}` |" in page, key


def test_rows_show_type_default_bounds_and_help(hook: ModuleType) -> None:
    page = hook.render(ROOT / "configs")
    assert "| `run.max_error_rate` | `float` | `0.5` | 0 to 1 | fail the run when more examples" in page
    assert "| `model.num_beams` | `int` | `4` | at least 1 |" in page
    assert "| `metrics.llm_judge.rubrics.<name>.prompt` | `str` | required |" in page
    assert "Presets: `model=lexrank`, `model=textrank`." in page


def test_help_comes_from_metadata_first_then_the_comment_along_the_bases(hook: ModuleType) -> None:
    from dataclasses import dataclass, field

    @dataclass
    class Base:
        a: int = 1  # from the base
        b: int = field(default=2, metadata={"help": "from metadata"})  # not this

    @dataclass
    class Child(Base):
        a: int = 3

    assert hook.help_text(Child, "a") == "from the base"
    assert hook.help_text(Child, "b") == "from metadata"
