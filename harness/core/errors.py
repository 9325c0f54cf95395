"""Errors in what the user gave (a config option, a file, a field): reported as one clear line."""

from __future__ import annotations

import sys


class InputError(Exception):
    """Bad input; the message names the option, file or field and what was expected."""


class RunFailed(RuntimeError):
    """A run that went through but failed as a whole (every example, or more than ``run.max_error_rate``)."""


def report_input_error(error: InputError | RunFailed | OSError) -> int:
    """Print ``error`` as the one line a user sees; the exit status: 2 for bad input, 1 for a failed run
    (or a file system that failed it: a full disk, ...)."""
    print(f"harness: error: {one_line(error)}", file=sys.stderr)
    return 2 if isinstance(error, InputError) else 1


def one_line(error: BaseException) -> str:
    """``error`` in one line, as it is printed and recorded in ``run.json``: an input error's or a failed run's
    own message, the file and reason of an operating-system error, else the exception's type and text."""
    if isinstance(error, OSError) and error.strerror:
        text = f"{error.filename}: {error.strerror}" if error.filename else error.strerror
    elif isinstance(error, InputError | RunFailed):
        text = str(error)
    else:
        text = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
    return " ".join(text.splitlines())  # error texts from libraries and servers may span lines


class ConfigError(InputError, ValueError):
    """A config value names something that does not exist (a metric, a backend, an architecture)."""
