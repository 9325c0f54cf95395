"""``python -m harness log RUN... --to mlflow|wandb``: log run folders that exist to a tracker."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from harness.app.tracking.record import tracked_run
from harness.app.tracking.trackers import EXTRAS, TrackingFailed, log_runs, require
from harness.core.errors import report_input_error
from harness.runfolder.load import load_runs


def add_log_parser(subparsers: argparse._SubParsersAction[Any]) -> argparse.ArgumentParser:
    parser = subparsers.add_parser("log", help="log finished run folders to MLflow or Weights & Biases")
    parser.add_argument("paths", nargs="+", help="run folders or results roots (incomplete runs are skipped)")
    parser.add_argument("--to", required=True, choices=sorted(EXTRAS), help="the tracker")
    parser.add_argument("--parent", metavar="NAME", help="log the runs as children of a new run NAME")
    parser.add_argument(
        "--again", action="store_true", help="log run folders the tracker already has as new tracker runs"
    )
    parser.add_argument("--tracking-uri", help="mlflow: where to log (default: MLFLOW_TRACKING_URI, else ./mlflow.db)")
    parser.add_argument("--experiment", default="harness", help="mlflow: the experiment (default %(default)s)")
    parser.add_argument("--project", default="harness", help="wandb: the project (default %(default)s)")
    parser.add_argument("--entity", help="wandb: the entity (team or user)")
    parser.add_argument("--mode", choices=["online", "offline"], help="wandb: default WANDB_MODE, else online")
    parser.add_argument(
        "--dir", help="wandb: runs go under DIR/wandb/ (default: WANDB_DIR, else the working directory)"
    )
    parser.set_defaults(handler=run_log)
    return parser


def run_log(args: argparse.Namespace) -> int:
    if args.to == "mlflow":
        options = {"tracking_uri": args.tracking_uri, "experiment": args.experiment}
    else:
        options = {"project": args.project, "entity": args.entity, "mode": args.mode, "dir": args.dir}
    require(args.to)  # a missing extra fails before any run is read
    runs = [tracked_run(run) for run in load_runs(args.paths)]
    try:
        logged = log_runs(args.to, options, runs, parent=args.parent, again=args.again)
    except TrackingFailed as error:
        return report_input_error(error)
    for run, tracked in zip(runs, logged, strict=True):
        before = " (logged before: not logged again; --again logs it anew)" if tracked.before else ""
        print(f"{run.run_dir} -> {args.to} run {tracked.id}{before}", file=sys.stderr)
    return 0
