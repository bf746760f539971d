"""Verification of the bed services: virtual wards against Erlang B with three
length-of-stay distributions of the same mean (insensitivity) and before and after a capacity
schedule changes their beds; the virtual ward's step-down queue against Erlang A (M/M/c+M);
Little's law and M/G/infinity on acute beds and virtual wards."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator
from functools import cache

import numpy as np

from sim.checks.theory import erlang_a, erlang_b
from sim.checks.verify.common import (
    BASELINE,
    DAYS_PER_YEAR,
    POP,
    SEED,
    alone,
    flat,
    little_measures,
    require,
    simulate,
    wait_window,
)
from sim.checks.verify.judging import Row, in_ci
from sim.core.clock import MIN_PER_DAY, Window
from sim.model import registry
from sim.model.replication import calendar_of
from sim.model.services import acute
from sim.model.services import virtual_ward as vw_service
from sim.scenario import Scenario, load_scenario

# -- 3. and 5. Virtual wards: Erlang B (insensitivity) and Little's law --------------------------
VW_REPS = 20
VW_BEDS, VW_LOAD, VW_LOS_DAYS = 10, 8.0, 5.0  # offered load 8 Erlangs on 10 beds: B ~ 0.12
VW_DAYS, VW_TAIL_DAYS = 3000, 60  # the tail is 12 mean stays: Little's window ends before it
VW_LOS = {
    "exponential": f'{{dist="exponential", mean={VW_LOS_DAYS}}}',
    "lognormal_cv0.5": f'{{dist="lognormal", mean={VW_LOS_DAYS}, cv=0.5}}',
    "fixed": f'{{dist="fixed", mean={VW_LOS_DAYS}}}',
}


def vw_scenario(los: str, beds: int = VW_BEDS, accept_below_pct: float = 100.0) -> Scenario:
    """Direct step-ups only; accept_below_pct=100 makes the ward a pure loss system."""
    per_year = VW_LOAD / VW_LOS_DAYS * DAYS_PER_YEAR * 1e5 / POP
    return alone("virtual_ward", [
        f"virtual_ward.beds={beds}",
        "virtual_ward.wards={all={bed_share=1.0, demand_share=1.0}}",
        f"virtual_ward.accept_below_pct={accept_below_pct!r}",
        f"virtual_ward.direct_referrals_per_100k_per_year={per_year!r}",
        f"virtual_ward.step_up_los_days={VW_LOS[los]}",
    ], warmup_days=100, measurement_days=VW_DAYS + VW_TAIL_DAYS)


@cache
def vw_runs(los: str, beds: int = VW_BEDS, accept_below_pct: float = 100.0, seed: int = SEED,
            reps: int = VW_REPS) -> dict[str, np.ndarray]:
    sc = vw_scenario(los, beds, accept_below_pct)
    cal = calendar_of(sc)
    full = cal.measurement
    little = Window(cal.warmup_end, cal.end - VW_TAIL_DAYS * MIN_PER_DAY)
    out: dict[str, list[float]] = {"blocked": [], "occupied": [], "ratio": [], "literal": [],
                                   "identity": []}
    for rep in range(reps):
        mon = simulate(sc, rep, seed)
        offered, _ = mon.tally(vw_service.OFFERED).select(full)
        out["blocked"].append(np.mean(offered == 0.0))
        out["occupied"].append(mon.level(vw_service.OCCUPIED).mean(full))
        for k, val in little_measures(mon, vw_service.OCCUPIED, vw_service.LOS_DAYS, little,
                                      full).items():
            out[k].append(val)
    return {k: np.array(v) for k, v in out.items()}


def vw_offered_load(sc: Scenario) -> float:
    vw = sc.virtual_ward
    per_day = vw.direct_referrals_per_100k_per_year * sc.population.size / 1e5 / DAYS_PER_YEAR
    return per_day * vw.step_up_los_days.mean


def vw_rows(seed: int = SEED) -> Iterator[Row]:
    for los in VW_LOS:
        a = vw_offered_load(vw_scenario(los))
        runs = vw_runs(los, seed=seed)
        blocking = erlang_b(VW_BEDS, a)
        yield in_ci(f"Erlang B blocking, {los} stays", "virtual_ward", blocking, runs["blocked"])
        yield in_ci(f"carried load a(1-B), {los} stays", "virtual_ward", a * (1 - blocking),
                    runs["occupied"])
        yield in_ci(f"Little L/(lambda W) = 1, {los} stays", "virtual_ward", 1.0, runs["ratio"])


# -- 5b. A capacity schedule: Erlang B before and after the date the beds change -------------
# The same loss system as above (exponential stays) with 10 beds, then 14 from the switch date:
# each period's blocking is Erlang B of its own beds (sim.core.capacity applies the change). The
# first 60 days after the switch (12 mean stays) are left out while the ward settles.
SCHED_BEDS, SCHED_DAYS, SCHED_SETTLE_DAYS = (10, 14), 1500, 60


def schedule_scenario() -> Scenario:
    start = dt.date(2025, 1, 6)  # alone()'s start date
    switch = start + dt.timedelta(days=100 + SCHED_DAYS)
    per_year = VW_LOAD / VW_LOS_DAYS * DAYS_PER_YEAR * 1e5 / POP
    return alone("virtual_ward", [
        f'virtual_ward.beds={{ "{start}" = {SCHED_BEDS[0]}, "{switch}" = {SCHED_BEDS[1]} }}',
        "virtual_ward.wards={all={bed_share=1.0, demand_share=1.0}}",
        "virtual_ward.accept_below_pct=100.0",
        f"virtual_ward.direct_referrals_per_100k_per_year={per_year!r}",
        f"virtual_ward.step_up_los_days={VW_LOS['exponential']}",
    ], warmup_days=100, measurement_days=2 * SCHED_DAYS)


@cache
def schedule_runs(seed: int = SEED, reps: int = VW_REPS) -> dict[str, np.ndarray]:
    """Per replication: the share of referrals turned away before and after the switch."""
    sc = schedule_scenario()
    cal = calendar_of(sc)
    switch = cal.warmup_end + SCHED_DAYS * MIN_PER_DAY
    windows = {"before": Window(cal.warmup_end, switch),
               "after": Window(switch + SCHED_SETTLE_DAYS * MIN_PER_DAY, cal.end)}
    out: dict[str, list[float]] = {k: [] for k in windows}
    for rep in range(reps):
        mon = simulate(sc, rep, seed)
        for k, w in windows.items():
            offered, _ = mon.tally(vw_service.OFFERED).select(w)
            out[k].append(np.mean(offered == 0.0))
    return {k: np.array(v) for k, v in out.items()}


def schedule_rows(seed: int = SEED) -> Iterator[Row]:
    a = vw_offered_load(schedule_scenario())
    runs = schedule_runs(seed)
    for period, beds in zip(("before", "after"), SCHED_BEDS, strict=True):
        yield in_ci(f"Erlang B blocking {period} a scheduled change, {beds} beds",
                    "virtual_ward", erlang_b(beds, a), runs[period])


# -- 4. Little's law on acute beds (and M/G/infinity) ------------------------------------------
ACUTE_REPS = 10
ACUTE_DAYS, ACUTE_TAIL_DAYS = 1000, 61
ACUTE_LOS = (6.4, 1.2, 60.0)  # lognormal mean, cv, cap (days); the cap keeps every stay < tail
ACUTE_FLOOR_DAYS = 1.01  # the model's floor on stays over a day (acute.py)


def acute_scenario() -> Scenario:
    mean, cv, cap = ACUTE_LOS
    return alone("acute", [
        "acute.direct_admissions_per_100k_per_year=7300.0",  # 20 a day
        f"acute.direct_admission_hour_profile={flat(24)}",
        "acute.zero_day_share=0.0",
        f'acute.emergency_los_days={{dist="lognormal", mean={mean}, cv={cv}, cap={cap}}}',
        "acute.destinations={home=1.0, reablement=0.0, other_support=0.0}",
        "acute.turnaround_hours=0.0",
        "acute.discharge_open_hour=0", "acute.discharge_close_hour=24",
        "acute.weekend_discharge_share=1.0", "acute.discharge_spread_hours=0.0",
        "acute.beds=400", "acute.elective_ring_fenced_beds=0",  # mean occupancy ~126
        "acute.wards=1",  # one pool: ample beds, nobody waits (wards: tests/test_rota.py)
    ], warmup_days=2 * int(cap), measurement_days=ACUTE_DAYS + ACUTE_TAIL_DAYS)


def clipped_lognormal_mean(mean: float, cv: float, low: float, high: float) -> float:
    """E[min(max(X, low), high)] for X lognormal with this mean and cv."""
    s2 = math.log1p(cv * cv)
    mu, s = math.log(mean) - s2 / 2, math.sqrt(s2)

    def cdf(x: float) -> float:
        return 0.5 * (1 + math.erf((math.log(x) - mu) / (s * math.sqrt(2))))

    def partial(x: float) -> float:  # E[X; X <= x]
        return mean * 0.5 * (1 + math.erf((math.log(x) - mu - s2) / (s * math.sqrt(2))))

    return low * cdf(low) + partial(high) - partial(low) + high * (1 - cdf(high))


@cache
def acute_runs(seed: int = SEED, reps: int = ACUTE_REPS) -> dict[str, np.ndarray]:
    sc = acute_scenario()
    cal = calendar_of(sc)
    full = cal.measurement
    little = Window(cal.warmup_end, cal.end - ACUTE_TAIL_DAYS * MIN_PER_DAY)
    out: dict[str, list[float]] = {"ratio": [], "literal": [], "identity": [], "occupied": []}
    for rep in range(reps):
        mon = simulate(sc, rep, seed)
        waits = np.asarray(mon.tally(acute.BED_WAIT).v)
        require(waits.size > 10_000 and waits.max() == 0.0, "beds are ample: nobody waits")
        _, censored = mon.tally(acute.STAY_DAYS).select(little)
        require(not censored.any(), "every stay starting in Little's window is complete")
        out["occupied"].append(mon.level(acute.OCCUPIED).mean(little))
        for k, val in little_measures(mon, acute.OCCUPIED, acute.STAY_DAYS, little,
                                      full).items():
            out[k].append(val)
    return {k: np.array(v) for k, v in out.items()}


def acute_rows(seed: int = SEED) -> Iterator[Row]:
    sc = acute_scenario()
    mean, cv, cap = ACUTE_LOS
    lam = sc.acute.direct_admissions_per_100k_per_year * sc.population.size / 1e5 / DAYS_PER_YEAR
    runs = acute_runs(seed)
    yield in_ci("Little L/(lambda W) = 1", "acute", 1.0, runs["ratio"])
    yield in_ci("M/G/infinity occupied beds = lambda E[stay]", "acute",
                lam * clipped_lognormal_mean(mean, cv, ACUTE_FLOOR_DAYS, cap), runs["occupied"])


# -- 8. Virtual ward step-down queue vs Erlang A ---------------------------------------------------
# Acute beds (ample) and one virtual ward: every inpatient stays a fixed 30 days and becomes
# eligible to step down an exponential time before medically fit; discharge hours all day. So
# step-downs reach the ward as a Poisson stream (a Poisson process shifted by iid delays) and wait
# at most that exponential time (patience ends when fit): with exponential ward stays the ward is
# M/M/c+M, Erlang A.
SD_REPS = 10
SD_BEDS, SD_PER_DAY, SD_LOS_DAYS, SD_PATIENCE_DAYS = 10, 2.4, 5.0, 2.0  # offered 12 Erlangs
SD_ACUTE_LOS_DAYS, SD_WARMUP_DAYS, SD_DAYS = 30.0, 90, 1500


def step_down_scenario() -> Scenario:
    others = [f"{s}.enabled=false" for s in registry.REGISTRY
              if s not in ("acute", "virtual_ward")]
    return load_scenario(BASELINE, [
        *others, f"population.size={POP}", "demand.growth_pct_per_year=0.0",
        "run.start_date=2025-01-06", f"run.warmup_days={SD_WARMUP_DAYS}",
        f"run.measurement_days={SD_DAYS}",
        f"acute.direct_admissions_per_100k_per_year={SD_PER_DAY * DAYS_PER_YEAR * 1e5 / POP!r}",
        f"acute.direct_admission_hour_profile={flat(24)}", "acute.zero_day_share=0.0",
        f'acute.emergency_los_days={{dist="fixed", mean={SD_ACUTE_LOS_DAYS}}}',
        "acute.destinations={home=1.0, reablement=0.0, other_support=0.0}",
        "acute.beds=1000", "acute.elective_ring_fenced_beds=0", "acute.escalation_beds=0",
        "acute.turnaround_hours=0.0", "acute.discharge_open_hour=0",
        "acute.discharge_close_hour=24", "acute.weekend_discharge_share=1.0",
        "acute.discharge_spread_hours=0.0", "acute.vw_step_down_share=1.0",
        f'acute.vw_step_down_saving_days={{dist="exponential", mean={SD_PATIENCE_DAYS}}}',
        f"virtual_ward.beds={SD_BEDS}", "virtual_ward.accept_below_pct=100.0",
        "virtual_ward.caseload_per_clinician=0.0", "virtual_ward.escalation_share=0.0",
        "virtual_ward.wards={all={bed_share=1.0, demand_share=1.0}}",
        "virtual_ward.direct_referrals_per_100k_per_year=0.0",
        f'virtual_ward.step_down_los_days={{dist="exponential", mean={SD_LOS_DAYS}}}',
    ])


@cache
def step_down_runs(seed: int = SEED, reps: int = SD_REPS) -> dict[str, np.ndarray]:
    """Per replication: the share of step-down referrals who gave up (fit first), the mean
    beds occupied and the mean number waiting, over the measurement window."""
    sc = step_down_scenario()
    window = wait_window(sc)
    out: dict[str, list[float]] = {"gave_up": [], "busy": [], "queue": []}
    for rep in range(reps):
        mon = simulate(sc, rep, seed)
        taken, _ = mon.tally(vw_service.STEP_DOWN_TAKEN).select(window)
        require(taken.size > 2000, "thousands of step-down referrals in the window")
        out["gave_up"].append(float(np.mean(taken == 0.0)))
        out["busy"].append(mon.level(vw_service.OCCUPIED).mean(window))
        out["queue"].append(mon.level(vw_service.STEP_DOWN_QUEUE).mean(window))
    return {k: np.array(v) for k, v in out.items()}


def step_down_rows(seed: int = SEED) -> Iterator[Row]:
    theory = erlang_a(SD_BEDS, SD_PER_DAY, 1 / SD_LOS_DAYS, 1 / SD_PATIENCE_DAYS)
    runs = step_down_runs(seed)
    what = f"c={SD_BEDS} load={SD_PER_DAY * SD_LOS_DAYS:g}"
    yield in_ci(f"Erlang A share giving up, {what}", "virtual_ward", theory["gave_up"],
                runs["gave_up"])
    yield in_ci(f"Erlang A beds occupied, {what}", "virtual_ward", theory["busy"], runs["busy"])
    yield in_ci(f"Erlang A mean waiting, {what}", "virtual_ward", theory["queue"],
                runs["queue"])


# interval checks this family adds to the Holm family (judging.FAMILY_SIZE)
FAMILY_ROWS = 3 * len(VW_LOS) + len(SCHED_BEDS) + 3 + 2  # wards, schedule, step-down, acute
