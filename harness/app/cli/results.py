"""The ``table``, ``compare``, ``check`` and ``report`` subcommands: argparse wiring only (bad input raises
:class:`~harness.core.errors.InputError`, which ``harness.app.cli.main`` reports)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from harness.core.errors import InputError
from harness.results.compare import compare_runs, render_markdown
from harness.results.gate import check_run, read_baseline, render_result, write_baseline
from harness.results.significance import DEFAULT_AR_TRIALS, DEFAULT_BOOTSTRAP_SAMPLES, DEFAULT_SEED
from harness.results.table import (
    filter_runs,
    group_runs,
    render_csv,
    render_html,
    render_json,
    render_timings,
    sort_rows,
)
from harness.results.table import render_markdown as table_markdown
from harness.runfolder.load import load_run, load_runs


def _add_output_options(parser: argparse.ArgumentParser, help: str, **kwargs: Any) -> None:
    """``-o`` and the ``--force`` that lets it replace an existing file."""
    parser.add_argument("-o", "--output", help=help, **kwargs)
    parser.add_argument("--force", action="store_true", help="-o: replace an existing file (never one in a run folder)")


def _output_file(output: str, force: bool) -> Path:
    """Where ``-o`` may write: a file in an existing folder that is not inside a run folder (whose files
    are never overwritten), and not an existing file unless ``force``."""
    path = Path(output).resolve()  # through links: a link to a run's file is inside that run folder
    if path.is_dir():
        raise InputError(f"-o {output}: is a folder; expected a file name")
    if not path.parent.is_dir():
        raise InputError(f"-o {output}: the folder {path.parent} does not exist")
    run_folder = next((p for p in path.parents if (p / "run.json").is_file()), None)
    if run_folder is not None:
        raise InputError(f"-o {output}: is inside the run folder {run_folder}; write elsewhere")
    if path.exists() and not force:
        raise InputError(f"-o {output}: already exists; --force overwrites it")
    return path


def _emit(text: str, output: str | None, force: bool) -> None:
    if output:
        _output_file(output, force).write_text(text, encoding="utf-8")
        print(f"wrote {output}", file=sys.stderr)
    else:
        sys.stdout.write(text)


def _at_least(low: int) -> Callable[[str], int]:
    """An argparse type: an integer of at least ``low``."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError as error:
            raise argparse.ArgumentTypeError(f"{text!r}: expected an integer") from error
        if value < low:
            raise argparse.ArgumentTypeError(f"{text}: expected an integer of at least {low}")
        return value

    return parse


def _alpha(text: str) -> float:
    try:
        value = float(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"{text!r}: expected a number") from error
    if not 0 <= value < 1:
        raise argparse.ArgumentTypeError(f"{text}: expected a significance level in (0, 1), or 0 to disable")
    return value


def _http_url(text: str) -> str:
    """An argparse type: an http(s) address with a host (a link target in a page, never a script)."""
    parsed = urlsplit(text)
    if parsed.scheme not in ("http", "https") or not parsed.netloc or parsed.query or parsed.fragment:
        raise argparse.ArgumentTypeError(f"{text!r}: expected an http(s) address such as http://127.0.0.1:8765")
    return text


def _include_failed_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--include-failed",
        action="store_true",
        help="also take failed runs found under a results root (if they hold every file)",
    )


