"""The elective pathway as a fluid: daily rates, equilibrium waits and the start state.

Every wait is a first-in-first-out queue for one capacity, and every waiting pathway (and every
overdue follow-up or direct-access request) leaves untreated at the removal rate ``r`` a day.
A queue whose arrivals ``lam`` exceed the capacity ``c`` left for it therefore settles where
removals close the gap: everyone waits ``W = ln(lam / c) / r`` days, the survivors
``lam e^{-rW}`` are served (exactly ``c``), and those waiting have waited between 0 and ``W``
with density proportional to ``e^{-rt}``. A queue with ``c >= lam`` has no backlog (W = 0).

``equilibrium`` solves these waits for a scenario's capacities (they couple: follow-ups
depend on who survives the first wait). ``cells`` turns given start waits (the scenario's
``start_*_weeks``) into the expected number of pathways at each stage and their clock age, so
the starting list is the one the model's own dynamics hold when the start waits are the
equilibrium of the baseline's capacities (``benchmarks/elective_calibrate.py`` writes them;
``tests/test_elective.py`` checks them).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from sim.scenario.sections.elective import MODALITIES, ElectiveSection

DAYS_PER_WEEK = 7.0
DAYS_PER_MONTH = 365.25 / 12
DAYS_PER_YEAR = 365.25
LONG_DAYS = 20 * 365.25  # a queue with (almost) no capacity left: a wait longer than any run


def removal_per_day(cfg: ElectiveSection) -> float:
    return cfg.removal_pct_per_month / 100 / DAYS_PER_MONTH


def settled_wait(lam: float, c: float, r: float) -> float:
    """Days everyone waits in a FIFO queue with removal at rate r a day (0 if c covers lam)."""
    if lam <= c or lam <= 0:
        return 0.0
    if c <= 0 or r <= 0:
        return LONG_DAYS
    return min(math.log(lam / c) / r, LONG_DAYS)


def survive(r: float, w: float) -> float:
    return math.exp(-r * w)


def stock(lam: float, r: float, w: float) -> float:
    """Expected number waiting in a queue joined at ``lam`` a day, each for ``w`` days."""
    return lam * w if r <= 0 else lam * -math.expm1(-r * w) / r


@dataclass
class Rates:
    """Daily demand and capacity of one scenario (whole population, mean over the week)."""

    rtt: dict[str, float] = field(default_factory=dict)  # RTT referrals by specialty
    followups: dict[str, float] = field(default_factory=dict)  # non-RTT follow-ups
    cancer: dict[str, float] = field(default_factory=dict)  # USC referrals by specialty
    cancer_tests: dict[str, float] = field(default_factory=dict)  # by modality
    outpatients: dict[str, float] = field(default_factory=dict)  # attendances a day
    sessions: dict[str, float] = field(default_factory=dict)  # theatre sessions a day
    tests: dict[str, float] = field(default_factory=dict)  # tests a day by modality
    unscheduled: dict[str, float] = field(default_factory=dict)
    direct: dict[str, float] = field(default_factory=dict)


def rates(cfg: ElectiveSection, population: float) -> Rates:
    scale = population / 1e5
    out = Rates()
    ref = cfg.referrals_per_100k_per_month * scale / DAYS_PER_MONTH
    fu = (cfg.followups_per_100k_per_year * scale / DAYS_PER_YEAR
          * (1 - cfg.followup_reduction_pct / 100))
    usc = cfg.cancer.referrals_per_100k_per_month * scale / DAYS_PER_MONTH
    for k, s in cfg.specialties.items():
        out.rtt[k] = ref * s.referral_share
        out.followups[k] = fu * s.followup_share
        out.cancer[k] = usc * s.cancer_share
        out.outpatients[k] = (cfg.outpatient_slots_per_week / DAYS_PER_WEEK * s.outpatient_share
                              * s.capacity_pct / 100)
        out.sessions[k] = (cfg.theatre_sessions_per_week / DAYS_PER_WEEK * s.theatre_share
                           * s.capacity_pct / 100)
    for k, m in cfg.modalities.items():
        out.tests[k] = (cfg.diagnostic_slots_per_week / DAYS_PER_WEEK * m.capacity_share
                        * m.capacity_pct / 100)
        out.unscheduled[k] = m.unscheduled_per_100k_per_month * scale / DAYS_PER_MONTH
        out.direct[k] = m.direct_access_per_100k_per_month * scale / DAYS_PER_MONTH
        out.cancer_tests[k] = usc * m.cancer_share
    return out


def case_sessions(cfg: ElectiveSection, day_case_share: float, cancelled: float = 0.0) -> float:
    """Mean theatre sessions one admitted case of a specialty uses; an inpatient list place is
    used up ``1 / (1 - cancelled)`` times per operation when a share is cancelled for want of
    a bed."""
    return (day_case_share / cfg.day_cases_per_session
            + (1 - day_case_share) / cfg.inpatients_per_session / (1 - cancelled))


@dataclass
class Waits:
    """Days waited in each queue: outpatients and admitted (P4) by specialty, tests by
    modality."""

    outpatient: dict[str, float]
    admitted: dict[str, float]
    test: dict[str, float]


def start_waits(cfg: ElectiveSection) -> Waits:
    """The scenario's start state, in days."""
    return Waits({k: s.start_outpatient_weeks * DAYS_PER_WEEK for k, s in cfg.specialties.items()},
                 {k: s.start_admitted_weeks * DAYS_PER_WEEK for k, s in cfg.specialties.items()},
                 {k: m.start_weeks * DAYS_PER_WEEK for k, m in cfg.modalities.items()})


