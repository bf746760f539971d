"""The golden regression runs: two small fixed runs whose results are committed.

``baseline_small.csv`` is the baseline at a tenth of the size. ``options_small.csv`` is the same
size with every option the baseline leaves off switched on (:data:`OPTIONS`: capacity schedules,
bridging, ``acute_first``, ``out_of_hours = "ed"``, caseload staffing and the rest), so that
code only those options reach has the same guard. Its capacities are bent (:data:`STRESS`) so
that each option changes the figures: bridging needs P1 short of home care while P2 beds are
free; caseload staffing binds before March and the headroom after (the virtual ward beds fall);
tests/test_golden.py checks (slow) that dropping any one option moves the run.

``python tests/golden/golden.py`` regenerates both files. Do that only in a commit that changes
model behaviour on purpose, and say why in its message; ``tests/test_golden.py`` fails whenever
the outputs drift from the committed files.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE.parent))

from helpers import small_run  # noqa: E402

GOLDEN = HERE / "baseline_small.csv"
OPTIONS_GOLDEN = HERE / "options_small.csv"
SCALE = 0.1
SEED = 2024
REPLICATIONS = 2
SETS = ["run.warmup_days=30", "run.measurement_days=180"]

# The options run: one replication, 14 + 61 days (15 Feb to 16 Apr 2025).
OPTIONS_DAYS = 61
OPTIONS_SETS = ["run.warmup_days=14"]
# Every option off in the baseline, switched on (name -> override).
OPTIONS = {
    "bridging": "d2a.bridging=true",
    "acute_first": "reablement.acute_first=true",
    "out_of_hours": 'ucr.out_of_hours="ed"',
    "caseload": "virtual_ward.caseload_per_clinician=4.0",
    "headroom": "virtual_ward.accept_below_pct=90.0",
    "elective_order": 'elective.order="longest_wait"',
    "followup_reduction": "elective.followup_reduction_pct=10.0",
    "demand_growth": "demand.growth_pct_per_year=3.0",
}
# Capacity schedules (a flat level, a rota and levels that fall and rise inside the run), given
# at full size and scaled with the rest.
SCHEDULES = [
    'acute.beds={ "2025-02-01" = 2200, "2025-03-01" = 2000 }',
    'ucr.clinicians_per_shift={ "2025-02-01" = 9, "2025-03-15" = 18 }',
    'reablement.packages={ "2025-02-01" = 320, "2025-03-01" = 250 }',
    'virtual_ward.beds={ "2025-02-01" = 260, "2025-03-01" = 200 }',
]
STRESS = ["d2a.home_care_packages=200", "d2a.p2_beds=200"]


def rows_of(result, rep: int) -> list[tuple[int, str, float]]:
    """KPIs and patient-flow counts of one replication, one row per quantity."""
    return ([(rep, f"kpi.{k}", v) for k, v in sorted(result.kpis.items())]
            + [(rep, f"flow.{svc}.{what}", float(n))
               for svc, counts in sorted(result.flows.items())
               for what, n in sorted(counts.items())])


def golden_frame() -> pd.DataFrame:
    """The baseline golden run, one row per (replication, quantity)."""
    rows = []
    for rep in range(REPLICATIONS):
        rows += rows_of(small_run(SCALE, None, *SETS, seed=SEED, replication=rep), rep)
    return pd.DataFrame(rows, columns=["replication", "quantity", "value"])


def options_frame(options: Sequence[str] = tuple(OPTIONS.values()),
                  schedules: Sequence[str] = tuple(SCHEDULES)) -> pd.DataFrame:
    """The options golden run (every option on by default), one row per quantity."""
    result = small_run(SCALE, OPTIONS_DAYS, *OPTIONS_SETS, *options, seed=SEED,
                       scaled=[*schedules, *STRESS])
    return pd.DataFrame(rows_of(result, 0), columns=["replication", "quantity", "value"])


if __name__ == "__main__":
    for path, frame in ((GOLDEN, golden_frame()), (OPTIONS_GOLDEN, options_frame())):
        frame.to_csv(path, index=False, float_format="%.12g")
        print(f"wrote {path}")