def add_table_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    parser = subparsers.add_parser("table", help="one row per run, a column per metric, comparable runs grouped")
    parser.add_argument("paths", nargs="*", default=["results"], help="run folders or results roots")
    parser.add_argument("--task", help="glob on the task name")
    parser.add_argument("--model", help="glob on the model name")
    parser.add_argument("--dataset", help="glob on the dataset name")
    parser.add_argument(
        "--metrics",
        help="comma-separated globs of metric columns (default: all but "
        "the per-fact indicators facts.<id>.supported/contradicted)",
    )
    parser.add_argument(
        "--sort", metavar="METRIC", help="best first by METRIC (lowest first where it declares so, e.g. TER)"
    )
    parser.add_argument("--reverse", action="store_true", help="reverse the --sort order")
    parser.add_argument(
        "--format",
        choices=["md", "csv", "json", "html", "latex", "markdown"],
        default="md",
        help="md: the leaderboard with CIs and signatures; latex (booktabs), markdown: tables for "
        "papers, value ± half the 95%% CI, best per column in bold, --baseline markers",
    )
    parser.add_argument(
        "--baseline",
        metavar="RUN",
        help="latex/markdown: mark runs that differ from this run folder in the paired bootstrap (p < --alpha)",
    )
    parser.add_argument(
        "--alpha", type=_alpha, default=0.05, help="significance level of the markers (default %(default)s)"
    )
    parser.add_argument("--digits", type=_at_least(0), default=3, help="latex/markdown: decimals (default %(default)s)")
    parser.add_argument(
        "--samples",
        type=_at_least(1),
        default=DEFAULT_BOOTSTRAP_SAMPLES,
        help="paired bootstrap resamples for --baseline (default %(default)s)",
    )
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="bootstrap seed (default %(default)s)")
    parser.add_argument(
        "--timings",
        action="store_true",
        help="where each run's time went: seconds per stage and per metric (md, csv or json)",
    )
    _add_output_options(parser, "write to this file instead of stdout")
    _include_failed_option(parser)
    parser.set_defaults(handler=run_table)
    return parser


def run_table(args: argparse.Namespace) -> int:
    if args.output:
        _output_file(args.output, args.force)  # before any work
    if args.baseline and args.format not in ("latex", "markdown"):
        raise InputError("table --baseline: needs --format latex or markdown")
    runs = load_runs(args.paths, args.include_failed)
    runs = filter_runs(runs, task=args.task, model=args.model, dataset=args.dataset)
    if not runs:
        raise InputError(f"no run under {', '.join(args.paths)} matches the filters")
    if args.timings:
        if args.format == "html":
            raise InputError("table --timings: --format must be md, csv or json")
        _emit(render_timings(runs, args.format), args.output, args.force)
        return 0
    groups = group_runs(runs, args.metrics.split(",") if args.metrics else None)
    if args.sort:
        sort_rows(groups, args.sort, reverse=args.reverse)
    if args.format in ("latex", "markdown"):
        from harness.results import paper_table

        tables = paper_table.paper_tables(
            groups,
            runs,
            Path(args.baseline) if args.baseline else None,
            alpha=args.alpha,
            digits=args.digits,
            samples=args.samples,
            seed=args.seed,
        )
        render = paper_table.render_latex if args.format == "latex" else paper_table.render_markdown
        _emit(render(tables), args.output, args.force)
    elif args.format == "html":
        from harness.results.report import html_page  # matplotlib: imported only when needed

        _emit(html_page("Leaderboard", render_html(groups)), args.output, args.force)
    else:
        renderers = {"md": table_markdown, "csv": render_csv, "json": render_json}
        _emit(renderers[args.format](groups), args.output, args.force)
    return 0


def add_compare_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    parser = subparsers.add_parser("compare", help="paired significance tests of runs against the first (the baseline)")
    parser.add_argument("runs", nargs="+", help="run folders; the first is the baseline")
    parser.add_argument(
        "--samples",
        type=_at_least(1),
        default=DEFAULT_BOOTSTRAP_SAMPLES,
        help="paired bootstrap resamples (default %(default)s)",
    )
    parser.add_argument(
        "--trials",
        type=_at_least(0),
        default=DEFAULT_AR_TRIALS,
        help="approximate randomisation trials; 0 skips the test (default %(default)s)",
    )
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="default %(default)s, as sacrebleu")
    parser.add_argument("--moved-by", metavar="METRIC", help="metric for the examples that moved most")
    parser.add_argument("--top", type=_at_least(0), default=5, help="examples that moved most, per run")
    parser.add_argument("--format", choices=["md", "json"], default="md")
    _add_output_options(parser, "write to this file instead of stdout")
    parser.set_defaults(handler=run_compare)
    return parser


def run_compare(args: argparse.Namespace) -> int:
    if args.output:
        _output_file(args.output, args.force)  # before any work
    try:
        runs = [load_run(path) for path in args.runs]
        comparison = compare_runs(
            runs,
            bootstrap_samples=args.samples,
            ar_trials=args.trials,
            seed=args.seed,
            moved_by=args.moved_by,
            top=args.top,
        )
    except ValueError as error:  # incomparable runs, or statistics that the tests cannot use
        raise InputError(f"cannot compare: {error}") from error
    _emit(render_markdown(comparison) if args.format == "md" else comparison.to_json(), args.output, args.force)
    return 0


