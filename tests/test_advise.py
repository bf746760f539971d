"""Warm-up (MSER-5), settling (growth rule) and replications (CI width) advice."""

from __future__ import annotations

import math
import time

import numpy as np
import pytest
from helpers import small_scenario
from scipy import stats as sps

from sim.core.clock import MIN_PER_DAY, Window
from sim.core.monitor import Level, Tally
from sim.experiment.advise import (
    DRIFTS,
    MAIN_KPIS,
    NEVER_SETTLES,
    SERIES,
    advise,
    daily_series,
    format_advice,
    growth_check,
    level_daily_means,
    mser,
    mser5,
    replications_needed,
    tally_daily_share,
)
from sim.experiment.task import run_replication


def ar1(n: int, phi: float, sd: float, mean: float, rng: np.random.Generator) -> np.ndarray:
    e = rng.normal(0.0, sd, n)
    x = np.empty(n)
    x[0] = mean + e[0] / math.sqrt(1 - phi * phi)
    for i in range(1, n):
        x[i] = mean + phi * (x[i - 1] - mean) + e[i]
    return x


# -- MSER-5 -----------------------------------------------------------------------------------
def test_mser_statistic_matches_its_definition() -> None:
    y = np.random.default_rng(3).normal(size=103)  # 20 batches, 3 days dropped
    z = y[:100].reshape(20, 5).mean(axis=1)
    brute = [np.sum((z[d:] - z[d:].mean()) ** 2) / (20 - d) ** 2 for d in range(11)]
    m = mser(y)
    assert m.batches == 20
    np.testing.assert_allclose(m.statistic, brute, rtol=1e-9, atol=1e-15)
    assert m.warmup_days == 5 * int(np.argmin(brute)) == mser5(y)


def test_mser5_finds_a_100_day_transient() -> None:
    step, ramp = [], []
    for seed in range(20):
        noise = ar1(500, 0.5, 3.0, 0.0, np.random.default_rng(seed))
        day = np.arange(500)
        step.append(mser5(np.where(day < 100, 20.0, 50.0) + noise))  # 100 days 30 below
        ramp.append(mser5(np.minimum(day / 100, 1.0) * 50.0 + noise))  # reaches 50 at day 100
    assert np.median(step) == 100 and min(step) >= 100 and np.percentile(step, 90) <= 120
    assert 85 <= np.median(ramp) <= 105 and min(ramp) >= 75


def test_mser5_on_stationary_noise_is_small() -> None:
    """MSER is known to over-truncate a stationary series now and then (Hoad et al. 2010)."""
    found = []
    for seed in range(20):
        rng = np.random.default_rng(100 + seed)
        found += [mser5(ar1(500, 0.5, 3.0, 50.0, rng)), mser5(rng.normal(50.0, 3.0, 500))]
    assert np.median(found) == 0 and np.percentile(found, 90) <= 40 and max(found) <= 125


def test_mser5_short_and_missing_values() -> None:
    assert mser5(np.ones(15)) == 0  # under four batches
    y = np.where(np.arange(300) < 50, 0.0, 10.0)
    y[[3, 120, 200]] = np.nan  # days without observations are interpolated
    assert mser5(y) == 50
    assert mser(np.arange(300.0)).at_limit  # a trend: still falling at half the run


# -- growth rule ------------------------------------------------------------------------------
def test_growth_flags_a_random_walk_with_drift() -> None:
    flagged = 0
    for seed in range(20):
        rng = np.random.default_rng(seed)
        walk = 20 + np.cumsum(rng.normal(0.5, 2.0, 424))  # arrivals outpace services
        flagged += growth_check(walk).never_settles
    assert flagged >= 18


def test_growth_does_not_flag_stationary_or_seasonal_series() -> None:
    days = np.arange(424)
    for seed in range(50):
        rng = np.random.default_rng(1000 + seed)
        stationary = ar1(424, 0.95, 2.0, 30.0, rng)
        g = growth_check(stationary)
        assert g.checked and not g.never_settles
        # a yearly cycle of +-40% of the level, any phase: rises in one half, falls in the other
        phase = rng.uniform(0, 2 * np.pi)
        seasonal = ar1(424, 0.9, 2.0, 30.0, rng) + 12 * np.sin(2 * np.pi * days / 365 + phase)
        assert not growth_check(seasonal).never_settles


