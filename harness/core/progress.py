"""Progress bars with rate and ETA, shown only where someone watches: a TTY, unless ``HARNESS_PROGRESS`` says.

``HARNESS_PROGRESS=0`` silences them (CI logs), ``HARNESS_PROGRESS=1`` forces them on.
"""

from __future__ import annotations

import os
import sys

from tqdm import tqdm


def enabled() -> bool:
    setting = os.environ.get("HARNESS_PROGRESS", "").strip()
    if setting in {"0", "1"}:
        return setting == "1"
    return sys.stderr.isatty()


def quiet_libraries() -> None:
    """Make ``datasets``' own bars (file conversion, filters) follow the same setting."""
    import datasets

    if enabled():
        datasets.enable_progress_bars()
    else:
        datasets.disable_progress_bars()


def bar(total: int | None, desc: str, initial: int = 0) -> tqdm:
    """A bar counting examples; call ``update(n)`` as they are done and ``close()`` at the end."""
    return tqdm(total=total, initial=initial, desc=desc, unit="ex", disable=not enabled(), dynamic_ncols=True)
