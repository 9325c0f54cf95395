"""Registries of named implementations: lazy ``"module:object"`` entries, duplicate names refused (issue 11
item 4)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from harness.core.errors import ConfigError
from harness.core.plugins import Registry

HEAVY = ["torch", "transformers", "httpx", "sumy", "sacrebleu"]


def _imported_after(build: str) -> dict[str, bool]:
    """Which heavy libraries a fresh interpreter has imported after running ``build``."""
    probe = (
        "import json, sys\n"
        "from harness.app.hydra_app import compose_config\n"
        "from harness.core.task import TaskSpec\n"
        f"{build}\n"
        f"print(json.dumps({{name: name in sys.modules for name in {HEAVY!r}}}))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=300, check=True)
    return json.loads(done.stdout.splitlines()[-1])


def test_the_lead_backend_imports_no_heavy_library() -> None:
    imported = _imported_after(
        "from harness.models.registry import build_model\n"
        "model = build_model(compose_config(['model=lead']).model, TaskSpec())\n"
        "assert type(model).__name__ == 'LeadModel'"
    )
    assert imported == dict.fromkeys(HEAVY, False)


@pytest.mark.slow
def test_the_rouge_metric_imports_no_heavy_library() -> None:
    imported = _imported_after(
        "from harness.metrics.registry import build_metrics\n"
        "cfg = compose_config(['metrics.names=[rouge]']).metrics\n"
        "assert [m.name for m in build_metrics(cfg, TaskSpec(), [])] == ['rouge']"
    )
    assert imported == dict.fromkeys(HEAVY, False)


@pytest.mark.slow
def test_a_model_backend_imports_its_libraries() -> None:
    """The probe above can see an import: building the sumy backend imports sumy (and nothing of torch)."""
    imported = _imported_after(
        "from harness.models.registry import build_model\n"
        "build_model(compose_config(['model=textrank']).model, TaskSpec())"
    )
    assert imported == {**dict.fromkeys(HEAVY, False), "sumy": True}


def test_a_lookup_imports_only_the_module_of_its_entry() -> None:
    registry: Registry[object] = Registry("thing", {"json": "json:dumps", "missing": "no_such_module:thing"})
    assert registry.names() == ["json", "missing"]  # listing imports nothing
    assert registry.get("json") is json.dumps
    with pytest.raises(ModuleNotFoundError, match="no_such_module"):
        registry.get("missing")


def test_an_unknown_name_lists_the_available_ones() -> None:
    registry: Registry[object] = Registry("model.backend", {"lead": "json:dumps", "tiny": "json:loads"})
    with pytest.raises(ConfigError, match=r"model.backend 'nope' is unknown; available: \['lead', 'tiny'\]"):
        registry.get("nope")


def test_a_name_registered_twice_is_refused() -> None:
    registry: Registry[object] = Registry("metric", {"rouge": "json:dumps"})
    registry.add("rouge", "json:dumps")  # the same entry again is harmless
    with pytest.raises(ValueError, match="metric 'rouge' is registered twice: as json:dumps and as json:loads"):
        registry.add("rouge", "json:loads")

    @registry.register("eager")
    def eager() -> None: ...

    assert registry.get("eager") is eager
    with pytest.raises(ValueError, match="metric 'eager' is registered twice"):
        registry.register("eager")(lambda: None)
    with pytest.raises(ValueError, match="not 'module:object'"):
        registry.add("bad", "json.dumps")


def test_every_registered_entry_resolves() -> None:
    """No entry of the project's registries names a module or object that does not exist."""
    from harness.data.registry import LOADERS
    from harness.metrics.registry import METRICS
    from harness.models.registry import MODELS

    for registry in (MODELS, METRICS, LOADERS):
        for name in registry.names():
            assert callable(registry.get(name)), (registry.kind, name)


def test_each_model_schema_has_its_backend() -> None:
    """A schema ``/schema/model/<name>`` (what ``configs/model/`` presets start from) names a backend of the
    model registry, and each built-in backend has its schema."""
    from hydra.core.config_store import ConfigStore

    from harness.models.registry import MODELS

    schemas = {name.removesuffix(".yaml") for name in ConfigStore.instance().list("schema/model")}
    built_in = {name for name in MODELS.names() if MODELS.get(name).__module__.startswith("harness.models.")}
    assert schemas == built_in
