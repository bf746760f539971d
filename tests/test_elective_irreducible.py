"""Irreducible pathway time (``elective.work``): with ample capacity a pathway takes its working
time and no more; the times are drawn from their own streams (nothing else moves); pathways
still doing their work wait on the list (and for a test, on the DM01 list)."""

from __future__ import annotations

import numpy as np
import pytest

from sim.checks.verify.common import BASELINE, alone, simulate
from sim.checks.verify.elective import NO_OTHER_DEMAND
from sim.core.clock import MIN_PER_DAY, Window
from sim.model.services import elective as el
from sim.scenario.sections.elective import MODALITIES, SPECIALTIES

WEEK = 7.0
# whole weeks, so a pathway referred on a weekday finds each next step on a weekday
FIRST, TEST, REPORT, PREOP = 2 * WEEK, WEEK, WEEK, WEEK
C_FIRST, C_TEST, C_REPORT = WEEK, WEEK, WEEK
ADMIT_AT = (11.0 - 8.0) / 24  # theatre at admission_hour; referrals and clinics at 08:00


# the baseline's working times (issue 26), unset; and its cancer working times, off
NO_WORK = [f"elective.work.{k}=none" for k in (
    "first_notice_days", "test_notice_days", "reporting_days", "preop_days",
    "cancer_first_notice_days", "cancer_test_notice_days", "cancer_reporting_days")]
NO_CANCER_WORK = ["elective.cancer.mdt_weekly=false", "elective.cancer.capacity_cv=0.0",
                  "elective.cancer.workup_mean_days=0.0", "elective.cancer.staging_mean_days=0.0",
                  "elective.cancer.prep_mean_days=0.0"]


def fixed(days: float) -> str:
    return f'{{dist = "fixed", mean = {days}}}'


def work_sets(first: float = FIRST) -> list[str]:
    w = "elective.work"
    return [f"{w}.first_notice_days={fixed(first)}", f"{w}.test_notice_days={fixed(TEST)}",
            f"{w}.reporting_days={fixed(REPORT)}", f"{w}.preop_days={fixed(PREOP)}",
            f"{w}.cancer_first_notice_days={fixed(C_FIRST)}",
            f"{w}.cancer_test_notice_days={fixed(C_TEST)}",
            f"{w}.cancer_reporting_days={fixed(C_REPORT)}"]


def ample(*sets: str, days: int = 200):
    """Elective alone, no start list, every capacity far above demand, no bank holidays, a
    Monday start; cancer referrals all ruled out at their results appointment."""
    return alone("elective", [
        "elective.initial_list.pathways_per_100k=0.0", *NO_OTHER_DEMAND[:1],
        *NO_OTHER_DEMAND[2:], "elective.removal_pct_per_month=0.0",
        "elective.outpatient_slots_per_week=100000.0",
        "elective.diagnostic_slots_per_week=100000.0",
        "elective.theatre_sessions_per_week=10000.0",
        "elective.cancer.conversion_share=0.0",
        "elective.cancer.diagnosis_clinics_per_week=100000.0",
        *(f"elective.specialties.{k}.cancer_start_diagnosis_weeks=0.0" for k in SPECIALTIES),
        *(f"elective.modalities.{m}.start_weeks=0.0" for m in MODALITIES),
        *(f"elective.specialties.{k}.start_{f}_weeks=0.0" for k in SPECIALTIES
          for f in ("outpatient", "admitted")),
        *NO_WORK, *NO_CANCER_WORK, *sets], warmup_days=0, measurement_days=days, population=20_000)


def weekday_values(tally, before_day: float, at_end: bool = False) -> np.ndarray:
    """Values of pathways that started on a weekday (the run starts on a Monday), rounded;
    ``at_end``: the tally is recorded at the end of the time it measures."""
    v = np.asarray(tally.v, dtype=float)
    t = np.asarray(tally.t, dtype=float) / MIN_PER_DAY - (v if at_end else 0.0)
    keep = (np.floor(t) % 7 < 5) & (t < before_day)
    return np.round(v[keep], 4)


@pytest.fixture(scope="module")
def worked():
    return simulate(ample(*work_sets()), 0)


def test_with_ample_capacity_a_pathway_takes_its_working_time_and_no_more(worked) -> None:
    """Every RTT route's time on the list is the sum of its work: first notice (no test, with
    or without the decision follow-up, which has no work of its own), plus pre-op when
    admitted; through a test, plus its notice and reporting. Nothing waits for capacity."""
    tally = worked.tally(el.DAYS_ON_LIST)
    got = set(weekday_values(tally, 150).tolist())
    routes = {FIRST, FIRST + PREOP + ADMIT_AT, FIRST + TEST + REPORT,
              FIRST + TEST + REPORT + PREOP + ADMIT_AT}
    assert got == {round(x, 4) for x in routes}
    # a weekend referral waits for Monday's clinic, never less than its work
    values, censored = tally.select(Window(0.0, 150 * MIN_PER_DAY))
    assert values.size > 1000 and float(values[~censored].min()) >= FIRST - 1e-6


