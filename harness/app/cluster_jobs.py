"""Runs that fail inside a sweep job (``-m``, with any launcher), reported to the user who launched the
sweep once every job has ended.

A job that raises or exits stops Hydra's local launcher, so the later jobs would never run; in a
cluster job (Hydra's submitit launchers: ``slurm``, ``submitit_slurm``, ``submitit_local``) its own
output is a log file that nobody reads, and a job that exits (``sys.exit`` for bad input) leaves
submitit no result to collect, so the launcher would wait for it forever on a cluster without job
accounting. Instead the job prints the error (to its log, in a cluster), writes it beside its Hydra job
folder and returns; after the sweep the launching process prints the table of the runs that finished,
one line per failed job and exits non-zero (2 when every failure is bad input, as for a single run).
"""

from __future__ import annotations

import json
import os
import sys
import traceback
from pathlib import Path
from typing import Any

from harness.core.errors import InputError, report_input_error
from harness.core.redaction import redact

JOB_FAILURE = "harness_failure.json"  # in the Hydra job folder of a failed job, instead of the run pointer


def in_cluster_job() -> bool:
    """True inside a job started by a submitit launcher (submitit sets ``SUBMITIT_EXECUTOR``)."""
    return bool(os.environ.get("SUBMITIT_EXECUTOR"))


def record_failure(error: Exception, job_dir: Path, job_num: int, overrides: list[str]) -> None:
    """Print ``error`` (one line for bad input, else the traceback) and write it, with the job's id (the
    cluster's, else the sweep's job number) and log path (in a cluster), to ``job_dir``."""
    if isinstance(error, InputError):
        report_input_error(error)
    else:
        traceback.print_exc()
    job_id, log = str(job_num), None
    if in_cluster_job():
        import submitit

        environment = submitit.JobEnvironment()
        job_id, log = environment.job_id, str(environment.paths.stderr)
    record = {
        "error": f"{error}" or type(error).__name__,
        "input_error": isinstance(error, InputError),
        "job_id": job_id,
        "log": log,
        "overrides": overrides,
    }
    (job_dir / JOB_FAILURE).write_text(redact(json.dumps(record)), encoding="utf-8")


def read_failures(sweep_dir: Path) -> list[dict[str, Any]]:
    """The failure records of a sweep's jobs, in job order."""
    paths = sorted(sweep_dir.glob(f"*/{JOB_FAILURE}"), key=lambda p: int(p.parent.name))
    return [json.loads(p.read_text(encoding="utf-8")) for p in paths]


def report_failures(records: list[dict[str, Any]], swept: set[str]) -> None:
    """One line per failed job on stderr (naming the overrides in ``swept`` that it ran with), then
    exit 1, or 2 when every failure was bad input."""
    for record in records:
        overrides = " ".join(o for o in record["overrides"] if o in swept)
        log = f" (log: {record['log']})" if record["log"] else ""
        print(
            f"harness: error: job {record['job_id']}{f' ({overrides})' if overrides else ''} failed: "
            f"{record['error']}{log}",
            file=sys.stderr,
        )
    sys.exit(2 if all(record["input_error"] for record in records) else 1)
