"""Verification of urgent and emergency care: ED clinicians and UCR against Erlang C
(M/M/c), ED treatment spaces against Little's law, and a deterministic ED pathway (fixed
durations, ample capacity: time in department is the sum of the steps)."""

from __future__ import annotations

import math
from collections.abc import Iterator
from functools import cache

import numpy as np

from sim.checks.theory import erlang_c, mmc_mean_wait
from sim.checks.verify.common import (
    DAYS_PER_MONTH,
    DAYS_PER_YEAR,
    POP,
    SEED,
    alone,
    flat,
    require,
    simulate,
    time_in_window,
    wait_window,
)
from sim.checks.verify.judging import Row, in_ci, within
from sim.core.clock import MIN_PER_DAY, Window
from sim.model.replication import calendar_of
from sim.model.services import ed, ucr
from sim.scenario import Scenario

# -- 1. ED clinicians vs Erlang C -------------------------------------------------------------
ED_REPS = 20
ED_SERVICE_MINS = 30.0
# (clinicians, utilisation, measurement days): ~23k and ~35k type 1 patients a replication
ED_CASES = [(2, 0.8, 300), (8, 0.9, 100)]


def ed_scenario(servers: int, rho: float, days: int) -> Scenario:
    per_day = rho * servers / ED_SERVICE_MINS * MIN_PER_DAY
    return alone("ed", [
        f"ed.attendances_per_1000_per_year={per_day * DAYS_PER_YEAR * 1000 / POP!r}",
        "ed.arrival_mix={type3=0.0, type1_walk_in=1.0, type1_ambulance=0.0}",
        f"ed.hour_profile={flat(24)}", f"ed.weekday_profile={flat(7)}",
        f"ed.month_profile={flat(12)}",
        f"ed.clinicians_per_shift={servers}",
        "ed.cubicles=1000",  # ample spaces: the clinicians alone are the queue
        f'ed.assessment_mins={{dist="exponential", mean={ED_SERVICE_MINS}}}',
        "ed.admission_share=0.0",
        'ed.investigation_mins={dist="fixed", mean=60.0}',  # no clinician held: irrelevant
    ], warmup_days=10, measurement_days=days)


def ed_arrival_rate(sc: Scenario) -> float:
    """Type 1 arrivals per minute, from the schema's definition (per 1,000 a year)."""
    return sc.ed.attendances_per_1000_per_year * sc.population.size / 1000 / DAYS_PER_YEAR \
        / MIN_PER_DAY


@cache
def ed_runs(servers: int, rho: float, days: int, seed: int = SEED,
            reps: int = ED_REPS) -> tuple[np.ndarray, np.ndarray]:
    """Per replication: mean assessment wait (min) and share of zero waits."""
    sc = ed_scenario(servers, rho, days)
    window = wait_window(sc)
    means, zeros = [], []
    for rep in range(reps):
        mon = simulate(sc, rep, seed)
        waits, _ = mon.tally(ed.ASSESSMENT_WAIT).select(window)
        arrived, _ = mon.tally(ed.TYPE1_TIME_IN_DEPT).select(window)  # every type 1 arrival
        require(waits.size == arrived.size > 1000, "every arrival in the window was assessed")
        means.append(waits.mean())
        zeros.append(np.mean(waits == 0.0))
    return np.array(means), np.array(zeros)


# -- 1b. ED treatment spaces: Little's law ------------------------------------------------------
# Spaces are held from handover (ambulance) or being called in (walk-in) to departure, so they
# are a delay system whose holding time includes the clinician queue and boarding; Little's law
# L = lambda W holds for it whatever the distributions. 30 spaces for ~346 arrivals a day held
# ~1.5-2 h: busy most of the day, queues at times, so the check is not on an idle pool.
ED_SPACE_REPS, ED_SPACE_DAYS, ED_SPACE_TAIL_DAYS = 10, 60, 2


