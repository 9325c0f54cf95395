"""``python -m harness <command>``: every subcommand's wiring, one module per group (``main`` builds the parser)."""
