"""Where replications run: in this process, in local worker processes, or on a Dask cluster.

Every executor yields results in job order, so outputs do not depend on where or in which order
jobs ran: with the per-replication streams of :mod:`simulator.streams`, ``--jobs 1``,
``--jobs 2`` and a Dask cluster give byte-identical summaries.

Local workers are ``multiprocessing`` spawn processes that ignore SIGINT, so Ctrl-C reaches the
parent alone, which stops the pool and writes partial outputs. Dask (``dask[distributed]``, the
``sweep`` extra) is imported only when ``--scheduler`` is given.
"""

from __future__ import annotations

import multiprocessing
import signal
from collections.abc import Callable, Iterator, Sequence
from typing import Any

Job = tuple[Any, ...]
Task = Callable[[Job], Any]

DASK_MISSING = (
    "--scheduler needs Dask: install the sweep extra, e.g. "
    "pip install 'ascc[sweep]' (or pip install 'dask[distributed]')"
)


class ExecutorError(Exception):
    """The executor cannot run (Dask missing, scheduler unreachable)."""


def run_jobs(
    task: Task, jobs: Sequence[Job], workers: int = 1, scheduler: str | None = None
) -> Iterator[Any]:
    """``task(job)`` for every job, yielded in job order."""
    if scheduler:
        return _dask(task, jobs, scheduler)
    if workers <= 1 or len(jobs) <= 1:
        return (task(job) for job in jobs)
    return _pool(task, jobs, workers)


def _ignore_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _pool(task: Task, jobs: Sequence[Job], workers: int) -> Iterator[Any]:
    context = multiprocessing.get_context("spawn")
    pool = context.Pool(min(workers, len(jobs)), initializer=_ignore_sigint)
    try:
        yield from pool.imap(task, jobs)
        pool.close()
    finally:
        pool.terminate()
        pool.join()


def _dask(task: Task, jobs: Sequence[Job], address: str) -> Iterator[Any]:
    try:
        from distributed import Client
    except ImportError:
        raise ExecutorError(DASK_MISSING) from None
    try:
        client = Client(address, set_as_default=False, timeout="10s")  # type: ignore[no-untyped-call]
    except (OSError, TimeoutError) as exc:
        raise ExecutorError(f"cannot reach the Dask scheduler at {address}: {exc}") from None
    try:
        futures = client.map(task, list(jobs), pure=False)
        for future in futures:
            yield future.result()
    finally:
        client.close()  # type: ignore[no-untyped-call]