def test_cancer_referrals_take_their_own_shorter_working_time(worked) -> None:
    """Urgent referrals: booking notice, test notice and reporting, then told at once."""
    fds = weekday_values(worked.tally(el.CANCER_FDS), 150, at_end=True)
    assert fds.size > 100
    assert set(fds.tolist()) == {C_FIRST + C_TEST + C_REPORT}


def test_without_work_a_pathway_moves_on_as_soon_as_capacity_allows() -> None:
    """Defaults (no work, today's behaviour): with ample capacity a pathway stops the day it is
    referred, or at theatre that day, or (through a test, done after the day's clinics) at the
    next weekday's follow-up; the pathways made are the same as with work (own streams)."""
    mon = simulate(ample(), 0)
    v = weekday_values(mon.tally(el.DAYS_ON_LIST), 150)
    assert set(v.tolist()) == {0.0, ADMIT_AT, 1.0, 1.0 + ADMIT_AT, 3.0, 3.0 + ADMIT_AT}
    worked = simulate(ample(*work_sets()), 0)
    # every pathway is in the tally once (stopped, or open at the end): the same clock starts
    started = np.sort(np.asarray(mon.tally(el.DAYS_ON_LIST).t))
    assert started.size > 1000
    assert np.array_equal(started, np.sort(np.asarray(worked.tally(el.DAYS_ON_LIST).t)))


def test_a_pathway_in_its_booking_notice_is_on_the_list() -> None:
    """Pathways in their notice are waiting (RTT list): a longer notice, a longer list, by
    about the referrals of the extra weeks (Little's law)."""
    short = simulate(ample(*work_sets(WEEK)), 0).level(el.LIST_SIZE)
    long = simulate(ample(*work_sets(3 * WEEK)), 0).level(el.LIST_SIZE)
    t = 150 * MIN_PER_DAY
    per_day = 2700 * 0.2 / (365.25 / 12)
    extra = long.at(t) - short.at(t)
    assert extra == pytest.approx(2 * WEEK * per_day, rel=0.15)


def test_the_start_state_spends_each_stages_work_there() -> None:
    """The fluid start state: a stage's time is its work plus its wait, so a notice lengthens
    the start list's first-attendance cell by the referrals of the notice (less the few
    removed meanwhile) and pushes every later stage's clock age back by it."""
    from sim.model.services.elective import fluid
    from sim.scenario import load_scenario
    from sim.scenario.base import Duration

    sc = load_scenario(BASELINE, NO_WORK)
    cfg, pop = sc.elective, sc.population.size
    waits = fluid.start_waits(cfg)
    plain = fluid.cells(cfg, pop, waits)
    assert plain == fluid.cells(cfg, pop, waits, fluid.stage_work(cfg))  # none set: the same
    work = cfg.work.model_copy(update={"first_notice_days": Duration(dist="fixed", mean=21.0)})
    worked = fluid.cells(cfg, pop, waits, fluid.stage_work(cfg.model_copy(update={"work": work})))
    for a, b in zip(plain, worked, strict=True):
        if a.stage == 0:  # waiting for the first attendance: 21 days more of referrals
            assert b.wait_days == a.wait_days + 21
            assert b.expected > a.expected + 19 * fluid.rates(cfg, pop).rtt[
                SPECIALTIES[a.specialty]]
        else:
            assert b.base_days == pytest.approx(a.base_days + 21)


def test_the_relief_capacity_row_can_fail() -> None:
    """verify's NHSRwaitinglist relief-capacity row: the list reaches the target queue size at
    the package's relief capacity, and a capacity 3% short is caught (seed 1, 20 replications:
    p = 0.0005 against the row's threshold 0.05 / 42)."""
    from sim.checks.verify import elective as ev
    from sim.checks.verify.judging import in_ci

    cap = ev.nhsr_relief_capacity(ev.RELIEF_DEMAND, ev.RELIEF_START, ev.RELIEF_TARGET,
                                  ev.RELIEF_WEEKS)
    assert cap == pytest.approx(20 + 300 / 26)
    target = float(ev.RELIEF_TARGET)
    assert in_ci("relief", "elective", target, ev.relief_runs(1, 20)).passed
    assert not in_ci("relief", "elective", target, ev.relief_runs(1, 20, cap * 0.97)).passed