def ed_space_scenario() -> Scenario:
    per_day = 0.9 * 8 / ED_SERVICE_MINS * MIN_PER_DAY
    return alone("ed", [
        f"ed.attendances_per_1000_per_year={per_day * DAYS_PER_YEAR * 1000 / POP!r}",
        "ed.arrival_mix={type3=0.0, type1_walk_in=0.5, type1_ambulance=0.5}",
        f"ed.hour_profile={flat(24)}", f"ed.weekday_profile={flat(7)}",
        f"ed.month_profile={flat(12)}",
        "ed.clinicians_per_shift=9", "ed.handover_staff=2", "ed.cubicles=30",
        "ed.corridor_spaces=0",
        f'ed.assessment_mins={{dist="exponential", mean={ED_SERVICE_MINS}}}',
        'ed.investigation_mins={dist="lognormal", mean=60.0, cv=0.7}',
    ], warmup_days=5, measurement_days=ED_SPACE_DAYS + ED_SPACE_TAIL_DAYS)


@cache
def ed_space_runs(seed: int = SEED, reps: int = ED_SPACE_REPS) -> dict[str, np.ndarray]:
    """Per replication: L / (lambda W) on the spaces over a window whose holds all end, the
    sample-path identity over the whole window, the mean spaces in use and the share of
    arrivals that queued for a space."""
    sc = ed_space_scenario()
    cal = calendar_of(sc)
    full = cal.measurement
    little = Window(cal.warmup_end, cal.end - ED_SPACE_TAIL_DAYS * MIN_PER_DAY)
    out: dict[str, list[float]] = {"ratio": [], "identity": [], "in_use": []}
    for rep in range(reps):
        mon = simulate(sc, rep, seed)
        holds, censored = mon.tally(ed.SPACE_HOLD).select(little)
        require(holds.size > 10_000 and not censored.any(),
                 "every space taken in Little's window is given back")
        in_use = mon.level(ed.SPACES).mean(little)
        lam = holds.size / (little.end - little.start)
        out["ratio"].append(in_use / (lam * float(holds.mean())))
        area = mon.level(ed.SPACES).mean(full) * (full.end - full.start)
        out["identity"].append(area / time_in_window(mon.tally(ed.SPACE_HOLD), full, 1.0)
                               - 1)
        out["in_use"].append(in_use)
    return {k: np.array(v) for k, v in out.items()}


# -- 2. UCR vs Erlang C --------------------------------------------------------------------------
UCR_REPS = 20
UCR_SERVERS, UCR_RHO, UCR_VISIT_MINS, UCR_TRAVEL_MINS = 5, 0.85, 60.0, 0.001
UCR_SERVICE_MINS = UCR_VISIT_MINS + UCR_TRAVEL_MINS  # a clinician is held for travel + visit


def ucr_scenario() -> Scenario:
    per_day = UCR_RHO * UCR_SERVERS / UCR_SERVICE_MINS * MIN_PER_DAY
    return alone("ucr", [
        f"ucr.referrals_per_100k_per_month={per_day * DAYS_PER_MONTH * 1e5 / POP!r}",
        f"ucr.hour_profile={flat(24)}", "ucr.open_hour=0", "ucr.close_hour=24",
        'ucr.out_of_hours="wait"',
        f"ucr.clinicians_per_shift={UCR_SERVERS}",
        f'ucr.travel_mins={{dist="fixed", mean={UCR_TRAVEL_MINS}}}',
        f'ucr.visit_mins={{dist="exponential", mean={UCR_VISIT_MINS}}}',
        "ucr.outcomes={home=1.0, virtual_ward=0.0, reablement=0.0, ed=0.0}",
    ], warmup_days=10, measurement_days=150)