def test_growth_rule_details() -> None:
    rng = np.random.default_rng(5)
    assert not growth_check(np.arange(40.0)).checked  # under eight weeks
    slow = 1000 + 0.1 * np.arange(400) + rng.normal(0, 1, 400)  # +4% a year: drifts only
    g = growth_check(slow)
    assert g.drifts and not g.never_settles and g.rise == pytest.approx(0.7 * g.weeks, rel=0.1)
    tiny = 0.01 * np.arange(400) / 400 + rng.normal(0, 1e-4, 400)  # grows, but not a patient
    assert not growth_check(tiny).never_settles
    fast = np.arange(400.0)
    assert growth_check(fast).never_settles and growth_check(fast, warmup_days=300).never_settles


@pytest.mark.slow
def test_growth_flags_an_overloaded_reablement_service() -> None:
    """100 packages in a 1.2m ICS (10 at scale 0.1) against ~15 starts a day of ~21 days each:
    the queue grows by about a patient a day for ever; with 640 (64) it stays empty."""
    over = daily_series(small_scenario(0.1, None, "reablement.packages=10"), 2024, 0)
    over = over["reablement_queue"]
    g = growth_check(over, mser5(over))
    assert g.never_settles and g.rise > 0.1 * g.level > 10
    ample = daily_series(small_scenario(0.1, None, "reablement.packages=64"), 2024, 0)
    ample = ample["reablement_queue"]
    assert not growth_check(ample, mser5(ample)).never_settles


# -- replications -----------------------------------------------------------------------------
def test_replications_by_hand() -> None:
    # sd 2, half-width 1: n = 17 gives (t_16 * 2)^2 = (2.1199 * 2)^2 = 17.98 > 17, too few;
    # n = 18 gives (t_17 * 2)^2 = (2.1098 * 2)^2 = 17.80 <= 18
    assert (sps.t.ppf(0.975, 16) * 2) ** 2 > 17 and (sps.t.ppf(0.975, 17) * 2) ** 2 <= 18
    assert replications_needed(2.0, 1.0) == 18
    # sd 0.5, half-width 1: n = 2 needs (12.706 * 0.5)^2 = 40 > 2; n = 3: (4.303 * 0.5)^2 = 4.6
    # > 3; n = 4: (3.182 * 0.5)^2 = 2.53 <= 4
    assert replications_needed(0.5, 1.0) == 4
    assert replications_needed(0.0, 1.0) == 2
    assert replications_needed(math.nan, 1.0) == -1 and replications_needed(1.0, 0.0) == -1


@pytest.mark.parametrize(("sd", "e"), [(1.0, 0.3), (3.7, 1.0), (10.0, 0.5)])
def test_replications_is_the_smallest_n_whose_interval_is_narrow_enough(sd: float,
                                                                       e: float) -> None:
    n = replications_needed(sd, e)
    assert sps.t.ppf(0.975, n - 1) * sd / math.sqrt(n) <= e
    assert sps.t.ppf(0.975, n - 2) * sd / math.sqrt(n - 1) > e


# -- daily series -----------------------------------------------------------------------------
def test_daily_helpers_match_the_monitor() -> None:
    lv = Level(2.0)
    for t, v in [(100.0, 5.0), (1440.0, 1.0), (2000.0, 3.0), (2000.0, 4.0), (5000.0, 0.0)]:
        lv.set(t, v)
    daily = level_daily_means(lv, 5)
    expected = [lv.mean(Window(d * MIN_PER_DAY, (d + 1) * MIN_PER_DAY)) for d in range(5)]
    np.testing.assert_allclose(daily, expected)
    ta = Tally()
    for t, v in [(10.0, 100.0), (20.0, 300.0), (1500.0, 50.0), (4400.0, 500.0)]:
        ta.record(t, v)
    share = tally_daily_share(ta, 4, 240.0)
    np.testing.assert_allclose(share[[0, 1, 3]], [50.0, 100.0, 0.0])
    assert math.isnan(share[2])


