"""Verification of elective care: Little's law on the waiting list, one diagnostic
modality and the cancer results clinic against the M/D/c queue seen daily
(``theory.daily_batch_queue_mean``; for the clinic the weekend's referrals join on Monday)."""

from __future__ import annotations

import math
from collections.abc import Iterator
from functools import cache

import numpy as np

from sim.checks.theory import daily_batch_queue_mean
from sim.checks.verify.common import (
    DAYS_PER_MONTH,
    SEED,
    alone,
    little_measures,
    require,
    simulate,
)
from sim.checks.verify.judging import Row, in_ci, within
from sim.core.clock import MIN_PER_DAY, Window
from sim.model.replication import calendar_of
from sim.model.services import elective as el_service
from sim.scenario import Scenario
from sim.scenario.sections.elective import MODALITIES

# -- 6. Little's law on the elective waiting list; one diagnostic modality vs M/D/c ----------
EL_REPS = 10
EL_POP = 20_000  # ~18 referrals a day
EL_DAYS, EL_TAIL_DAYS = 3000, 250  # every queue runs below capacity: pathways stop in weeks
EL_WARMUP_DAYS = 400
NO_OTHER_DEMAND = [  # RTT pathways only: no ledgers, no cancer
    "elective.followups_per_100k_per_year=0.0", "elective.cancer.referrals_per_100k_per_month=0.0",
    *(f"elective.modalities.{m}.{k}=0.0" for m in MODALITIES
      for k in ("unscheduled_per_100k_per_month", "direct_access_per_100k_per_month")),
]


# modality capacity shares = the baseline's RTT test mix, so no modality is short
RTT_TEST_MIX = {"mri": 0.25, "ct": 0.15, "ultrasound": 0.30, "endoscopy": 0.15, "echo": 0.15}


def elective_scenario() -> Scenario:
    # Weekly capacity (weekdays only) above demand at every stage of every specialty and
    # modality: referrals ~125 a week need ~200 outpatient attendances (first and follow-up),
    # ~48 tests (capacity split as the tests are) and ~3 theatre sessions; queues form every
    # weekend and clear within days or weeks.
    return alone("elective", [
        "elective.referrals_per_100k_per_month=2700.0",
        "elective.initial_list.pathways_per_100k=0.0",
        "elective.outpatient_slots_per_week=300.0",
        "elective.diagnostic_slots_per_week=70.0",
        "elective.theatre_sessions_per_week=10.0",
        "elective.removal_pct_per_month=1.0", *NO_OTHER_DEMAND,
        *(f"elective.modalities.{m}.capacity_share={RTT_TEST_MIX[m]}" for m in MODALITIES),
    ], warmup_days=EL_WARMUP_DAYS, measurement_days=EL_DAYS + EL_TAIL_DAYS, population=EL_POP)


@cache
def elective_runs(seed: int = SEED, reps: int = EL_REPS) -> dict[str, np.ndarray]:
    sc = elective_scenario()
    cal = calendar_of(sc)
    full = cal.measurement
    little = Window(cal.warmup_end, cal.end - EL_TAIL_DAYS * MIN_PER_DAY)
    out: dict[str, list[float]] = {"ratio": [], "literal": [], "identity": []}
    for rep in range(reps):
        mon = simulate(sc, rep, seed)
        values, censored = mon.tally(el_service.DAYS_ON_LIST).select(little)
        require(values.size > 10_000 and not censored.any(), "pathways in the window all stop")
        for k, val in little_measures(mon, el_service.LIST_SIZE, el_service.DAYS_ON_LIST, little,
                                      full).items():
            out[k].append(val)
    return {k: np.array(v) for k, v in out.items()}


DM_REPS = 10
DM_PER_DAY, DM_PER_WEEKDAY = 20.0, 30  # 140 requests a week, 150 tests: utilisation 0.93
DM_DAYS = 2000


def modality_scenario() -> Scenario:
    """MRI alone: GP direct-access requests (Poisson, every day) served 30 a weekday, in turn,
    no removal; the run starts on a Monday."""
    per_100k = DM_PER_DAY * DAYS_PER_MONTH / (EL_POP / 1e5)
    sets = [
        "elective.referrals_per_100k_per_month=0.0",
        "elective.initial_list.pathways_per_100k=0.0", "elective.removal_pct_per_month=0.0",
        *NO_OTHER_DEMAND,
        *(f"elective.modalities.{m}.{k}={1.0 if m == 'mri' else 0.0}" for m in MODALITIES
          for k in ("capacity_share", "rtt_share", "cancer_share")),
        "elective.modalities.mri.capacity_pct=100.0",
        f"elective.modalities.mri.direct_access_per_100k_per_month={per_100k!r}",
        f"elective.diagnostic_slots_per_week={5 * DM_PER_WEEKDAY}",
        "elective.modalities.mri.start_weeks=0.0",
    ]
    return alone("elective", sets, warmup_days=100, measurement_days=DM_DAYS, population=EL_POP)


