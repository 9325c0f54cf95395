"""Errors in what the user gave (a config option, a file, a field): reported as one clear line."""

from __future__ import annotations


class InputError(Exception):
    """Bad input; the message names the option, file or field and what was expected."""


class ConfigError(InputError, ValueError):
    """A config value names something that does not exist (a metric, a backend, an architecture)."""