def test_daily_series_is_the_same_run_as_the_replication() -> None:
    sc = small_scenario(0.05, 30)
    d = daily_series(sc, 7, 1)
    kpis = run_replication(sc, 7, 1).kpis
    w, days = sc.run.warmup_days, sc.run.warmup_days + sc.run.measurement_days
    assert all(v.shape == (days,) for v in d.values())
    assert set(d) == {s.name for s in SERIES}
    occupancy = 100 * d["acute_occupied"][w:].mean() / sc.acute.beds
    assert occupancy == pytest.approx(kpis["acute_occupancy_all_beds_pct"], rel=1e-9)
    vw = 100 * d["vw_occupied"][w:].mean() / sc.virtual_ward.beds
    assert vw == pytest.approx(kpis["vw_occupancy_pct"], rel=1e-9)
    off = daily_series(small_scenario(0.05, 30, "virtual_ward.enabled=false"), 7, 1)
    assert "vw_occupied" not in off and "ed_4h_pct" in off


# -- end to end -------------------------------------------------------------------------------
@pytest.mark.slow
def test_advise_end_to_end_on_an_overloaded_small_scenario() -> None:
    sc = small_scenario(0.1, 200, "reablement.packages=10", "run.warmup_days=7")
    started = time.perf_counter()
    a = advise(sc, seed=99, pilot=3, workers=2)
    assert time.perf_counter() - started < 60
    assert a.days == 207 and a.pilot == 3
    assert "reablement_queue" in a.never_settles
    assert any("never settles" in w for w in a.warnings)
    assert a.warmup_days % 7 == 0 and a.warmup_days > 7
    assert any("longer than the scenario's warmup_days = 7" in w for w in a.warnings)
    counted = [s.warmup_days for s in a.series if s.status not in (NEVER_SETTLES, DRIFTS)]
    assert a.warmup_days == 7 * math.ceil(max(counted) / 7)
    assert [k.kpi for k in a.kpis] == list(MAIN_KPIS)
    assert all(k.replications >= 2 for k in a.kpis)
    assert a.replications == max(k.replications for k in a.kpis)
    assert next(k for k in a.kpis if k.kpi == "reablement_2d_pct").unsettled
    ed = next(k for k in a.kpis if k.kpi == "ed_4h_pct")
    runs = [run_replication(sc, 99, r).kpis["ed_4h_pct"] for r in range(3)]
    assert ed.mean == pytest.approx(np.mean(runs)) and ed.sd == pytest.approx(np.std(runs, ddof=1))
    assert ed.tolerance == 1.0  # the pilots are the first replications of a run
    text = format_advice(a)
    for needle in ("MSER-5", "suggested warm-up", "suggested replications", "reablement queue",
                   "never settles", "ed_4h_pct"):
        assert needle in text


def test_quick_advise_on_a_tiny_scenario() -> None:
    """Quick tier: test_advise_end_to_end_on_an_overloaded_small_scenario (slow) on a
    twentieth-size, seven-week run: the shape of the advice only, the run being too short
    for its warm-up and never-settles findings."""
    sc = small_scenario(0.05, 42, "run.warmup_days=7")
    a = advise(sc, seed=99, pilot=2, workers=1)
    assert a.days == 49 and a.pilot == 2 and a.warmup_days % 7 == 0
    assert [k.kpi for k in a.kpis] == list(MAIN_KPIS)
    assert a.replications == max(k.replications for k in a.kpis)
    ed = next(k for k in a.kpis if k.kpi == "ed_4h_pct")
    runs = [run_replication(sc, 99, r).kpis["ed_4h_pct"] for r in range(2)]
    assert ed.mean == pytest.approx(np.mean(runs)) and ed.sd == pytest.approx(np.std(runs, ddof=1))
    text = format_advice(a)
    for needle in ("MSER-5", "suggested warm-up", "suggested replications", "ed_4h_pct"):
        assert needle in text
