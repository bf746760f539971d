"""Discharge to assess: each pathway pool alone against Erlang C and Little's law, and the
coupling to acute beds (cutting pathway 1 raises no-criteria-to-reside bed-days and occupancy;
adding pathway 2 beds lowers them)."""

from __future__ import annotations

import pytest
from helpers import small_run

from sim.checks.verify import pool_check
from sim.model.services import d2a
from sim.scenario import baseline_path, load_scenario

BASELINE = baseline_path()
ALPHA = 0.01 / 9  # three checks for each of three pools, Bonferroni


@pytest.mark.parametrize("pathway", d2a.PATHWAYS)
def test_pool_alone_matches_erlang_c_and_littles_law(pathway) -> None:
    check = pool_check(pathway, reps=20)
    for name, p in check.p_values().items():
        assert p > ALPHA, (pathway, name, p, check)


def _kpis(sets: list[str]) -> dict[str, float]:
    return small_run(0.25, 120, *sets, seed=2026).kpis


@pytest.mark.slow  # a few seconds: the full suite runs it, the quick tier need not
def test_cutting_p1_and_adding_p2_move_acute_beds() -> None:
    """Common random numbers, one replication at quarter scale: the effects are large. Since
    issue 25 the baseline's pathway 2 beds meet their demand, so more of them change little;
    the comparison starts from pathway 2 short (70% of the beds), where beds added are used.
    The beds' effects are large both ways; on ED's 12-hour share only the home-care cut is (the
    extra pathway 2 beds move occupancy ~1.8 points, and one replication's 12-hour share
    swings 14.5-21 across seeds: base - more was +0.6 points, standard error 1.5, over seeds
    1, 2, 3 and 2026 after issue 26), so that leg is not claimed for one replication."""
    hc = load_scenario(BASELINE).d2a.home_care_packages
    p2 = load_scenario(BASELINE).d2a.p2_beds
    short = f"d2a.p2_beds={round(p2 * 0.25 * 0.7)}"
    base = _kpis([short])
    cut = _kpis([short, f"d2a.home_care_packages={round(hc * 0.25 * 0.7)}"])
    more = _kpis([f"d2a.p2_beds={round(p2 * 0.25 * 1.05)}"])
    for k in ("delayed_discharge_bed_days", "acute_occupancy_pct"):
        assert cut[k] > base[k] > more[k], (k, cut[k], base[k], more[k])
    assert cut["ed_12h_pct"] > base["ed_12h_pct"] + 5, (cut["ed_12h_pct"], base["ed_12h_pct"])


@pytest.mark.slow  # a few seconds: the full suite runs it, the quick tier need not
def test_bridging_frees_acute_beds_into_spare_p2_beds() -> None:
    """Home care short, pathway 2 beds spare: with bridging, pathway 1 patients wait in P2 beds
    instead of acute beds (fewer NCTR bed-days, P2 busier); every patient still accounted for
    (run_replication checks conservation)."""
    hc = load_scenario(BASELINE).d2a.home_care_packages
    p2 = load_scenario(BASELINE).d2a.p2_beds
    short = [f"d2a.home_care_packages={round(hc * 0.25 * 0.8)}",
             f"d2a.p2_beds={round(p2 * 0.25 * 2)}"]
    off = _kpis([*short, "d2a.bridging=false"])
    on = _kpis([*short, "d2a.bridging=true"])
    assert on["delayed_discharge_bed_days"] < off["delayed_discharge_bed_days"]
    assert on["d2a_p2_occupancy_pct"] > off["d2a_p2_occupancy_pct"]
