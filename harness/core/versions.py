"""Installed package versions (recorded in run.json; part of cache keys whose numerics depend on them)."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

_LIBRARIES = ("torch", "transformers")


def package_version(package: str) -> str | None:
    """The installed version of ``package``, or None."""
    try:
        return version(package)
    except PackageNotFoundError:
        return None


def library_versions() -> dict[str, str | None]:
    """Versions of the libraries whose numerics outputs and scores depend on."""
    return {name: package_version(name) for name in _LIBRARIES}
