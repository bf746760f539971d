"""Benchmark a single-lever seek on the full baseline (issue 12's done-when: 40 replications
in at most 20 minutes on 2 cores). Prints measured figures only. Usage:

    python benchmarks/bench_seek.py [--replications 40] [--workers 2]
                                    [--lever acute.beds] [--target bed_occupancy]
                                    [--step N] [--scale F] [--store FILE]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sim.experiment.seek import Evaluator, check_request, seek  # noqa: E402
from sim.scenario import load_scenario  # noqa: E402
from sim.scenario.scale import scale_overrides  # noqa: E402

BASELINE = ROOT / "scenarios" / "baseline.toml"


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--replications", type=int, default=40)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--lever", default="acute.beds")
    ap.add_argument("--target", action="append", default=None)
    ap.add_argument("--confidence", type=float, default=0.8)
    ap.add_argument("--seed", type=int, default=12345)
    ap.add_argument("--scale", type=float, default=1.0,
                    help="population and capacities x F (a quicker count of runs; the lever is "
                    "then sought on the scaled scenario)")
    ap.add_argument("--step", type=int, default=None,
                    help="the answer's grain (default: seek's, ~0.25%% of the lever's value)")
    ap.add_argument("--store", default=None,
                    help="append every run to this jsonl file (to see afterwards where the runs "
                    "went; an existing file resumes)")
    args = ap.parse_args()
    targets_ids = args.target or ["bed_occupancy"]
    sets = [] if args.scale == 1 else scale_overrides(load_scenario(BASELINE), args.scale)
    base = load_scenario(BASELINE, sets)
    targets = check_request(base, args.lever, targets_ids)

    def make(c: int):
        return load_scenario(BASELINE, [*sets, f"{args.lever}={c}"])

    ev = Evaluator(make, targets, args.seed, workers=args.workers,
                   store=Path(args.store) if args.store else None)
    if args.store:
        print(f"{ev.load()} runs already in {args.store}")
    t = time.perf_counter()
    try:
        result = seek(make, base, args.lever, targets, args.replications, args.seed,
                      args.confidence, evaluator=ev, resolution=args.step)
    finally:
        ev.session.close()
    wall = time.perf_counter() - t
    runs = len(result.evaluations)
    print(f"seek {args.lever} for {', '.join(targets_ids)}: {args.replications} replications, "
          f"{args.workers} workers, scale {args.scale:g}, grain {result.resolution}")
    print(f"answer {result.answer} (95% interval {result.interval[0]}..{result.interval[1]}), "
          f"monotone violations {result.monotone_violations}")
    print(f"{runs} runs ({runs / args.replications:.1f} a replication) in {wall:.0f} s "
          f"({wall / 60:.1f} min; {wall / runs:.1f} s a run, {wall * args.workers / runs:.1f} "
          "worker-s a run)")
    if args.scale == 1 and args.replications == 40:
        print(f"issue 12 budget (40 replications, full baseline, 20 min on 2 cores): "
              f"{'met' if wall <= 20 * 60 else 'NOT met'} ({wall / 60:.1f} min)")
    load = os.getloadavg()[0]
    if load > args.workers + 0.5:
        print(f"warning: load average {load:.1f} at the end: other work shared the cores, so "
              "the wall time is an over-estimate")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
