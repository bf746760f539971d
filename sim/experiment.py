"""Replications of a scenario, serially or on a local process pool.

Each replication depends only on (scenario, seed, replication index), so results are the same
whatever the worker count; they are returned sorted by replication. Nothing here writes files.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed

from .model import ReplicationResult, run_replication
from .scenario import Scenario

Progress = Callable[[ReplicationResult], None]


def default_workers() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
               else (os.cpu_count() or 1))


def iter_replications(scenario: Scenario, seed: int, replications: list[int],
                      workers: int) -> Iterator[ReplicationResult]:
    """Yield results as they finish (any order); callers sort by replication."""
    if workers <= 1 or len(replications) <= 1:
        for r in replications:
            yield run_replication(scenario, seed, r)
        return
    with ProcessPoolExecutor(max_workers=min(workers, len(replications))) as pool:
        futures = [pool.submit(run_replication, scenario, seed, r) for r in replications]
        try:
            for fut in as_completed(futures):
                yield fut.result()
        except BaseException:
            for fut in futures:
                fut.cancel()
            raise


def run_replications(scenario: Scenario, seed: int, n: int, workers: int = 1,
                     progress: Progress | None = None) -> list[ReplicationResult]:
    out = []
    for result in iter_replications(scenario, seed, list(range(n)), workers):
        out.append(result)
        if progress is not None:
            progress(result)
    return sorted(out, key=lambda r: r.replication)
