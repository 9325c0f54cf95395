"""CSV cells that a spreadsheet will not run: OWASP's advice against CSV (formula) injection.

A spreadsheet treats a cell that starts with ``=``, ``+``, ``-`` or ``@`` as a formula, which can
exfiltrate data or run commands; OWASP adds a leading tab or carriage return, which some skip. Text from
run folders (model and dataset names, ids, outputs, metric names) is untrusted, so every CSV the harness
writes puts a single quote before such text; numbers, negative ones included, are written as numbers.
"""

from __future__ import annotations

from typing import Any

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_cell(value: Any) -> Any:
    """``value`` with a leading ``'`` if it is text that starts like a formula; anything else unchanged."""
    return "'" + value if isinstance(value, str) and value.startswith(_FORMULA_START) else value
