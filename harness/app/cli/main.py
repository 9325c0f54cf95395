"""``python -m harness <command>``: ``run`` is the Hydra app; the other commands read run folders."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import NoReturn

from harness.app.cli.log import add_log_parser
from harness.app.cli.results import add_parsers
from harness.app.cli.view import add_view_parser
from harness.core.errors import InputError, report_input_error


class _Parser(argparse.ArgumentParser):
    """Usage errors become the one ``harness: error:`` line of any other bad input (exit 2)."""

    def error(self, message: str) -> NoReturn:
        raise InputError(f"{self.prog}: {message} (see {self.prog} --help)")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="harness",
        description="Evaluate summarisers and translators; compare runs.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    commands.add_parser(
        "run",
        help="run one evaluation (Hydra overrides: model=tiny_t5 dataset=seed ...; -m for sweeps)",
        add_help=False,
    )
    merge = commands.add_parser(
        "merge", help="join the run folders of a sharded run (dataset.num_shards) into one run, scored again"
    )
    merge.add_argument("shards", nargs="+", type=Path, help="the shard run folders, in any order")
    merge.add_argument("--output-root", type=Path, default=None, help="where to create the run (default: the shards')")
    merge.set_defaults(handler=_merge)
    meta = commands.add_parser(
        "meta-eval",
        help="score human-labelled summaries (FRANK, cliff-goyal21) with a metric and baselines; print how well "
        "each tracks the human judgements on held-out rows",
    )
    meta.add_argument("overrides", nargs="*", help="Hydra overrides for the metric (as for run: +nli_model=...)")
    meta.add_argument("--metric", default="faithfulness", help="a metric name (metrics.names)")
    meta.add_argument("--key", default=None, help="the per-example score to evaluate (default: the metric name)")
    meta.add_argument(
        "--data",
        type=Path,
        default=Path("../shared/data/frank-valid.jsonl"),
        help="FRANK-format (human_factuality) or labelled (label, split) JSONL",
    )
    meta.add_argument(
        "--split",
        default=None,
        help="the rows reported: dev or holdout (FRANK), val or test (labelled); thresholds always come from "
        "dev / val (default: dev / val, in sample)",
    )
    meta.add_argument("--limit", type=int, default=None, help="the first N summaries only")
    meta.add_argument("--batch-size", type=int, default=32, help="summaries per metric call")
    meta.set_defaults(handler=_meta_eval)
    add_parsers(commands)
    add_log_parser(commands)
    add_view_parser(commands)
    return parser


def _merge(args: argparse.Namespace) -> int:
    from harness.pipeline.merge import merge_runs
    from harness.results.load_metrics import print_run_table

    print_run_table([merge_runs(args.shards, args.output_root)])
    return 0


def _meta_eval(args: argparse.Namespace) -> int:
    from harness.app.meta_eval.command import run_meta_eval

    print(run_meta_eval(args.data, args.split, args.metric, args.key, args.overrides, args.limit, args.batch_size))
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "run":
        from harness.app.hydra_app import main as hydra_main

        hydra_main(argv[1:])
        return 0
    try:
        args = build_parser().parse_args(argv)
        return int(args.handler(args))
    except (InputError, OSError) as error:
        return report_input_error(error)


if __name__ == "__main__":
    sys.exit(main())