def _rtt_flows(cfg: ElectiveSection, rt: Rates, w: Waits, r: float, k: str
               ) -> tuple[float, float, float]:
    """(surviving the first wait, follow-up arrivals, decisions) a day for specialty k."""
    s = getattr(cfg.specialties, k)
    mods = cfg.modalities
    s1 = rt.rtt[k] * survive(r, w.outpatient[k])
    after_test = sum(getattr(mods, m).rtt_share * survive(r, w.test[m]) for m in MODALITIES)
    fu = s1 * s.diagnostics_share * after_test + s1 * (1 - s.diagnostics_share) \
        * cfg.decision_followup_share
    decided = fu * survive(r, w.outpatient[k]) + s1 * (1 - s.diagnostics_share) \
        * (1 - cfg.decision_followup_share)
    return s1, fu, decided


def equilibrium(cfg: ElectiveSection, population: float, cancelled: float = 0.0,
                iterations: int = 60) -> Waits:
    """The waits at which removals balance the shortfall of every queue (fixed point);
    ``cancelled``: share of inpatient operations cancelled on the day (no bed)."""
    r = removal_per_day(cfg)
    rt = rates(cfg, population)
    w = Waits({k: 0.0 for k in rt.rtt}, {k: 0.0 for k in rt.rtt}, {m: 0.0 for m in MODALITIES})
    mods = cfg.modalities
    cancer_dx = sum(rt.cancer.values()) * cfg.cancer.conversion_share * cfg.cancer.surgical_share
    ca_cost = case_sessions(cfg, 1 - cfg.cancer.inpatient_share, cancelled)
    for _ in range(iterations):
        test_demand = {m: rt.direct[m] for m in MODALITIES}
        for k, s in cfg.specialties.items():
            s1, fu, decided = _rtt_flows(cfg, rt, w, r, k)
            for m in MODALITIES:
                test_demand[m] += s1 * s.diagnostics_share * getattr(mods, m).rtt_share
            w.outpatient[k] = settled_wait(rt.rtt[k] + fu + rt.followups[k],
                                           rt.outpatients[k] - rt.cancer[k], r)
            cost = case_sessions(cfg, s.day_case_share, cancelled)
            adm = decided * s.admitted_share * cost
            p = cfg.priority
            left = rt.sessions[k] - adm * (p.p1 + p.p2 + p.p3) - cancer_dx * s.cancer_share \
                * ca_cost
            w.admitted[k] = settled_wait(adm * p.p4, left, r)
        for m in MODALITIES:
            w.test[m] = settled_wait(test_demand[m],
                                     rt.tests[m] - rt.unscheduled[m] - rt.cancer_tests[m], r)
    return w