@cache
def ucr_runs(seed: int = SEED, reps: int = UCR_REPS) -> tuple[np.ndarray, np.ndarray]:
    """Per replication: mean queueing wait (response - travel, min) and share who waited."""
    sc = ucr_scenario()
    window = wait_window(sc)
    means, waited = [], []
    for rep in range(reps):
        mon = simulate(sc, rep, seed)
        values, censored = mon.tally(ucr.RESPONSE_ALL_MINS).select(window)
        require(values.size > 1000 and not censored.any(), "everyone in the window was reached")
        wait = values - UCR_TRAVEL_MINS
        means.append(wait.mean())
        waited.append(np.mean(wait > 1e-6))  # float noise of (t + travel) - t is ~1e-11
    return np.array(means), np.array(waited)


def ed_rows(seed: int = SEED) -> Iterator[Row]:
    for servers, rho, days in ED_CASES:
        sc = ed_scenario(servers, rho, days)
        lam = ed_arrival_rate(sc)
        means, zeros = ed_runs(servers, rho, days, seed)
        yield in_ci(f"Erlang C mean wait, c={servers} load={rho}", "ed",
                    mmc_mean_wait(servers, lam, ED_SERVICE_MINS), means)
        yield in_ci(f"Erlang C P(no wait), c={servers} load={rho}", "ed",
                    1 - erlang_c(servers, lam * ED_SERVICE_MINS), zeros)


def ed_space_rows(seed: int = SEED) -> Iterator[Row]:
    runs = ed_space_runs(seed)
    yield in_ci("Little L/(lambda W) = 1 on treatment spaces", "ed", 1.0, runs["ratio"])
    yield within("spaces: sample-path identity (area = time held in window)", "ed", 0.0,
                 runs["identity"], 1e-9)


def ucr_rows(seed: int = SEED) -> Iterator[Row]:
    sc = ucr_scenario()
    lam = sc.ucr.referrals_per_100k_per_month * sc.population.size / 1e5 / DAYS_PER_MONTH \
        / MIN_PER_DAY
    means, waited = ucr_runs(seed)
    yield in_ci(f"Erlang C mean wait, c={UCR_SERVERS} load={UCR_RHO}", "ucr",
                mmc_mean_wait(UCR_SERVERS, lam, UCR_SERVICE_MINS), means)
    yield in_ci(f"Erlang C P(wait), c={UCR_SERVERS} load={UCR_RHO}", "ucr",
                erlang_c(UCR_SERVERS, lam * UCR_SERVICE_MINS), waited)


def deterministic_rows(seed: int = SEED) -> Iterator[Row]:
    """Fixed durations and ample capacity: time in department = handover + assessment + tests."""
    sc = alone("ed", [
        "ed.arrival_mix={type3=0.0, type1_walk_in=0.5, type1_ambulance=0.5}",
        "ed.clinicians_per_shift=500", "ed.handover_staff=500", "ed.admission_share=0.0",
        'ed.handover_mins={dist="fixed", mean=15.0}',
        'ed.assessment_mins={dist="fixed", mean=30.0}',
        'ed.investigation_mins={dist="fixed", mean=60.0}',
    ], warmup_days=2, measurement_days=20)
    window = wait_window(sc)  # a day short of the end: every stay measured is complete
    mon = simulate(sc, 0, seed)
    ambulance, _ = mon.tally(ed.HANDOVER).select(window)
    stays, _ = mon.tally(ed.TYPE1_TIME_IN_DEPT).select(window)
    walk_in = 30.0 + 60.0
    expected = np.where(np.isin(np.round(stays, 6), [walk_in + 15.0]), walk_in + 15.0, walk_in)
    worst = float(np.max(np.abs(stays - expected))) if stays.size else math.inf
    yield Row("time in department = sum of fixed steps (max error, min)", "ed", 0.0, worst,
              worst, worst, bool(worst < 1e-6 and ambulance.size > 100
                                 and np.all(np.abs(ambulance - 15.0) < 1e-6)),
              rule="exact, 1e-6 min (outside the family)")


# interval checks this family adds to the Holm family (judging.FAMILY_SIZE)
FAMILY_ROWS = 2 * len(ED_CASES) + 1 + 2  # Erlang C rows, spaces, UCR
