"""Metrics: per-example scores and corpus-level scores, each with a signature."""
