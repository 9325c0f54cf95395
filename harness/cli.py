"""``python -m harness <command>``: ``run`` is the Hydra app; the other commands read run folders."""

from __future__ import annotations

import argparse
import sys

from harness.results.commands import add_parsers


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="harness",
        description="Evaluate summarisers and translators; compare runs.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    commands.add_parser(
        "run",
        help="run one evaluation (Hydra overrides: model=tiny_t5 dataset=seed ...; -m for sweeps)",
        add_help=False,
    )
    add_parsers(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "run":
        from harness.hydra_app import main as hydra_main

        hydra_main(argv[1:])
        return 0
    args = build_parser().parse_args(argv)
    return int(args.handler(args))


if __name__ == "__main__":
    sys.exit(main())
