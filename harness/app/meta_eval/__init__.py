"""Meta-evaluation of factual-consistency metrics on human-labelled data, held out by a fixed split.

``python -m harness meta-eval [--data FILE] [--split SPLIT] [--metric NAME] [--key KEY] [OVERRIDES...]``
composes the metric as ``harness run`` would, scores every summary of the file against its article
(and the baselines beside it), chooses every threshold on the fitting rows (FRANK dev articles,
labelled ``val`` rows) and prints the figures of the rows of ``--split`` (FRANK ``dev`` / ``holdout``,
labelled ``val`` / ``test``): ``data`` (the split), ``scoring`` (metric, baselines, cache), ``figures``
(the statistics), ``report`` (the tables), ``command`` (the command).
"""
