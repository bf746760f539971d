"""Statistics helpers, monitors and target verdicts."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats as sps

from sim.core.clock import Calendar, Window
from sim.core.monitor import Level, Monitor, NotFinished, Observations, Tally
from sim.core.stats import (
    holm_thresholds,
    mean_ci,
    normal_ppf,
    replications_for_confidence,
    t_ppf,
    t_sf,
    t_test_p,
    wilson_interval,
)
from sim.outputs.targets import MET, NO_DATA, NOT_MET, UNCERTAIN, verdict


@pytest.mark.parametrize("df", [1, 2, 4, 9, 29, 99, 1000])
def test_t_quantile_matches_scipy(df: int) -> None:
    for p in (0.9, 0.975, 0.995):
        assert t_ppf(p, df) == pytest.approx(sps.t.ppf(p, df), rel=1e-7)


@pytest.mark.parametrize("df", [1, 3, 9, 19, 99])
def test_t_tail_matches_scipy_far_out(df: int) -> None:
    for t in (-3.0, -0.5, 0.0, 0.7, 2.1, 5.0, 12.0, 40.0):
        assert t_sf(t, df) == pytest.approx(sps.t.sf(t, df), rel=1e-9, abs=1e-300)


def test_t_test_p_is_scipys_one_sample_t_test() -> None:
    rng = np.random.default_rng(7)
    for n in (2, 4, 10, 20):
        for shift in (0.0, 0.3, 1.0, 3.0):
            x = rng.normal(shift, 1.0, n)
            for alt in ("two-sided", "less", "greater"):
                ref = sps.ttest_1samp(x, 0.0, alternative=alt).pvalue
                assert t_test_p(x, 0.0, alt) == pytest.approx(ref, rel=1e-8, abs=1e-300)
    assert math.isnan(t_test_p([1.0], 0.0))
    assert t_test_p([2.0, 2.0], 2.0) == 1.0 and t_test_p([2.0, 2.0], 1.0) == 0.0
    assert t_test_p([2.0, 2.0], 1.0, "less") == 1.0  # constant data on the null side
    with pytest.raises(ValueError):
        t_test_p([1.0, 2.0], 0.0, "sideways")


def test_holm_is_the_step_down_on_adjusted_p_values() -> None:
    """Rejected exactly when Holm's adjusted p-value max_j<=i min(1, (m-j+1) p_(j)) <= alpha,
    and rejected == (p <= threshold) row by row."""
    rng = np.random.default_rng(3)
    for _ in range(300):
        m = int(rng.integers(1, 30))
        p = rng.uniform(0, 1, m) ** rng.uniform(1, 8)
        rejected, threshold = holm_thresholds(p, 0.05)
        order = np.argsort(p, kind="stable")
        adjusted = np.maximum.accumulate(np.minimum(1, (m - np.arange(m)) * p[order]))
        expected = np.empty(m, dtype=bool)
        expected[order] = adjusted <= 0.05
        assert np.array_equal(rejected, expected)
        assert np.array_equal(rejected, p <= threshold)
        assert np.all(threshold >= 0.05 / m - 1e-15) and np.all(threshold <= 0.05)
    rejected, threshold = holm_thresholds([0.001, 0.04, 0.02], 0.05)  # 1/3, 1/2, 1 of alpha
    assert rejected.tolist() == [True, True, True]
    assert threshold.tolist() == pytest.approx([0.05 / 3, 0.05, 0.025])
    rejected, threshold = holm_thresholds([0.001, 0.04, 0.03, np.nan], 0.05)  # m = 3
    assert rejected.tolist() == [True, False, False, False]  # 0.03 > 0.025 stops the steps
    assert threshold[:3].tolist() == pytest.approx([0.05 / 3, 0.025, 0.025])
    assert math.isnan(threshold[3])


def test_mean_ci_is_the_t_interval() -> None:
    x = np.array([1.0, 2.0, 4.0, 7.0])
    mean, sd, lo, hi, n = mean_ci(x)
    lo_ref, hi_ref = sps.t.interval(0.95, 3, loc=x.mean(), scale=sps.sem(x))
    assert (mean, n) == (3.5, 4) and sd == pytest.approx(x.std(ddof=1))
    assert (lo, hi) == pytest.approx((lo_ref, hi_ref))
    assert math.isnan(mean_ci(np.array([1.0]))[2]) and mean_ci(np.array([np.nan]))[4] == 0


def test_level_time_average_and_snapshot() -> None:
    lv = Level(0.0)
    lv.set(10, 4)
    lv.set(20, 2)
    lv.add(20, 1)  # same instant: replaces
    assert lv.mean(Window(0, 30)) == pytest.approx((0 * 10 + 4 * 10 + 3 * 10) / 30)
    assert lv.mean(Window(15, 40)) == pytest.approx((4 * 5 + 3 * 20) / 25)
    assert lv.at(10) == 4 and lv.at(19.9) == 4 and lv.at(25) == 3


def test_a_level_recorded_as_steps_cannot_be_read_before_finish() -> None:
    """Mid-run it holds only its start value (0): every way of reading it raises until
    ``Monitor.finish`` has made it, then it reads the steps."""
    mon = Monitor(Observations(levels=("beds", "list")))
    beds = mon.steps("beds")
    held = beds.level  # a reference taken before the run ends
    beds.up(10.0)
    beds.up(20.0)
    beds.down(30.0)
    with pytest.raises(NotFinished, match=r"'beds'.*Monitor\.finish"):
        mon.level("beds")
    with pytest.raises(NotFinished):
        held.mean(Window(0, 40))
    with pytest.raises(NotFinished):
        held.at(25.0)
    mon.level("list").set(5.0, 3.0)  # a level set change by change reads at any time
    assert mon.level("list").at(6.0) == 3.0
    mon.finish()
    assert mon.level("beds").mean(Window(0, 40)) == pytest.approx((10 * 1 + 10 * 2 + 10 * 1) / 40)
    assert held.at(25.0) == 2.0


def test_tally_window_is_by_reference_time_and_keeps_censored() -> None:
    t = Tally()
    t.record(5, 1.0)
    t.record(15, 2.0)
    t.record(16, 9.0, censored=True)
    v, c = t.select(Window(10, 20))
    assert v.tolist() == [2.0, 9.0] and c.tolist() == [False, True]


def test_verdicts() -> None:
    """The CI of the mean decides "not met"; "met" also needs P(met)'s lower bound."""
    sure, unsure = {"p_met_low": 0.85, "required": 0.8}, {"p_met_low": 0.72, "required": 0.8}
    assert verdict(">=", 70, 71, 75, 20, **sure) == MET
    assert verdict(">=", 70, 71, 75, 10, **unsure) == UNCERTAIN
    assert verdict(">=", 70, 60, 69, 10, **unsure) == NOT_MET
    assert verdict(">=", 70, 69, 72, 10, **sure) == UNCERTAIN
    assert verdict("<=", 10, 5, 9, 20, **sure) == MET
    assert verdict("<=", 10, 11, 12, 10, **sure) == NOT_MET
    assert verdict(">=", 70, math.nan, math.nan, 1, **sure) == UNCERTAIN
    assert verdict(">=", 70, math.nan, math.nan, 0, **sure) == NO_DATA


