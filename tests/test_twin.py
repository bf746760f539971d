"""The salabim twin (sim/checks/twin/) against the SimPy model on one configuration.

Two independent implementations of ED with boarding, acute beds and reablement-delayed discharge
run on the same scenario with different random numbers; their KPI means must agree. A test that
cannot fail proves nothing, so a second test checks that the comparison catches the one real
disagreement found while building the twin (zero-day admissions and the daytime discharge rule,
see the twin's module docstring): the twin's other reading of it must be told apart.

Configuration: the baseline with primary care, UCR, virtual wards and elective care switched off,
at a quarter of the size (``scale_overrides(.., 0.25)``: 300k people, every capacity x 0.25) and a
120-day measurement window after the 59-day warm-up, with acute beds 10% above the scaled 520.
Why more beds: this sub-system at quarter size is past saturation with the scaled beds (455
usable by emergencies, 65 ring-fenced for the switched-off electives): the bed queue grows by
about five patients a day all run long, so the ED figures measure how fast a queue drifts, which
depends on run length and start-up rather than on steady-state logic. With 572 beds (+10%; +5%
still sits on the knife edge, where one congested replication moves the 4-hour mean by points)
occupancy is ~82% of all beds, ~92% of those emergencies may use, the queue forms and drains,
and the ED 4-hour figure (~82%) still depends strongly on beds. (Those figures are from before
issue 17; since then SDEC spaces, outlying into the free ring-fenced beds and escalation beds
leave this set-up clinician-bound: one replication gave ED 4-hour 70%, occupancy of the general
beds 90%.) Since the baseline's general beds are wards (a patient needs a bed in their own: 100
since issue 25), the comparison keeps that ward size (25 wards at a quarter) and turns outlying
off. Where the baseline switches on logic the twin does not model, the comparison pins it back
(``TWIN_LOGIC``).

Every registered service the twin does not model (``MODELLED``) is switched off, read from the
registry, so a new service needs no edit here. The quick tier only runs the twin on a small
configuration and checks it reports what the SimPy model reports.
"""

from __future__ import annotations

import math
import os
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pytest
from helpers import small_scenario
from scipy import stats

from sim.checks.twin import MODELLED, TWIN_KPIS, run_twin
from sim.experiment.runner import run_replications
from sim.experiment.task import run_replication
from sim.model.registry import REGISTRY
from sim.outputs.result import ReplicationResult
from sim.scenario import Scenario, load_scenario

BASELINE = Path(__file__).resolve().parents[1] / "scenarios" / "baseline.toml"
# every registered service but ED, acute and reablement, switched off
OTHERS_OFF = tuple(f"{s}.enabled=false" for s in REGISTRY if s not in MODELLED)
# the logic the twin models, where the baseline (issue 25) switches otherwise: escalation beds by
# the ward-by-ward trigger, not the OPEL level (so no corridor places by level either), a rota
# the same every month, the daytime window for discharges home and after other support only.
# (ed.ambulance_priority=false, the baseline's, the twin models: first come, first served.)
TWIN_LOGIC = ("acute.opel_review=false", "ed.corridor_spaces_by_level=[]",
              "ed.clinicians_follow_month_profile=false",
              "acute.discharge_window_all_routes=false", "ed.ambulance_first_share=1",
              "acute.elective_general_bed_below_pct=100")
SEED = 2026
REPLICATIONS = 8
SCALE = 0.25
# 1.10 until issue 25; the recalibrated baseline's stays are 10% longer (7.0 -> 7.7 d) in wards
# four times smaller, and at 1.10 the beds were saturated again (8 replications: ED 4-hour 39%,
# type 1 4-hour 6%, so the flat-rota check below could not see the rota). At 1.20 (2
# replications): occupancy 86-88%, ED 4-hour 53-56%, the flat rota 44%.
EXTRA_BEDS = 1.20
# All six KPIs the twin reports are compared (the brief asks for at least four).
COMPARED = TWIN_KPIS
# Simultaneous 95% confidence: each of the k intervals at 1 - 0.05 / k (Bonferroni). With a
# plain 95% interval per KPI, two models that agree perfectly would still fail one of six checks
# about one time in four whenever seeds or streams change; the test must not be that flaky.
LEVEL = 1 - 0.05 / len(COMPARED)


def test_twin_runs_and_reports_the_models_kpis() -> None:
    """Quick tier: the twin runs on a twentieth-size, three-week configuration and reports
    every KPI it claims, each a finite figure the SimPy model reports too."""
    scenario = small_scenario(0.05, 21, *OTHERS_OFF, *TWIN_LOGIC, "acute.wards=1",
                              "acute.outlying_max_patients=0")  # the twin models no cap above 0
    twin = run_twin(scenario, 2026, 0)
    simpy = run_replications(scenario, 2026, 1)[0].kpis
    assert set(twin) == set(TWIN_KPIS) and set(TWIN_KPIS) <= set(simpy)
    for k in TWIN_KPIS:
        assert math.isfinite(twin[k]) and twin[k] >= 0, (k, twin[k])
        if k.endswith("_pct"):
            assert twin[k] <= 100, (k, twin[k])
    assert twin["delayed_discharge_bed_days"] > 0 and twin["acute_occupancy_pct"] > 0


