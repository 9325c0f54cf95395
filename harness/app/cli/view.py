"""The ``view`` subcommand: argparse wiring of :mod:`harness.app.view` (bad input raises
:class:`~harness.core.errors.InputError`, which the command line reports)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from harness.core.errors import InputError
from harness.runfolder.load import load_runs


def add_view_parser(commands: argparse._SubParsersAction[Any]) -> argparse.ArgumentParser:
    parser = commands.add_parser(
        "view", help="browse every example of runs in a local web app: filter, sort, compare two runs (read-only)"
    )
    parser.add_argument("paths", nargs="+", help="run folders or results roots")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default %(default)s: this machine)")
    parser.add_argument("--port", type=int, default=8765, help="port (default %(default)s; 0: any free port)")
    parser.add_argument(
        "--allow-remote",
        action="store_true",
        help="allow a --host other machines can reach: anyone who reaches the port reads the runs",
    )
    parser.add_argument(
        "--include-failed",
        action="store_true",
        help="also take failed runs found under a results root (if they hold every file)",
    )
    parser.set_defaults(handler=run_view)
    return parser


def run_view(args: argparse.Namespace) -> int:
    try:
        from harness.app.view.server import is_loopback, serve
    except ModuleNotFoundError as error:
        raise InputError(f"view needs {error.name}: pip install 'harness[view]'") from None
    if not 0 <= args.port <= 65535:
        raise InputError(f"--port {args.port}: expected a port from 0 to 65535")
    if not is_loopback(args.host):
        if not args.allow_remote:
            raise InputError(
                f"--host {args.host}: not a loopback address; other machines could read the runs. "
                "Add --allow-remote to serve them anyway"
            )
        print(
            f"harness view: warning: serving on {args.host}, reachable from other machines, without "
            "authentication or encryption: anyone who reaches the port reads these runs",
            file=sys.stderr,
        )
    serve(load_runs(args.paths, args.include_failed), args.host, args.port)
    return 0
