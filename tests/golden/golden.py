"""The golden regression run: a small fixed baseline whose results are committed.

``python tests/golden/golden.py`` regenerates ``baseline_small.csv``. Do that only in a commit
that changes model behaviour on purpose, and say why in its message; ``tests/test_golden.py``
fails whenever the outputs drift from the committed file.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT))

from sim.experiment.task import run_replication  # noqa: E402
from sim.scenario import load_scenario  # noqa: E402
from sim.scenario.scale import scale_overrides  # noqa: E402

GOLDEN = HERE / "baseline_small.csv"
SCALE = 0.1
SEED = 2024
REPLICATIONS = 2
SETS = ["run.warmup_days=30", "run.measurement_days=180"]


def golden_frame() -> pd.DataFrame:
    """KPIs and patient-flow counts of the golden run, one row per (replication, quantity)."""
    base = load_scenario(ROOT / "scenarios" / "baseline.toml", SETS)
    scenario = load_scenario(ROOT / "scenarios" / "baseline.toml",
                             SETS + scale_overrides(base, SCALE))
    rows = []
    for rep in range(REPLICATIONS):
        result = run_replication(scenario, SEED, rep)
        rows += [(rep, f"kpi.{k}", v) for k, v in sorted(result.kpis.items())]
        rows += [(rep, f"flow.{svc}.{what}", float(n))
                 for svc, counts in sorted(result.flows.items())
                 for what, n in sorted(counts.items())]
    return pd.DataFrame(rows, columns=["replication", "quantity", "value"])


if __name__ == "__main__":
    golden_frame().to_csv(GOLDEN, index=False, float_format="%.12g")
    print(f"wrote {GOLDEN}")
