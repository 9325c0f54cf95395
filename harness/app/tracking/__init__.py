"""Logging finished runs to experiment trackers (MLflow, Weights & Biases): the run folder stays the
record; a tracker gets a copy of its config, metrics, identity and files."""
