"""Benchmark the batch runner: speed-up of 2 local workers over 1, and Dask's overhead per task.

Prints measured figures only. Usage:

    python benchmarks/bench_batch.py [--replications 8] [--scale 1.0] [--dask-tasks 16]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sim.experiment.runner import run_tasks  # noqa: E402
from sim.scenario import load_scenario  # noqa: E402
from sim.scenario.scale import scale_overrides  # noqa: E402


def scenario(scale: float):
    path = ROOT / "scenarios" / "baseline.toml"
    base = load_scenario(path)
    return base if scale == 1 else load_scenario(path, scale_overrides(base, scale))


def timed(tasks, **backend) -> float:
    t = time.perf_counter()
    results = list(run_tasks(tasks, 2026, **backend))
    assert len(results) == len(tasks)
    return time.perf_counter() - t


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--replications", type=int, default=8)
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--dask-tasks", type=int, default=16)
    ap.add_argument("--dask-scale", type=float, default=0.05)
    args = ap.parse_args()
    sc = scenario(args.scale)
    tasks = [(sc, r) for r in range(args.replications)]
    print(f"{args.replications} replications of the baseline at scale {args.scale:g}")
    one = timed(tasks, workers=1)
    two = timed(tasks, workers=2)
    print(f"1 worker : {one:7.1f} s ({one / len(tasks):.1f} s a replication)")
    print(f"2 workers: {two:7.1f} s  speed-up {one / two:.2f}x")

    small = scenario(args.dask_scale)
    tasks = [(small, r) for r in range(args.dask_tasks)]
    pool = timed(tasks, workers=2)
    t = time.perf_counter()
    dask = timed(tasks, dask_workers=2)
    total = time.perf_counter() - t
    print(f"{args.dask_tasks} small tasks (scale {args.dask_scale:g}): local pool {pool:.1f} s, "
          f"Dask LocalCluster (2 workers, start-up included) {total:.1f} s")
    print(f"Dask overhead per task: {(dask - pool) / len(tasks) * 1000:.0f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
