"""How often ``verify`` passes with a seed nobody chose, and how long one full run takes.

Runs ``python run_sim.py verify --seed S --out OUT/S`` for each seed, one after another (each in
a fresh process, timed wall-clock and in CPU seconds of the child: the wall time depends on what
else shares the machine), then prints per seed the verdict, the seconds taken, the
smallest p-value of the Holm family against its threshold and any failing row, and a summary.
Prints measured figures only. Usage:

    python benchmarks/verify_seeds.py [--seeds 1-20] [--out /tmp/verify-seeds]
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]


def seeds_of(text: str) -> list[int]:
    out: list[int] = []
    for part in text.split(","):
        lo, _, hi = part.partition("-")
        out += list(range(int(lo), int(hi or lo) + 1))
    return out


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", default="1-20", help="e.g. 1-20 or 1,5,7-9")
    ap.add_argument("--out", default="/tmp/verify-seeds", help="one folder per seed under here")
    args = ap.parse_args()
    passed, seconds, cpu = [], [], []
    for seed in seeds_of(args.seeds):
        out = Path(args.out) / str(seed)
        t = time.perf_counter()
        used = resource.getrusage(resource.RUSAGE_CHILDREN)
        proc = subprocess.run([sys.executable, "run_sim.py", "verify", "--seed", str(seed),
                               "--out", str(out)], cwd=ROOT, capture_output=True, text=True,
                              check=False)
        seconds.append(time.perf_counter() - t)
        now = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append(now.ru_utime + now.ru_stime - used.ru_utime - used.ru_stime)
        if proc.returncode not in (0, 1):
            print(proc.stderr, file=sys.stderr)
            return 2
        rows = pd.read_csv(out / "verification.csv")
        family = rows[rows["p_value"].notna()]
        low = family.loc[family["p_value"].idxmin()]
        failed = rows[~rows["passed"]]
        passed.append(proc.returncode == 0)
        note = "; ".join(f"{r.service}: {r.check} (p={r.p_value:.3g})"
                         for r in failed.itertuples()) or "-"
        print(f"seed {seed:3d}  {'PASS' if passed[-1] else 'FAIL'}  {seconds[-1]:6.1f} s "
              f"({cpu[-1]:5.1f} s CPU)  "
              f"smallest p {low.p_value:.3g} (threshold {low.threshold:.3g}, {low.service}: "
              f"{low.check})  failed: {note}", flush=True)
    print(f"\n{sum(passed)} of {len(passed)} seeds pass every check; one verify takes "
          f"{statistics.median(seconds):.1f} s median ({min(seconds):.1f}-{max(seconds):.1f} s), "
          f"{statistics.median(cpu):.1f} s CPU median ({min(cpu):.1f}-{max(cpu):.1f} s)"
          f"; rule: {family['rule'].iloc[0]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