@pytest.mark.parametrize(("sets", "key"), [
    *[([s for s in TWIN_LOGIC if s != pinned], pinned.split("=")[0]) for pinned in TWIN_LOGIC],
    ([*TWIN_LOGIC, "ed.handover_release_mins=45"], "ed.handover_release_mins"),
])
def test_the_twin_refuses_logic_it_does_not_model(sets: list[str], key: str) -> None:
    """Each option pinned above, left as the baseline has it (or release to respond set), is
    refused by name rather than run as logic the twin does not have."""
    scenario = small_scenario(0.05, 21, *OTHERS_OFF, *sets, "acute.wards=1",
                              "acute.outlying_max_patients=0")
    with pytest.raises(ValueError, match=key):
        run_twin(scenario, 2026, 0)


def comparison_scenario() -> Scenario:
    base = load_scenario(BASELINE)
    beds = round(base.acute.beds * SCALE * EXTRA_BEDS)
    return small_scenario(SCALE, 120, *OTHERS_OFF, *TWIN_LOGIC, f"acute.beds={beds}",
                          # wards of the baseline's size (~19 beds: 100 wards at full scale,
                          # 25 at a quarter, since issue 25); no outlying (the twin models no
                          # cap above 0; electives are off here anyway)
                          f"acute.wards={max(1, round(base.acute.wards * SCALE))}",
                          "acute.outlying_max_patients=0")


def welch_interval(x: np.ndarray, y: np.ndarray, level: float) -> tuple[float, float]:
    """Confidence interval of mean(x) - mean(y), Welch (unequal variances).

    Welch rather than "the two CIs overlap": it is the interval of the quantity in question (the
    difference), it does not assume the two models vary alike between replications (they do not:
    the twin's reablement figure varies less), and overlapping CIs is a much weaker check than
    its nominal level suggests.
    """
    vx, vy = x.var(ddof=1) / x.size, y.var(ddof=1) / y.size
    diff = float(x.mean() - y.mean())
    se = math.sqrt(vx + vy)
    if se == 0:
        return diff, diff
    df = (vx + vy) ** 2 / (vx**2 / (x.size - 1) + vy**2 / (y.size - 1))
    half = float(stats.t.ppf(0.5 + level / 2, df)) * se
    return diff - half, diff + half


def contains_zero(interval: tuple[float, float]) -> bool:
    return interval[0] <= 0 <= interval[1]


def mean_ci(x: np.ndarray) -> str:
    half = float(stats.t.ppf(0.975, x.size - 1)) * x.std(ddof=1) / math.sqrt(x.size)
    return f"{x.mean():.2f} ({x.mean() - half:.2f} to {x.mean() + half:.2f})"


@pytest.fixture(scope="module")
def runs() -> dict[str, dict[str, np.ndarray]]:
    """KPI values per replication: SimPy, the twin, and the twin with a flat rota."""
    scenario = comparison_scenario()
    reps = range(REPLICATIONS)
    with ProcessPoolExecutor(max_workers=min(2, os.cpu_count() or 1)) as pool:
        # longest tasks first so that both workers stay busy to the end
        jobs: dict[str, list[Future]] = {
            "twin": [pool.submit(run_twin, scenario, SEED, r) for r in reps],
            "twin_flat_rota": [pool.submit(run_twin, scenario, SEED, r, rota_by_hour=False)
                               for r in reps],
            "simpy": [pool.submit(run_replication, scenario, SEED, r) for r in reps],
        }
        out: dict[str, dict[str, np.ndarray]] = {}
        for name, futures in jobs.items():
            results = [f.result() for f in futures]
            rows = [r.kpis if isinstance(r, ReplicationResult) else r for r in results]
            out[name] = {k: np.array([row[k] for row in rows]) for k in COMPARED}
    return out


@pytest.mark.slow
def test_twin_and_simpy_kpi_means_agree(runs: dict[str, dict[str, np.ndarray]]) -> None:
    simpy, twin = runs["simpy"], runs["twin"]
    report, disagree = [], []
    for k in COMPARED:
        assert np.isfinite(simpy[k]).all() and np.isfinite(twin[k]).all(), k
        lo, hi = welch_interval(simpy[k], twin[k], LEVEL)
        line = (f"{k}: simpy {mean_ci(simpy[k])}, twin {mean_ci(twin[k])}, "
                f"difference {lo:+.2f} to {hi:+.2f}")
        report.append(line)
        if not contains_zero((lo, hi)):
            disagree.append(line)
    print("\n".join(report))
    assert not disagree, "the twin and the SimPy model disagree:\n" + "\n".join(disagree)


@pytest.mark.slow
def test_comparison_detects_a_rota_read_as_its_mean(
        runs: dict[str, dict[str, np.ndarray]]) -> None:
    """Power check: ED clinicians and handover staff at the rota's mean around the clock instead
    of hour by hour (a plausible misreading of the rota field) leaves the afternoon peak short of
    clinicians; the same comparison must see that, or agreement above would mean little. (The
    earlier check, zero-day stays held to the discharge window, is no longer visible here: SDEC,
    outlying and escalation beds leave this set-up clinician-bound, not bed-bound.)"""
    simpy, other = runs["simpy"], runs["twin_flat_rota"]
    detected = [k for k in COMPARED
                if not contains_zero(welch_interval(simpy[k], other[k], LEVEL))]
    assert "ed_4h_pct" in detected, detected
    assert len(detected) >= 2, detected
