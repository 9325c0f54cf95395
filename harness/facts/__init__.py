"""Key facts: specs, normalisation of dates and quantities, verdicts per output, automatic checks."""

from harness.facts.checker import FactVerdict, check_facts
from harness.facts.spec import Fact, FactSpecError, load_fact_spec, parse_facts, read_fact_sidefile
from harness.facts.table import fact_table

__all__ = [
    "Fact",
    "FactSpecError",
    "FactVerdict",
    "check_facts",
    "fact_table",
    "load_fact_spec",
    "parse_facts",
    "read_fact_sidefile",
]
