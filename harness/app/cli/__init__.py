"""The command line: argparse wiring of each subcommand."""
