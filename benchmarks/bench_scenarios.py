"""Benchmark a modeller's batch: every one-year scenario in scenarios/, 30 replications each, at
full scale, on the local process pool (as ``run_sim.py run``/``batch`` run them).

Prints measured figures only: wall time, progress, and replications a minute. The scenarios
are the baseline and every what-if
whose file is one year or so (``recovery_plan_2029`` runs four years and is left out, so the
batch is the ten scenarios of issue 14). Usage:

    python benchmarks/bench_scenarios.py [--replications 30] [--workers 2] [--budget-min 30]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sim.experiment.runner import run_tasks  # noqa: E402
from sim.scenario import load_scenario  # noqa: E402

MULTI_YEAR = {"recovery_plan_2029"}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--replications", type=int, default=30)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--budget-min", type=float, default=30.0)
    ap.add_argument("--seed", type=int, default=2026)
    args = ap.parse_args()
    files = sorted(p for p in (ROOT / "scenarios").glob("*.toml") if p.stem not in MULTI_YEAR)
    scenarios = [load_scenario(p) for p in files]
    days = {sc.name: sc.run.warmup_days + sc.run.measurement_days for sc in scenarios}
    tasks = [(sc, r) for r in range(args.replications) for sc in scenarios]
    print(f"{len(scenarios)} scenarios x {args.replications} replications = {len(tasks)} runs "
          f"at full scale on {args.workers} workers, started {time.strftime('%H:%M:%S')}")
    print("scenarios: " + ", ".join(f"{sc.name} ({days[sc.name]} days)" for sc in scenarios))
    done: dict[str, int] = defaultdict(int)
    t0 = time.perf_counter()
    for k, result in enumerate(run_tasks(tasks, args.seed, workers=args.workers), start=1):
        done[result.scenario] += 1
        if k % 25 == 0 or k == len(tasks):
            minutes = (time.perf_counter() - t0) / 60
            print(f"  {k:>4}/{len(tasks)} runs in {minutes:5.1f} min "
                  f"(~{minutes / k * len(tasks):.1f} min for all)", flush=True)
    wall = time.perf_counter() - t0
    assert sum(done.values()) == len(tasks), "runs missing"
    print(f"batch wall {wall / 60:.1f} min ({wall:.0f} s): {len(tasks) / (wall / 60):.1f} "
          f"replications a minute, {wall * args.workers / len(tasks):.1f} worker-s a run")
    verdict = "met" if wall / 60 <= args.budget_min else "NOT met"
    print(f"issue 14 budget ({len(scenarios)} scenarios x {args.replications} replications, "
          f"full scale, {args.budget_min:g} min on {args.workers} cores): {verdict}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
