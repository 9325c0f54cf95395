"""Where the project's own files are, so that configs can name them relative to the repository."""

from __future__ import annotations

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def project_path(path: str | Path) -> Path:
    """``path`` as given if it exists (absolute, or relative to the working directory); otherwise
    relative to the project root (e.g. ``seeds/...`` when running from another folder)."""
    given = Path(path)
    if given.is_absolute() or given.exists():
        return given
    in_project = PROJECT_ROOT / given
    return in_project if in_project.exists() else given