def _tolerance(text: str) -> tuple[str, float]:
    name, _, value = text.rpartition("=")
    try:
        return name, float(value)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"{text!r}: expected VALUE or METRIC=VALUE") from error


def add_check_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    parser = subparsers.add_parser("check", help="regression gate: a run against a baseline file")
    parser.add_argument("run", help="the run folder to check")
    parser.add_argument("--baseline", required=True, help="baseline file (JSON)")
    parser.add_argument(
        "--write-baseline", action="store_true", help="record RUN as the baseline file instead of checking it"
    )
    parser.add_argument(
        "--tolerance",
        type=_tolerance,
        action="append",
        default=[],
        metavar="[METRIC=]VALUE",
        help="allowed drop, for all metrics or one (repeatable; default 0)",
    )
    parser.add_argument(
        "--alpha",
        type=_alpha,
        default=0.05,
        help="fail on a drop with paired-bootstrap p below this; 0 disables (default %(default)s)",
    )
    parser.add_argument("--any-change", action="store_true", help="also fail when a metric rises beyond its tolerance")
    parser.add_argument("--samples", type=_at_least(1), default=DEFAULT_BOOTSTRAP_SAMPLES)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.set_defaults(handler=run_check)
    return parser


def run_check(args: argparse.Namespace) -> int:
    run = load_run(args.run)
    if args.write_baseline:
        print(f"wrote baseline {write_baseline(run, args.baseline)}")
        return 0
    per_metric = {name: value for name, value in args.tolerance if name}
    defaults = [value for name, value in args.tolerance if not name]
    result = check_run(
        run,
        read_baseline(args.baseline),
        tolerances=per_metric,
        default_tolerance=defaults[-1] if defaults else 0.0,
        alpha=args.alpha,
        any_change=args.any_change,
        bootstrap_samples=args.samples,
        seed=args.seed,
    )
    sys.stdout.write(render_result(result))
    return 0 if result.passed else 1


def add_report_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    parser = subparsers.add_parser("report", help="one static HTML report of runs")
    parser.add_argument("paths", nargs="+", help="run folders or results roots")
    _add_output_options(parser, "the HTML file to write (default %(default)s)", default="report.html")
    parser.add_argument(
        "--max-examples", type=_at_least(0), default=50, help="examples shown with their outputs (default %(default)s)"
    )
    parser.add_argument(
        "--viewer-url",
        type=_http_url,
        metavar="URL",
        help="link each example to its page in `harness view` served at URL (e.g. http://127.0.0.1:8765)",
    )
    _include_failed_option(parser)
    parser.set_defaults(handler=run_report)
    return parser


def run_report(args: argparse.Namespace) -> int:
    from harness.results.report import build_report  # matplotlib: imported only when needed

    output = _output_file(args.output, args.force)
    runs = load_runs(args.paths, args.include_failed)
    output.write_text(build_report(runs, args.max_examples, args.viewer_url), encoding="utf-8")
    print(f"wrote {args.output}")
    return 0


def add_export_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    from harness.results.export import FORMATS

    parser = subparsers.add_parser(
        "export", help="examples, predictions and scores of runs as one table: a row per example and run"
    )
    parser.add_argument("paths", nargs="+", help="run folders or results roots")
    parser.add_argument("--format", choices=FORMATS, default="parquet")
    _add_output_options(parser, "the file to write", required=True)
    _include_failed_option(parser)
    parser.set_defaults(handler=run_export)
    return parser


def run_export(args: argparse.Namespace) -> int:
    from harness.results.export import export_frame, write_export

    output = _output_file(args.output, args.force)
    frame = export_frame(load_runs(args.paths, args.include_failed))
    write_export(frame, output, args.format, args.force)
    print(f"wrote {args.output}: {len(frame)} rows, {len(frame.columns)} columns", file=sys.stderr)
    return 0


def add_parsers(subparsers: argparse._SubParsersAction[Any]) -> None:
    """Register the commands that read run folders."""
    for add in (add_table_parser, add_compare_parser, add_check_parser, add_report_parser, add_export_parser):
        add(subparsers)
