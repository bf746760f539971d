"""Whole-system couplings, through the real runner with common random numbers.

Capacity in one service must move queues in another: halving reablement keeps medically fit
patients in acute beds, which fills beds and makes ED patients board; fewer virtual-ward beds
send patients back to acute beds; more theatre sessions treat more of the waiting list. Each
comparison is paired by replication (same streams), and the 95% CI of the paired difference
must lie wholly on the expected side of zero.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import BASELINE

from sim.core.stats import mean_ci
from sim.experiment.runner import run_replications
from sim.scenario import load_scenario
from sim.scenario.scale import scale_overrides

SEED, REPS = 99, 8
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def quarter() -> list[str]:
    """A quarter-size ICS (300k people, capacity in proportion) over 8 months, to keep the
    test quick; the quarter-size system is noisier, hence 8 replications."""
    return [*scale_overrides(load_scenario(BASELINE), 0.25), "run.measurement_days=240"]


def kpi_values(sets: list[str]) -> dict[str, np.ndarray]:
    sc = load_scenario(BASELINE, sets)
    results = run_replications(sc, SEED, REPS, workers=2)
    return {k: np.array([r.kpis[k] for r in results]) for k in results[0].kpis}


def paired(base: dict, other: dict, kpi: str) -> tuple[float, float, float]:
    mean, _, lo, hi, _ = mean_ci(other[kpi] - base[kpi])
    return mean, lo, hi


@pytest.fixture(scope="module")
def base(quarter: list[str]) -> dict[str, np.ndarray]:
    return kpi_values(quarter)


def _value(sets: list[str], key: str) -> float:
    return float(next(s for s in sets if s.startswith(key + "=")).split("=", 1)[1])


def test_halving_reablement_blocks_beds_and_ed(quarter, base) -> None:
    packages = int(_value(quarter, "reablement.packages"))
    half = kpi_values([*quarter, f"reablement.packages={packages // 2}"])
    for kpi, sign in (("delayed_discharge_bed_days", +1), ("acute_occupancy_pct", +1),
                      ("ed_4h_pct", -1), ("reablement_2d_pct", -1)):
        mean, lo, hi = paired(base, half, kpi)
        assert (lo > 0) if sign > 0 else (hi < 0), f"{kpi}: {mean:.2f} ({lo:.2f}..{hi:.2f})"


def test_fewer_virtual_ward_beds_raise_acute_occupancy(quarter, base) -> None:
    """Halved, the virtual wards run nearly full (>= 85%), turn step-ups away and keep
    eligible step-downs waiting until fit: those patients fill acute beds."""
    beds = int(_value(quarter, "virtual_ward.beds"))
    fewer = kpi_values([*quarter, f"virtual_ward.beds={beds // 2}"])
    for kpi, sign in (("acute_occupancy_pct", +1), ("vw_occupancy_pct", +1),
                      ("vw_patients", -1)):
        mean, lo, hi = paired(base, fewer, kpi)
        assert (lo > 0) if sign > 0 else (hi < 0), f"{kpi}: {mean:.2f} ({lo:.2f}..{hi:.2f})"
    assert fewer["vw_occupancy_pct"].mean() >= 85


def test_doubling_virtual_ward_beds_cares_for_more_and_frees_acute_beds(quarter, base) -> None:
    """Doubled, the frailty ward stops refusing step-ups and keeping step-downs waiting: more
    patients are cared for on virtual wards and acute occupancy falls."""
    beds = int(_value(quarter, "virtual_ward.beds"))
    more = kpi_values([*quarter, f"virtual_ward.beds={beds * 2}"])
    for kpi, sign in (("vw_patients", +1), ("acute_occupancy_pct", -1)):
        mean, lo, hi = paired(base, more, kpi)
        assert (lo > 0) if sign > 0 else (hi < 0), f"{kpi}: {mean:.2f} ({lo:.2f}..{hi:.2f})"


def test_more_theatre_sessions_treat_more_and_cut_waits(quarter, base) -> None:
    sessions = _value(quarter, "elective.theatre_sessions_per_week")
    more = kpi_values([*quarter, f"elective.theatre_sessions_per_week={sessions * 1.25}"])
    for kpi in ("elective_activity_pct", "rtt_18w_pct"):
        mean, lo, hi = paired(base, more, kpi)
        assert lo > 0, f"{kpi}: {mean:.2f} ({lo:.2f}..{hi:.2f})"
