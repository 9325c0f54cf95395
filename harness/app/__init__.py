"""Entry points: the command line, Hydra's app and callbacks, tracking, meta-evaluation and the viewer."""
