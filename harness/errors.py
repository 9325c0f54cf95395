"""Errors in what the user gave (a config option, a file, a field): reported as one clear line."""

from __future__ import annotations

import sys


class InputError(Exception):
    """Bad input; the message names the option, file or field and what was expected."""


def report_input_error(error: InputError) -> int:
    """Print ``error`` as the one line a user sees; the exit status for bad input."""
    print(f"harness: error: {error}", file=sys.stderr)
    return 2


class ConfigError(InputError, ValueError):
    """A config value names something that does not exist (a metric, a backend, an architecture)."""
