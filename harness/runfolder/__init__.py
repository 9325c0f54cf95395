"""The run-folder contract, below the pipeline: what each file of a run folder holds (:mod:`.schema`),
writing a run folder and opening one that exists (:mod:`.folder`), random access to its predictions
(:mod:`.predictions_index`), loading whole runs for the analysis commands (:mod:`.load`) and the
human-readable views written with a run (:mod:`.summary`)."""
