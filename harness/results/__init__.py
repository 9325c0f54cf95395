"""The analysis commands on top of run folders (read through :mod:`harness.runfolder`): tables,
comparisons and significance tests, the regression gate and HTML reports."""
