"""Benchmark run time against horizon: one replication of 1 year and of N years, same sitting.

Prints measured figures only: wall seconds of each, in fresh processes pinned to one core,
and the ratio, which the multi-year issue wants at most 4.5 for 4 years. Usage:

    python benchmarks/bench_years.py [SCENARIO] [--years 4] [--scale 1.0]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_replication import child

ROOT = Path(__file__).resolve().parents[1]

CHILD = r"""
import json, sys, time
sys.path.insert(0, {root!r})
from sim.scenario import load_scenario
from sim.scenario.scale import scale_overrides
from sim.experiment.task import run_replication
base = load_scenario({scenario!r})
sets = [*scale_overrides(base, {scale}), "run.measurement_days={days}"] if {scale} != 1.0 \
    else ["run.measurement_days={days}"]
sc = load_scenario({scenario!r}, sets)
t = time.perf_counter()
run_replication(sc, 12345, 0)
print(json.dumps({{"wall_s": time.perf_counter() - t}}))
"""


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("scenario", nargs="?", default=str(ROOT / "scenarios" / "baseline.toml"))
    ap.add_argument("--years", type=int, default=4)
    ap.add_argument("--scale", type=float, default=1.0)
    args = ap.parse_args()
    print(f"scenario: {args.scenario}  scale {args.scale:g}  started "
          f"{time.strftime('%Y-%m-%d %H:%M:%S')}")
    walls = {}
    for years in (1, args.years):
        days = 365 * years + years // 4  # whole years, a leap day every four
        code = CHILD.format(root=str(ROOT), scenario=args.scenario, scale=args.scale, days=days)
        walls[years] = child(code)["wall_s"]
        print(f"{years} year(s), measurement_days={days}: wall {walls[years]:.1f} s", flush=True)
    print(f"ratio {args.years} years / 1 year: {walls[args.years] / walls[1]:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
