"""``harness view``: a local, read-only web app over run folders (see docs/viewer.md)."""
