"""Removals by weeks waited and stage, the start state that follows them, and the long-waiter
levers (issue 26 items 2 and 3)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.core.errors import InputError
from sim.model.registry import REGISTRY
from sim.model.replication import simulate
from sim.model.services.elective import fluid
from sim.model.services.elective.hazard import ADM, DIAG, FU, OP, Hazard
from sim.model.services.elective.pathways import REMOVED
from sim.model.services.elective.service import Elective
from sim.scenario import load_scenario
from tests.helpers import BASELINE, small_run, small_scenario

ALONE = [f"{s}.enabled=false" for s in REGISTRY if s != "elective"]
NO_CAPACITY = ["elective.outpatient_slots_per_week=0", "elective.diagnostic_slots_per_week=0",
               "elective.theatre_sessions_per_week=0"]
# the irreducible work the baseline sets (issue 26), unset: these tests are about removals
NO_WORK = [f"elective.work.{k}=none" for k in (
    "first_notice_days", "test_notice_days", "reporting_days", "preop_days",
    "cancer_first_notice_days", "cancer_test_notice_days", "cancer_reporting_days")]
NO_DEMAND = ["elective.followups_per_100k_per_year=0",  # (referrals shape the start list)
             "elective.cancer.referrals_per_100k_per_month=0"]


def hazard(*sets: str) -> Hazard:
    return Hazard(load_scenario(BASELINE, list(sets)).elective)


def test_factors_of_one_are_the_flat_rate() -> None:
    """Bands and stage factors all 1 are the old flat rate (the exact old code path); the
    baseline's long waiters are removed faster (issue 26 fit), so it is not flat."""
    hz = hazard("elective.removal_by_wait.band_factor=[1,1,1,1]")
    assert hz.flat
    assert hz.r == pytest.approx(fluid.removal_per_day(load_scenario(BASELINE).elective))
    assert not hazard().flat


def test_equal_factors_match_the_closed_forms() -> None:
    """Every band and stage at x2 is one flat rate of 2%: the general (banded) formulas give
    the closed forms ln(lam/c)/r, lam(1-e^{-rW})/r and e^{-rW} of that rate."""
    hz = hazard("elective.removal_by_wait.band_factor=[2,2,2,2]",
                "elective.removal_by_wait.admitted=1.0000001")
    assert not hz.flat
    r = 2 * hazard().r
    assert hz.survive(OP, 100.0, 200.0) == pytest.approx(math.exp(-r * 200), rel=1e-6)
    assert hz.stock(50.0, FU, 30.0, 400.0) == pytest.approx(fluid.stock(50.0, r, 400.0), rel=1e-6)
    w = hz.settled_wait([(30.0, OP, 0.0), (20.0, FU, 90.0)], 40.0)
    assert w == pytest.approx(fluid.settled_wait(50.0, 40.0, r), rel=1e-5)


def test_banded_survival_and_balance() -> None:
    """A pathway's survival over bands multiplies each band's e^{-h t}; the settled wait's
    survivors are exactly the capacity; time in stage has the survival as its density."""
    hz = hazard("elective.removal_pct_per_month=2",
                "elective.removal_by_wait.band_factor=[1,2,5,10]",
                "elective.removal_by_wait.admitted=0.5")
    h = [2 / 100 / fluid.DAYS_PER_MONTH * f for f in (1, 2, 5, 10)]
    # joining the admitted list at 10 weeks, waiting 50: 8 weeks in band 0, 34 in 1, 8 in 2
    expect = math.exp(-0.5 * 7 * (h[0] * 8 + h[1] * 34 + h[2] * 8))
    assert hz.survive(ADM, 70.0, 350.0) == pytest.approx(expect)
    routes = [(40.0, OP, 0.0), (25.0, FU, 200.0)]
    w = hz.settled_wait(routes, 50.0)
    assert sum(q * hz.survive(s, b, w) for q, s, b in routes) == pytest.approx(50.0, rel=1e-6)
    t = np.linspace(0, 400, 40001)
    s = hz.survive_array(DIAG, 100.0, t)
    assert hz.stock(3.0, DIAG, 100.0, 400.0) == pytest.approx(3 * np.trapezoid(s, t), rel=1e-5)
    ages = hz.ages_in_stage(np.random.default_rng(1).random(200_000), DIAG, 100.0, 400.0)
    mean = np.trapezoid(t * s, t) / np.trapezoid(s, t)
    assert ages.mean() == pytest.approx(mean, rel=0.01)


def test_bands_must_fit() -> None:
    with pytest.raises(InputError):
        load_scenario(BASELINE, ["elective.removal_by_wait.band_factor=[1,2]"])
    with pytest.raises(InputError):
        load_scenario(BASELINE, ["elective.removal_by_wait.band_weeks=[52,18,65]"])


