"""Replications and batches: serial, a local process pool, or a Dask cluster.

A task is (scenario, replication); its result depends only on the scenario, the seed and the
replication index, so every backend and worker count gives the same numbers. Results are
yielded as tasks finish (any order) and nothing here writes files; the caller stores each one
and sorts. At most a few tasks per worker are in flight, so memory in this process stays flat
however many tasks a batch has.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from typing import Any

from sim.experiment.task import run_replication
from sim.outputs.result import ReplicationResult
from sim.scenario import Scenario

Progress = Callable[[ReplicationResult], None]
Task = tuple[Scenario, int]  # (scenario, replication)
IN_FLIGHT_PER_WORKER = 2


class BackendError(RuntimeError):
    """The requested backend cannot be used here (e.g. Dask is not installed)."""


def default_workers() -> int:
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def run_task(scenario: Scenario, seed: int, replication: int) -> ReplicationResult:
    return run_replication(scenario, seed, replication)


def run_tasks(tasks: Sequence[Task], seed: int, workers: int = 1, scheduler: str | None = None,
              dask_workers: int | None = None) -> Iterator[ReplicationResult]:
    """Run every task and yield results as they finish.

    ``scheduler`` (a ``tcp://host:port`` address) runs on an existing Dask cluster;
    ``dask_workers`` starts a local Dask cluster of that many worker processes; otherwise a
    local process pool of ``workers`` (1 = in this process).
    """
    if scheduler is not None or dask_workers is not None:
        yield from _dask(tasks, seed, scheduler, dask_workers)
    elif workers <= 1 or len(tasks) <= 1:
        for scenario, rep in tasks:
            yield run_task(scenario, seed, rep)
    else:
        yield from _pool(tasks, seed, workers)


PR_SET_PDEATHSIG = 1  # linux/prctl.h


def die_with_parent(parent_pid: int) -> None:
    """Ask the kernel to kill this process when its parent dies (Linux ``PR_SET_PDEATHSIG``),
    so that a parent killed by ``kill -9`` leaves no workers computing for nobody. Elsewhere
    (or without libc) it does nothing. The parent is the process that forked us (the run, or
    a forkserver that exits with it). If ``parent_pid`` (the run) is already gone, exit now:
    the signal would never come."""
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):  # pragma: no cover - an unusual libc
        return
    try:
        os.kill(parent_pid, 0)
    except ProcessLookupError:
        os._exit(1)
    except PermissionError:  # pragma: no cover - a pid reused by another user's process
        pass


def _worker_init(parent_pid: int) -> None:
    """Workers leave Ctrl-C to the parent, which stops them and says how to resume, and die
    with it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    die_with_parent(parent_pid)


def _pool(tasks: Sequence[Task], seed: int, workers: int) -> Iterator[ReplicationResult]:
    for _index, result in run_calls(run_task, [(sc, seed, rep) for sc, rep in tasks], workers):
        yield result


def run_calls(func: Callable[..., Any], calls: Sequence[tuple], workers: int
              ) -> Iterator[tuple[int, Any]]:
    """``func(*args)`` for each args tuple on a local process pool, yielding (index, result)
    as they finish; a few in flight per worker; Ctrl-C stops the workers at once."""
    workers = max(1, min(workers, len(calls)))
    with ProcessPoolExecutor(max_workers=workers, initializer=_worker_init,
                             initargs=(os.getpid(),)) as pool:
        yield from _stream(pool, func, calls, workers)


def _stream(pool: ProcessPoolExecutor, func: Callable[..., Any], calls: Sequence[tuple],
            workers: int) -> Iterator[tuple[int, Any]]:
    """Feed ``calls`` to an open pool, a few in flight per worker, yielding as they finish;
    on any error or Ctrl-C the work under way is stopped and the pool shut down."""
    pending = iter(enumerate(calls))
    running: dict[Any, int] = {}
    try:
        for index, args in pending:
            running[pool.submit(func, *args)] = index
            if len(running) >= workers * IN_FLIGHT_PER_WORKER:
                break
        while running:
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            for fut in done:
                index = running.pop(fut)
                yield index, fut.result()
                nxt = next(pending, None)
                if nxt is not None:
                    running[pool.submit(func, *nxt[1])] = nxt[0]
    except BaseException:
        for fut in running:
            fut.cancel()
        # stop replications under way now rather than after they finish (no public API)
        for proc in list(getattr(pool, "_processes", {}).values()):
            proc.terminate()
        pool.shutdown(wait=False, cancel_futures=True)
        raise


def _dask(tasks: Sequence[Task], seed: int, scheduler: str | None,
          dask_workers: int | None) -> Iterator[ReplicationResult]:
    client, cluster = dask_client(scheduler, dask_workers)
    try:
        yield from _dask_stream(client, tasks, seed)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def dask_client(scheduler: str | None, dask_workers: int | None) -> tuple[Any, Any]:
    """(client, local cluster or None): the named scheduler, or a local cluster started here."""
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:  # pragma: no cover - depends on the installation
        raise BackendError("Dask is not installed: pip install 'ics-sim[distributed]' "
                           "(or: pip install 'dask[distributed]')") from None
    if scheduler is None:
        cluster = LocalCluster(n_workers=dask_workers or default_workers(), threads_per_worker=1,
                               processes=True, dashboard_address=None)
        return Client(cluster), cluster
    try:
        return Client(scheduler, timeout="10s"), None
    except OSError as exc:
        raise BackendError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from None


def _dask_stream(client: Any, tasks: Sequence[Task], seed: int) -> Iterator[ReplicationResult]:
    from dask.distributed import as_completed

    nworkers = max(1, len(client.scheduler_info().get("workers", {})))
    pending = iter(tasks)
    futures = as_completed()
    for scenario, rep in pending:
        futures.add(client.submit(run_task, scenario, seed, rep, pure=False))
        if futures.count() >= nworkers * IN_FLIGHT_PER_WORKER:
            break
    for fut in futures:
        result = fut.result()
        fut.release()
        yield result
        nxt = next(pending, None)
        if nxt is not None:
            futures.add(client.submit(run_task, nxt[0], seed, nxt[1], pure=False))


class Session:
    """One backend kept open across many calls: a seek runs tens of small rounds, and
    starting a process pool or a Dask cluster for each would cost more than some rounds.
    Results are the same as :func:`run_tasks` gives (they depend on the task only)."""

    def __init__(self, workers: int = 1, scheduler: str | None = None,
                 dask_workers: int | None = None):
        self.workers, self.scheduler, self.dask_workers = workers, scheduler, dask_workers
        self._pool: ProcessPoolExecutor | None = None
        self._client: Any = None
        self._cluster: Any = None

    def run(self, tasks: Sequence[Task], seed: int) -> Iterator[ReplicationResult]:
        """Every task's result, as they finish."""
        if self.scheduler is not None or self.dask_workers is not None:
            if self._client is None:
                self._client, self._cluster = dask_client(self.scheduler, self.dask_workers)
            yield from _dask_stream(self._client, tasks, seed)
        elif self.workers <= 1 or len(tasks) <= 1:
            for scenario, rep in tasks:
                yield run_task(scenario, seed, rep)
        else:
            if self._pool is None:
                self._pool = ProcessPoolExecutor(max_workers=self.workers,
                                                 initializer=_worker_init,
                                                 initargs=(os.getpid(),))
            calls = [(sc, seed, rep) for sc, rep in tasks]
            for _i, result in _stream(self._pool, run_task, calls, self.workers):
                yield result

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
        if self._client is not None:
            self._client.close()
        if self._cluster is not None:
            self._cluster.close()
        self._pool = self._client = self._cluster = None

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def run_replications(scenario: Scenario, seed: int, n: int, workers: int = 1,
                     progress: Progress | None = None, scheduler: str | None = None,
                     dask_workers: int | None = None) -> list[ReplicationResult]:
    """All replications of one scenario, sorted by replication."""
    out = []
    for result in run_tasks([(scenario, r) for r in range(n)], seed, workers, scheduler,
                            dask_workers):
        out.append(result)
        if progress is not None:
            progress(result)
    return sorted(out, key=lambda r: r.replication)
