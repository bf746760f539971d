"""Seasons and bank holidays: winter multipliers by month, planned capacity closed on holidays."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from conftest import BASELINE
from helpers import small_run

from sim.core.clock import MIN_PER_DAY, Calendar
from sim.core.seasons import Season, england_bank_holidays
from sim.scenario import load_scenario

CAL = Calendar(dt.date(2025, 2, 1), 59, 365)


def test_england_bank_holidays_come_from_the_package() -> None:
    days = england_bank_holidays(dt.date(2025, 4, 1), dt.date(2026, 3, 31))
    assert dt.date(2025, 4, 18) in days and dt.date(2025, 12, 26) in days  # Good Friday, Boxing
    assert dt.date(2026, 3, 17) not in days  # St Patrick's Day: Northern Ireland only
    assert len(days) == 8  # England has 8 a year


def test_month_multipliers_are_normalised_and_follow_the_calendar() -> None:
    profile = [2.0] + [1.0] * 11  # January twice as long as the rest, before normalising
    s = Season.of(CAL, profile, [1.0] * 12, bank_holidays=False)
    jan, jul = (CAL.minutes_at(dt.date(2026, 1, 15)), CAL.minutes_at(dt.date(2025, 7, 15)))
    assert s.los_factor(jan) == pytest.approx(2 * 12 / 13)
    assert s.los_factor(jul) == pytest.approx(12 / 13)
    assert s.admission_factor(jan) == 1.0 and not s.holidays
    assert Season().los_factor(123.0) == 1.0  # neutral by default


def test_holidays_are_days_from_the_start() -> None:
    s = Season.of(CAL, [1.0] * 12, [1.0] * 12, bank_holidays=True)
    christmas = (dt.date(2025, 12, 25) - CAL.start_date).days
    assert s.closed(christmas) and not s.closed(christmas - 1)


@pytest.fixture(scope="module")
def december():
    """A small run over December 2025 with and without bank holidays (same seed)."""
    on = small_run(0.1, 31, "run.warmup_days=303", seed=7)
    off = small_run(0.1, 31, "run.warmup_days=303", "seasons.bank_holidays=false", seed=7)
    return on, off


@pytest.mark.slow  # a few seconds: the full suite runs it, the quick tier need not
def test_planned_capacity_closes_on_bank_holidays(december) -> None:
    """Two bank holidays in December 2025 (25th, 26th): less elective and diagnostic
    activity than without them, and general practice runs as on a Sunday (fewer patients)."""
    on, off = december
    for kpi in ("elective_activity_pct", "diagnostic_activity_vs_ref_pct"):
        assert on.kpis[kpi] < off.kpis[kpi], kpi
    assert on.flows["primary_care"]["entered"] < off.flows["primary_care"]["entered"]


def test_winter_months_stay_longer_than_summer() -> None:
    sc = load_scenario(BASELINE)
    los = np.asarray(sc.seasons.emergency_los_month_profile)
    assert los[0] > los[6] and sc.seasons.bank_holidays
    s = Season.of(CAL, los, sc.seasons.emergency_admission_month_profile, True)
    mean = np.mean([s.los_factor(d * MIN_PER_DAY) for d in range(59, 59 + 365)])
    assert mean == pytest.approx(1.0, abs=0.01)  # the calibrated annual mean holds


def test_growth_by_service_overrides_the_default_for_that_service_only() -> None:
    """ED demand growing 50% a year from the start: more ED attendances in the second year's
    first month than with no growth; the GP's need is unchanged (common random numbers)."""
    year = (0.02, 30, "run.warmup_days=365", "elective.enabled=false")  # elective: 60% of it
    flat = small_run(*year, seed=5)
    grown = small_run(*year, "demand.growth_pct_per_year_by_service={ed=50.0}", seed=5)
    assert grown.kpis["ed_type1_attendances"] > 1.3 * flat.kpis["ed_type1_attendances"]
    assert grown.flows["primary_care"] == flat.flows["primary_care"]
