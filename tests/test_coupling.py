"""Whole-system couplings, through the real runner with common random numbers.

Capacity in one service must move queues in another: halving reablement keeps medically fit
patients in acute beds, which fills beds and makes ED patients board; fewer virtual-ward beds
send patients back to acute beds; more theatre sessions treat more of the waiting list. Each
comparison is paired by replication (same streams), and the 95% CI of the paired difference
must lie wholly on the expected side of zero (slow). The quick tier checks one coupling on one
small replication.
"""

from __future__ import annotations

import numpy as np
import pytest
from helpers import small_scenario

from sim.core.stats import mean_ci
from sim.experiment.runner import run_replications
from sim.scenario import Scenario

SEED, REPS = 99, 8
# A quarter-size ICS (300k people, capacity in proportion) over 8 months, to keep the tests
# quick; the quarter-size system is noisier, hence 8 replications.
QUARTER = (0.25, 240)


def test_fewer_reablement_packages_block_acute_beds() -> None:
    """Quick tier: a quarter of the reablement packages, same seed and replication, in a
    twentieth-size ICS over six weeks: fit patients wait in acute beds for a package, so
    delayed bed-days and occupancy rise and fewer packages start within two days. The effect
    is several times the noise at this size; the slow tests below check it, and the ED
    knock-on, with 8 paired replications at quarter size."""
    base = small_scenario(0.05, 42)
    fewer = small_scenario(0.05, 42, f"reablement.packages={base.reablement.packages // 4}")
    a = run_replications(base, SEED, 1)[0].kpis
    b = run_replications(fewer, SEED, 1)[0].kpis
    assert b["delayed_discharge_bed_days"] > 1.3 * a["delayed_discharge_bed_days"]
    assert b["acute_occupancy_pct"] > a["acute_occupancy_pct"]
    assert b["reablement_2d_pct"] < a["reablement_2d_pct"]


@pytest.fixture(scope="module")
def quarter() -> Scenario:
    return small_scenario(*QUARTER)


def kpi_values(*sets: str) -> dict[str, np.ndarray]:
    sc = small_scenario(*QUARTER, *sets)
    results = run_replications(sc, SEED, REPS, workers=2)
    return {k: np.array([r.kpis[k] for r in results]) for k in results[0].kpis}


def paired(base: dict, other: dict, kpi: str) -> tuple[float, float, float]:
    mean, _, lo, hi, _ = mean_ci(other[kpi] - base[kpi])
    return mean, lo, hi


@pytest.fixture(scope="module")
def base() -> dict[str, np.ndarray]:
    return kpi_values()


@pytest.mark.slow
def test_halving_reablement_blocks_beds_and_ed(quarter, base) -> None:
    half = kpi_values(f"reablement.packages={quarter.reablement.packages // 2}")
    for kpis in (base, half):  # operations stood down for want of a bed: the day before
        kpis["stood_down"] = kpis["elective_cancellations"] + kpis["elective_deferred"]
    for kpi, sign in (("delayed_discharge_bed_days", +1), ("acute_occupancy_pct", +1),
                      ("ed_4h_pct", -1), ("reablement_2d_pct", -1),
                      # fuller beds stand operations down (at OPEL 4 the day before, so fewer
                      # are cancelled on the day) and the waiting list's 18-week share falls
                      ("stood_down", +1), ("rtt_18w_pct", -1)):
        mean, lo, hi = paired(base, half, kpi)
        assert (lo > 0) if sign > 0 else (hi < 0), f"{kpi}: {mean:.2f} ({lo:.2f}..{hi:.2f})"


@pytest.mark.slow
def test_fewer_virtual_ward_beds_raise_acute_occupancy(quarter, base) -> None:
    """Halved, the virtual wards run nearly full (>= 85%), turn step-ups away and keep
    eligible step-downs waiting until fit: those patients fill acute beds."""
    fewer = kpi_values(f"virtual_ward.beds={quarter.virtual_ward.beds // 2}")
    for kpi, sign in (("acute_occupancy_pct", +1), ("vw_occupancy_pct", +1),
                      ("vw_patients", -1)):
        mean, lo, hi = paired(base, fewer, kpi)
        assert (lo > 0) if sign > 0 else (hi < 0), f"{kpi}: {mean:.2f} ({lo:.2f}..{hi:.2f})"
    assert fewer["vw_occupancy_pct"].mean() >= 85


@pytest.mark.slow
def test_doubling_virtual_ward_beds_cares_for_more_and_frees_acute_beds(quarter, base) -> None:
    """Doubled, the frailty ward stops refusing step-ups and keeping step-downs waiting: more
    patients are cared for on virtual wards and acute occupancy falls."""
    more = kpi_values(f"virtual_ward.beds={quarter.virtual_ward.beds * 2}")
    for kpi, sign in (("vw_patients", +1), ("acute_occupancy_pct", -1)):
        mean, lo, hi = paired(base, more, kpi)
        assert (lo > 0) if sign > 0 else (hi < 0), f"{kpi}: {mean:.2f} ({lo:.2f}..{hi:.2f})"


@pytest.mark.slow
def test_more_theatre_sessions_treat_more_and_cut_waits(quarter, base) -> None:
    sessions = quarter.elective.theatre_sessions_per_week
    more = kpi_values(f"elective.theatre_sessions_per_week={sessions * 1.25}")
    for kpi in ("elective_activity_pct", "rtt_18w_pct"):
        mean, lo, hi = paired(base, more, kpi)
        assert lo > 0, f"{kpi}: {mean:.2f} ({lo:.2f}..{hi:.2f})"