@pytest.mark.parametrize(("k", "n"), [(8, 10), (10, 10), (0, 10), (3, 7), (16, 16), (1, 1)])
def test_wilson_interval_matches_scipy_and_a_published_value(k: int, n: int) -> None:
    ci = sps.binomtest(k, n).proportion_ci(0.95, method="wilson")
    assert wilson_interval(k, n) == pytest.approx((ci.low, ci.high), abs=1e-9)
    # Newcombe (Statistics in Medicine 1998), Wilson score interval for 8 of 10
    assert wilson_interval(8, 10) == pytest.approx((0.4902, 0.9433), abs=5e-5)
    assert all(math.isnan(x) for x in wilson_interval(0, 0))


@pytest.mark.parametrize("required", [0.5, 0.8, 0.9, 0.95, 0.999])
def test_replications_for_confidence_is_the_fewest_that_reach_it(required: float) -> None:
    n = replications_for_confidence(required)
    assert wilson_interval(n, n)[0] >= required > wilson_interval(n - 1, n - 1)[0]


def test_sixteen_replications_for_the_default_confidence() -> None:
    assert replications_for_confidence(0.8) == 16
    assert normal_ppf(0.975) == pytest.approx(sps.norm.ppf(0.975), abs=1e-10)


def test_calendar_months_clip_to_measurement_window() -> None:
    import datetime as dt

    cal = Calendar(dt.date(2025, 2, 1), 59, 365)
    months = cal.months()
    assert months[0].label == "2025-04" and months[-1].label == "2026-03" and len(months) == 12
    assert months[0].window.start == cal.warmup_end and months[-1].window.end == cal.end
    assert sum(m.window.days for m in months) == pytest.approx(365)