@dataclass(frozen=True)
class Cell:
    """Pathways at one stage that share their route: expected number and clock ages."""

    specialty: int
    stage: int  # OP, DIAG, FU or ADM (see service)
    expected: float
    base_days: float  # clock age on joining this stage
    wait_days: float  # the stage's wait: time in stage is between 0 and this
    modality: int = -1  # for DIAG and routes through a test
    admitted: bool = False  # routes that end on the admitted list


OP, DIAG, FU, ADM = range(4)


@dataclass(frozen=True)
class StageWork:
    """Mean irreducible days at each RTT stage before its queue (``cfg.work``; 0: none)."""

    first: float = 0.0  # booking notice before the first attendance
    test: float = 0.0  # booking notice before the test
    reporting: float = 0.0  # test to results available for the follow-up
    preop: float = 0.0  # decision to admit to ready for theatre


def stage_work(cfg: ElectiveSection) -> StageWork:
    """The scenario's mean work at each stage (a cap is ignored: a slight overstatement)."""
    w = cfg.work

    def mean(d) -> float:
        return 0.0 if d is None else d.mean

    return StageWork(mean(w.first_notice_days), mean(w.test_notice_days),
                     mean(w.reporting_days), mean(w.preop_days))


def cells(cfg: ElectiveSection, population: float, w: Waits,
          work: StageWork | None = None) -> list[Cell]:
    """The RTT list implied by the waits ``w`` (priorities P1-P3 wait ~0 and are left out);
    ``work``: each stage's mean work, spent there before its wait, so a pathway's time at the
    stage is at least its work (the start state marks those still working)."""
    work = work or StageWork()
    r = removal_per_day(cfg)
    rt = rates(cfg, population)
    out: list[Cell] = []
    p4 = cfg.priority.p4
    for si, (k, s) in enumerate(cfg.specialties.items()):
        wo, wa = w.outpatient[k], w.admitted[k] + work.preop
        w1, wr = wo + work.first, wo + work.reporting  # first attendance; results follow-up
        out.append(Cell(si, OP, stock(rt.rtt[k], r, w1), 0.0, w1))
        s1 = rt.rtt[k] * survive(r, w1)
        routes: list[tuple[float, float, int]] = []  # (decisions a day, clock age, modality)
        for mi, (m, mod) in enumerate(cfg.modalities.items()):
            wt = w.test[m] + work.test
            lam = s1 * s.diagnostics_share * mod.rtt_share
            out.append(Cell(si, DIAG, stock(lam, r, wt), w1, wt, mi))
            lam_fu = lam * survive(r, wt)
            out.append(Cell(si, FU, stock(lam_fu, r, wr), w1 + wt, wr, mi))
            routes.append((lam_fu * survive(r, wr), w1 + wt + wr, mi))
        lam_fu = s1 * (1 - s.diagnostics_share) * cfg.decision_followup_share
        out.append(Cell(si, FU, stock(lam_fu, r, wo), w1, wo))
        routes.append((lam_fu * survive(r, wo), w1 + wo, -1))
        routes.append((s1 * (1 - s.diagnostics_share) * (1 - cfg.decision_followup_share), w1,
                       -1))
        for lam, age, mi in routes:
            out.append(Cell(si, ADM, stock(lam * s.admitted_share * p4, r, wa), age, wa, mi,
                            True))
    return out


def ages_in_stage(u: np.ndarray, r: float, wait: float) -> np.ndarray:
    """Inverse CDF of time in stage (density ~ e^{-rt} on [0, wait]) at uniforms ``u``."""
    if r <= 0 or wait <= 0:
        return u * wait
    return -np.log1p(-u * -math.expm1(-r * wait)) / r
