"""Scoring chunks across processes for ``metrics.workers``: the parent and ``workers - 1`` pool processes
score whole chunks of the parallel metrics, and the chunks come back in input order, so the results equal
a one-process run.

Start: on Linux, while the parent has neither torch nor a second thread, workers are forks of it (no
imports at all); otherwise they fork from multiprocessing's fork server, which imports the metrics'
modules (and the main script) once, so a worker costs a fork rather than a fresh interpreter importing
nltk or torch again, and a parent that may hold torch threads is never forked. Where there is no fork
server (Windows) workers are spawned. The parent does not wait for them: it scores chunks while they
start, and afterwards whenever the next chunk in order is still with a worker; at the end it also scores
the last chunk still queued for a worker (a pure function, so either copy is the same result).

Threads: every scoring process, the parent included while the pool runs, gets an equal share of the
parent's torch/OpenMP threads, so model-bound metrics with ``workers > 1`` do not oversubscribe the cores.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from typing import Any

from harness.metrics.base import Metric, ScoringInput

Scorer = Callable[[Metric, Sequence[ScoringInput]], list[dict[str, Any]]]
Timed = tuple[list[dict[str, Any]], float]  # one metric's results for a chunk, and the seconds they took


def score_directly(metric: Metric, chunk: Sequence[ScoringInput]) -> list[dict[str, Any]]:
    return metric.score(chunk)


def timed(metric: Metric, chunk: Sequence[ScoringInput], score: Scorer = score_directly) -> Timed:
    start = time.perf_counter()
    return score(metric, chunk), time.perf_counter() - start


class _Job:
    """One chunk, scored by a worker (``pooled``), here (``here``), or both at the end of the input."""

    def __init__(self, chunk: list[ScoringInput], pooled: Future[list[Timed]] | None = None) -> None:
        self.chunk = chunk
        self.pooled = pooled
        self.here: Future[list[Timed]] | None = None

    def with_worker(self) -> bool:
        return self.here is None and self.pooled is not None and not self.pooled.done()

    def result(self) -> Future[list[Timed]]:
        """The copy that decides: the parent's when it scored the chunk too (it never waits for it)."""
        result = self.here or self.pooled
        assert result is not None
        return result

    def score_here(self, metrics: Sequence[Metric]) -> None:
        """Score the chunk in this process; a metric's exception is kept for the chunk's turn, as in one
        process, so every chunk before it is still written."""
        self.here = Future()
        try:
            self.here.set_result([timed(metric, self.chunk) for metric in metrics])
        except Exception as error:
            self.here.set_exception(error)


def score_in_pool(
    metrics: Sequence[Metric], chunks: Iterable[list[ScoringInput]], workers: int
) -> Iterator[tuple[list[ScoringInput], list[Timed]]]:
    """Each chunk with each metric's results and seconds, in input order, scored by the parent and
    ``workers - 1`` processes."""
    threads = _thread_share(workers)
    ahead = 2 * (workers - 1)  # chunks queued per pool: one being scored and one ready, per process
    most = 4 * workers  # chunks held at once (scored out of order, or queued): memory stays flat
    source = iter(chunks)
    context = _start_context(metrics)
    pool = ProcessPoolExecutor(workers - 1, context, initializer=_init_worker, initargs=(list(metrics), threads))
    starter = ThreadPoolExecutor(1)  # starting a worker blocks until the fork server has imported its modules
    # Done once a worker has started: chunks go to the pool from then on. A fork happens here, in this thread
    # while it is the only one; a start from the fork server waits for it in the starter's thread.
    forks = context.get_start_method() == "fork"
    ready = pool.submit(_ready) if forks else starter.submit(_start, pool)
    try:
        with _torch_threads(threads), _worker_deaths_named(workers):
            pending: deque[_Job] = deque()
            exhausted = False
            while True:
                if ready.done():
                    ready.result()  # a worker that cannot start says why here
                    while not exhausted and sum(job.with_worker() for job in pending) < ahead:
                        chunk = next(source, None)
                        if chunk is None:
                            exhausted = True
                        else:
                            pending.append(_Job(chunk, pool.submit(_score_in_worker, chunk)))
                if pending and pending[0].result().done():
                    job = pending.popleft()
                    yield job.chunk, job.result().result()  # a metric's exception in a worker is raised here
                    continue
                if not exhausted and len(pending) < most:
                    chunk = next(source, None)
                    if chunk is None:
                        exhausted = True
                    else:
                        pending.append(_Job(chunk))
                        pending[-1].score_here(metrics)
                    continue
                if not pending:
                    return
                queued = [job for job in pending if job.with_worker()]
                if exhausted and len(queued) >= workers:  # the newest has likely not started: score it here too
                    queued[-1].score_here(metrics)
                    continue
                wait([pending[0].result()])
    finally:  # in the starter's thread, after the start: a worker still starting does not hold up the parent
        starter.submit(pool.shutdown, wait=False, cancel_futures=True)
        starter.shutdown(wait=False)


@contextmanager
def _worker_deaths_named(workers: int) -> Iterator[None]:
    """A worker that died (killed, out of memory, its start failed) named as such, with the way round it."""
    try:
        yield
    except BrokenProcessPool as error:
        raise RuntimeError(
            f"metrics.workers={workers}: a scoring worker process died ({error}); its own error, if it had"
            " one, is printed above; metrics.workers=1 scores in this process"
        ) from error


def _start(pool: ProcessPoolExecutor) -> None:
    pool.submit(_ready).result()


def _start_context(metrics: Sequence[Metric]) -> multiprocessing.context.BaseContext:
    """A fork of this process on Linux while nothing here could break one (no torch, no other thread);
    else the fork server, preloading the main script and the metrics' modules; spawn where neither exists."""
    if sys.platform == "linux" and "torch" not in sys.modules and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    modules = {type(metric).__module__ for metric in metrics} - {"__main__"}
    context.set_forkserver_preload(["__main__", __name__, *sorted(modules)])  # once the server has started,
    return context  # later calls change nothing: a worker then imports what it unpickles itself


def _thread_share(workers: int) -> int:
    """Threads per scoring process: the parent's torch threads (or its cores) split between the processes."""
    torch = sys.modules.get("torch")
    budget = torch.get_num_threads() if torch is not None else _cores()
    return max(1, budget // workers)


def _cores() -> int:
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


@contextmanager
def _torch_threads(threads: int) -> Iterator[None]:
    """The parent's torch threads limited to its share while the pool runs (if torch is loaded)."""
    torch = sys.modules.get("torch")
    if torch is None:
        yield
        return
    before = torch.get_num_threads()
    torch.set_num_threads(min(before, threads))
    try:
        yield
    finally:
        torch.set_num_threads(before)


_WORKER_METRICS: list[Metric] = []


def _init_worker(metrics: list[Metric], threads: int) -> None:
    for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS"):  # for a torch imported later in this worker
        os.environ[name] = str(threads)
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.set_num_threads(threads)
    _WORKER_METRICS[:] = metrics


def _ready() -> None:
    """Nothing: its return says a worker has started."""


def _score_in_worker(chunk: list[ScoringInput]) -> list[Timed]:
    return [timed(metric, chunk) for metric in _WORKER_METRICS]
