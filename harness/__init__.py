"""harness: an evaluation harness for summarisation and machine translation."""

__version__ = "0.1.0"