def test_the_hazard_removes_the_configured_shares(monkeypatch: pytest.MonkeyPatch) -> None:
    """With no capacity and no new demand, the start list only loses pathways to removal: in
    each band and stage the share removed over the run is 1 - e^{-h days} (binomial, 4
    standard errors), where h is removal_pct_per_month x band x stage factor."""
    start_stage: list[np.ndarray] = []
    made = Elective._initial_state

    def spy(self: Elective) -> None:  # the stage of every pathway at time zero
        made(self)
        start_stage.append(np.frombuffer(self.stage, dtype=np.uint8).copy())

    monkeypatch.setattr(Elective, "_initial_state", spy)
    sc = small_scenario(0.2, 1, *ALONE, *NO_CAPACITY, *NO_DEMAND, *NO_WORK,
                        "elective.removal_pct_per_month=6",
                        "elective.removal_by_wait.band_weeks=[18,52,65]",
                        "elective.removal_by_wait.band_factor=[0.5,1,3,6]",
                        "elective.removal_by_wait.outpatient=2",
                        "elective.removal_by_wait.admitted=0.5")
    e = simulate(sc, 11, 0).services["elective"]
    days = sc.run.warmup_days + 1  # one removal pass a day, from day 0
    hz = Hazard(sc.elective)
    stage0 = start_stage[0]
    n_all = len(stage0)
    start_age = -np.frombuffer(e.clock, dtype=float)[:n_all]
    removed = np.frombuffer(e.stage, dtype=np.uint8)[:n_all] == REMOVED
    edges = np.array([0, 18, 52, 65, 1e9]) * 7
    checked = 0
    for band in range(4):
        # pathways that stay inside one band for the whole run (clock age on day d: start + d)
        inside = (start_age >= edges[band]) & (start_age + days < edges[band + 1])
        for st, factor in ((OP, 2.0), (FU, 1.0), (ADM, 0.5)):
            sel = inside & (stage0 == st)
            n = int(sel.sum())
            if n < 300:
                continue
            h = 6 / 100 / fluid.DAYS_PER_MONTH * [0.5, 1, 3, 6][band] * factor
            assert hz.rates[st, band] == pytest.approx(h)
            p = -math.expm1(-h * days)
            share = removed[sel].mean()
            assert abs(share - p) < 4 * math.sqrt(p * (1 - p) / n), (band, st, share, p)
            checked += 1
    assert checked >= 5


def test_the_start_state_is_the_equilibrium_of_banded_removals() -> None:
    """With bands, the capacities that hold the start waits (the calibration's inversion)
    have those waits as their fluid equilibrium: the solver and the start state agree."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "cal", BASELINE.parents[1] / "benchmarks" / "elective_calibrate.py")
    assert spec and spec.loader
    cal = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(cal)
    sets = ["elective.removal_by_wait.band_factor=[1,1,3,6]",
            "elective.removal_by_wait.admitted=1.5", *NO_WORK]  # (equilibrium knows no work)
    sc = load_scenario(BASELINE, sets)
    caps = cal.capacities(sc.elective, sc.population.size)
    op, th, te = (sum(caps[k].values()) * 7 for k in ("op", "theatre", "test"))
    over = [f"elective.outpatient_slots_per_week={op}", f"elective.theatre_sessions_per_week={th}",
            f"elective.diagnostic_slots_per_week={te}"]
    for k in caps["op"]:
        over += [f"elective.specialties.{k}.outpatient_share={caps['op'][k] / op * 7}",
                 f"elective.specialties.{k}.theatre_share={caps['theatre'][k] / th * 7}"]
    for m in caps["test"]:
        over.append(f"elective.modalities.{m}.capacity_share={caps['test'][m] / te * 7}")
    held = load_scenario(BASELINE, [*sets, *over])
    eq = fluid.equilibrium(held.elective, held.population.size)
    start = fluid.start_waits(held.elective)
    for part in ("outpatient", "admitted", "test"):
        for k, w in getattr(start, part).items():
            assert abs(getattr(eq, part)[k] - w) < 1.0, (part, k, getattr(eq, part)[k], w)
    # and the flat calibration's capacities would not hold them (the bands matter)
    flat = fluid.equilibrium(load_scenario(BASELINE, sets).elective, held.population.size)
    assert max(abs(flat.admitted[k] - start.admitted[k]) for k in start.admitted) > 7


def test_banded_start_list_drifts_little() -> None:
    """A run with removals by band starts near its own dynamics: elective alone at a tenth of
    the population, the list at each of the first months' ends is within 4% of the start."""
    r = small_run(0.1, 90, *ALONE, "elective.removal_by_wait.band_factor=[1,1,2,4]",
                  "elective.cancer.in_rtt_list=false", seed=5)  # (RTT pathways only)
    start = load_scenario(BASELINE).elective.initial_list.pathways_per_100k * 1.2e6 / 1e5 * 0.1
    sizes = [v["waiting_list_size"] for v in r.monthly.values()]
    assert sizes and all(abs(s / start - 1) < 0.04 for s in sizes), sizes


# -- queue discipline levers (paired: same seed, elective alone, a fifth of the population) --
def _kpis(*sets: str) -> dict[str, float]:
    return small_run(0.2, 150, *ALONE, *sets, seed=3).kpis


@pytest.fixture(scope="module")
def base() -> dict[str, float]:
    return _kpis()


def test_long_waiter_theatre_time_cuts_the_tail(base: dict[str, float]) -> None:
    lw = _kpis("elective.long_waiters.theatre_pct=20", "elective.long_waiters.weeks=40")
    assert lw["rtt_over_52w"] < 0.9 * base["rtt_over_52w"], (lw["rtt_over_52w"],
                                                               base["rtt_over_52w"])


def test_independent_sector_cohort_leaves_the_list(base: dict[str, float]) -> None:
    moved = _kpis("elective.long_waiters.independent_sector_per_100k_per_month=100",
                  "elective.long_waiters.independent_sector_weeks=40")
    assert moved["rtt_over_52w"] < 0.7 * base["rtt_over_52w"]
    assert moved["waiting_list_size"] < base["waiting_list_size"]


def test_in_turn_lets_long_waiters_wait(base: dict[str, float]) -> None:
    """Treating in turn (the day listed) instead of by RTT clock lets those who reached the
    admitted list late in their pathway wait on: the over-78 tail grows."""
    turn = _kpis("elective.order=priority_then_in_turn")
    assert turn["rtt_over_78w"] > 2 * base["rtt_over_78w"] + 20, (turn["rtt_over_78w"],
                                                                   base["rtt_over_78w"])
