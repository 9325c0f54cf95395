"""Fixtures shared by the translation tests."""

from pathlib import Path

import pytest


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where a module's tiny translation models are built, once per test module."""
    return tmp_path_factory.mktemp("tiny-models")
