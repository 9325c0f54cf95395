"""Training code for model files the harness ships (kept out of the runtime package): see each module."""
