"""Quick tier: one coupling of tests/test_coupling.py (slow) on one small replication.

A quarter of the reablement packages, same seed and replication (common random numbers), in a
twentieth-size ICS over six weeks: fit patients wait in acute beds for a package, so delayed
bed-days and occupancy rise and fewer packages start within two days. The effect is several
times the noise at this size; the slow test checks it, and the ED knock-on, with 8 paired
replications at quarter size.
"""

from __future__ import annotations

from conftest import BASELINE

from sim.experiment.runner import run_replications
from sim.scenario import load_scenario
from sim.scenario.scale import scale_overrides

SEED = 99


def test_fewer_reablement_packages_block_acute_beds() -> None:
    sets = [*scale_overrides(load_scenario(BASELINE), 0.05), "run.measurement_days=42"]
    base = load_scenario(BASELINE, sets)
    fewer = load_scenario(BASELINE, [*sets, f"reablement.packages={base.reablement.packages // 4}"])
    a = run_replications(base, SEED, 1)[0].kpis
    b = run_replications(fewer, SEED, 1)[0].kpis
    assert b["delayed_discharge_bed_days"] > 1.3 * a["delayed_discharge_bed_days"]
    assert b["acute_occupancy_pct"] > a["acute_occupancy_pct"]
    assert b["reablement_2d_pct"] < a["reablement_2d_pct"]