def noon_queue_means(sc: Scenario, queue: str, n_days: int, seed: int, reps: int
                     ) -> np.ndarray:
    """Per replication, the mean of a daily-served queue just after each day's work (sampled
    at noon) over ``n_days`` measured days: what the daily M/D/c chain predicts."""
    cal = calendar_of(sc)
    first = math.ceil(cal.warmup_end / MIN_PER_DAY)
    days = np.arange(first, first + n_days - 1, dtype=float)
    out = []
    for rep in range(reps):
        level = simulate(sc, rep, seed).level(queue)
        out.append(float(np.mean([level.at(d * MIN_PER_DAY + 12 * 60.0) for d in days])))
    return np.array(out)


@cache
def modality_runs(seed: int = SEED, reps: int = DM_REPS) -> np.ndarray:
    """Mean number waiting for the test just after each day's work (sampled at noon)."""
    return noon_queue_means(modality_scenario(), el_service.DIAG_QUEUE, DM_DAYS, seed, reps)


CX_PER_DAY, CX_PER_WEEKDAY = 20.0, 30  # cancer referrals a day; results appointments a weekday
CX_DAYS = 2000


def cancer_clinic_scenario() -> Scenario:
    """The cancer results clinic alone: urgent referrals (Poisson, every day) seen first in
    ample outpatient and test capacity on weekdays (so Monday brings the weekend's), none
    diagnosed, told in turn at 30 results appointments a weekday; one specialty; the run starts
    on a Monday."""
    from sim.scenario.sections.elective import SPECIALTIES

    per_100k = CX_PER_DAY * DAYS_PER_MONTH / (EL_POP / 1e5)
    sets = [
        "elective.referrals_per_100k_per_month=0.0",
        "elective.initial_list.pathways_per_100k=0.0", *NO_OTHER_DEMAND[:1],
        *NO_OTHER_DEMAND[2:],
        f"elective.cancer.referrals_per_100k_per_month={per_100k!r}",
        "elective.cancer.conversion_share=0.0",
        f"elective.cancer.diagnosis_clinics_per_week={5 * CX_PER_WEEKDAY}",
        "elective.outpatient_slots_per_week=5000.0", "elective.diagnostic_slots_per_week=5000.0",
        *(f"elective.specialties.{k}.cancer_share={1.0 if k == 'other' else 0.0}"
          for k in SPECIALTIES),
        *(f"elective.specialties.{k}.cancer_start_diagnosis_weeks=0.0" for k in SPECIALTIES),
    ]
    return alone("elective", sets, warmup_days=100, measurement_days=CX_DAYS, population=EL_POP)


@cache
def cancer_clinic_runs(seed: int = SEED, reps: int = DM_REPS) -> np.ndarray:
    """Mean number waiting for a results appointment just after each day's clinics (noon)."""
    return noon_queue_means(cancer_clinic_scenario(), el_service.CANCER_DX_QUEUE, CX_DAYS, seed,
                            reps)


def elective_rows(seed: int = SEED) -> Iterator[Row]:
    runs = elective_runs(seed)
    yield in_ci("Little L/(lambda W) = 1 on the waiting list", "elective", 1.0, runs["ratio"])
    yield within("whole-window Little ratio (edge effect < 2%)", "elective", 1.0,
                 runs["literal"], 0.02)
    yield in_ci(f"M/D/c daily: mean waiting for MRI, {DM_PER_DAY:g} a day, "
                f"{DM_PER_WEEKDAY} a weekday", "elective",
                daily_batch_queue_mean(DM_PER_DAY, [DM_PER_WEEKDAY] * 5 + [0, 0]),
                modality_runs(seed))
    # referrals of Saturday and Sunday are seen (and tested) on Monday, so join on Monday
    yield in_ci(f"M/D/c daily: mean waiting for a cancer results appointment, {CX_PER_DAY:g} "
                f"referrals a day, {CX_PER_WEEKDAY} a weekday", "elective",
                daily_batch_queue_mean([3 * CX_PER_DAY] + [CX_PER_DAY] * 4 + [0.0, 0.0],
                                       [CX_PER_WEEKDAY] * 5 + [0, 0]),
                cancer_clinic_runs(seed))


# interval checks this family adds to the Holm family (judging.FAMILY_SIZE)
FAMILY_ROWS = 3  # the waiting list, MRI, the cancer clinic
