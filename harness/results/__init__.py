"""Run folders (the results contract), tables, comparisons, the regression gate and reports."""
