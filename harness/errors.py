"""Errors in what the user gave (a config option, a file, a field): reported as one clear line."""

from __future__ import annotations

import sys


class InputError(Exception):
    """Bad input; the message names the option, file or field and what was expected."""


class RunFailed(RuntimeError):
    """A run that went through but failed as a whole (every example, or more than ``run.max_error_rate``)."""


def report_input_error(error: InputError | RunFailed) -> int:
    """Print ``error`` as the one line a user sees; the exit status: 2 for bad input, 1 for a failed run."""
    one_line = " ".join(str(error).splitlines())  # error texts from libraries and servers may span lines
    print(f"harness: error: {one_line}", file=sys.stderr)
    return 1 if isinstance(error, RunFailed) else 2


class ConfigError(InputError, ValueError):
    """A config value names something that does not exist (a metric, a backend, an architecture)."""
