"""The elective pathway as a fluid: daily rates, equilibrium waits and the start state.

Every wait is a first-in-first-out queue for one capacity, and every waiting pathway (and every
overdue follow-up or direct-access request) leaves untreated at the removal rate ``r`` a day.
A queue whose arrivals ``lam`` exceed the capacity ``c`` left for it therefore settles where
removals close the gap: everyone waits ``W = ln(lam / c) / r`` days, the survivors
``lam e^{-rW}`` are served (exactly ``c``), and those waiting have waited between 0 and ``W``
with density proportional to ``e^{-rt}``. A queue with ``c >= lam`` has no backlog (W = 0).
With removals by weeks waited and stage (``hazard``: ``e^{-rW}`` becomes the survival of the
hazard from the age a pathway joins at), the wait solves ``sum lam_i S_i(W) = c`` instead.

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

from sim.model.services.elective.hazard import ADM, DIAG, FU, LONG_DAYS, OP, Hazard
from sim.scenario.sections.elective import MODALITIES, ElectiveSection

DAYS_PER_WEEK = 7.0
DAYS_PER_MONTH = 365.25 / 12
DAYS_PER_YEAR = 365.25


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


@dataclass
class Routes:
    """Where one specialty's pathways go a day, with their clock age on joining each stage:
    tests ``(modality, lam, age)``, follow-ups and decisions ``(modality or -1, lam, age)``."""

    first: float  # surviving the first wait
    tests: list[tuple[int, float, float]]
    followups: list[tuple[int, float, float]]
    decisions: list[tuple[int, float, float]]


def routes(cfg: ElectiveSection, rt: Rates, w: Waits, hz: Hazard, k: str,
           work: StageWork | None = None) -> Routes:
    """Flows of specialty k through its stages at the waits ``w``, thinned by removals; each
    stage's ``work`` (mean irreducible days) is spent before its queue, so a stage takes work +
    wait and the clock ages include it. A follow-up after a test waits ``wo`` after its
    reporting time; one without a test waits ``wo``."""
    work = work or StageWork()
    s = getattr(cfg.specialties, k)
    wo = w.outpatient[k]
    w1, wr = wo + work.first, wo + work.reporting
    s1 = rt.rtt[k] * hz.survive(OP, 0.0, w1)
    out = Routes(s1, [], [], [])
    for mi, (m, mod) in enumerate(cfg.modalities.items()):
        wt = w.test[m] + work.test
        lam = s1 * s.diagnostics_share * mod.rtt_share
        out.tests.append((mi, lam, w1))
        lam_fu = lam * hz.survive(DIAG, w1, wt)
        out.followups.append((mi, lam_fu, w1 + wt))
        out.decisions.append((mi, lam_fu * hz.survive(FU, w1 + wt, wr), w1 + wt + wr))
    lam_fu = s1 * (1 - s.diagnostics_share) * cfg.decision_followup_share
    out.followups.append((-1, lam_fu, w1))
    out.decisions.append((-1, lam_fu * hz.survive(FU, w1, wo), w1 + wo))
    out.decisions.append((-1, s1 * (1 - s.diagnostics_share) * (1 - cfg.decision_followup_share),
                          w1))
    return out


def equilibrium(cfg: ElectiveSection, population: float, cancelled: float = 0.0,
                iterations: int = 60) -> Waits:
    """The waits at which removals balance the shortfall of every queue (fixed point);
    ``cancelled``: share of inpatient operations cancelled on the day (no bed). A stage's work
    (``stage_work``) comes before its queue: each queue is joined by the survivors of the work,
    at the clock age its work ends."""
    hz = Hazard(cfg)
    rt = rates(cfg, population)
    wk = stage_work(cfg)
    w = Waits({k: 0.0 for k in rt.rtt}, {k: 0.0 for k in rt.rtt}, {m: 0.0 for m in MODALITIES})
    cancer_dx = sum(rt.cancer.values()) * cfg.cancer.conversion_share * cfg.cancer.surgical_share
    ca_cost = case_sessions(cfg, 1 - cfg.cancer.inpatient_share, cancelled)
    p = cfg.priority

    def after(lam: float, stage: int, age: float, days: float) -> tuple[float, int, float]:
        return lam * hz.survive(stage, age, days), stage, age + days  # (through the work)

    for _ in range(iterations):
        tests: dict[str, list[tuple[float, int, float]]] = {m: [(rt.direct[m], DIAG, 0.0)]
                                                            for m in MODALITIES}
        for k, s in cfg.specialties.items():
            ro = routes(cfg, rt, w, hz, k, wk)
            for mi, lam, age in ro.tests:
                tests[MODALITIES[mi]].append(after(lam, DIAG, age, wk.test))
            w.outpatient[k] = hz.settled_wait(
                [after(rt.rtt[k], OP, 0.0, wk.first),
                 *(after(lam, FU, age, wk.reporting if mi >= 0 else 0.0)
                   for mi, lam, age in ro.followups),
                 (rt.followups[k], FU, 0.0)], rt.outpatients[k] - rt.cancer[k])
            cost = case_sessions(cfg, s.day_case_share, cancelled) * s.admitted_share
            decided = sum(lam for _, lam, _ in ro.decisions)
            left = rt.sessions[k] - decided * cost * (p.p1 + p.p2 + p.p3) \
                - cancer_dx * s.cancer_share * ca_cost
            w.admitted[k] = hz.settled_wait([after(lam * cost * p.p4, ADM, age, wk.preop)
                                             for _, lam, age in ro.decisions], left)
        for m in MODALITIES:
            w.test[m] = hz.settled_wait(tests[m], rt.tests[m] - rt.unscheduled[m]
                                        - rt.cancer_tests[m])
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
    stage is at least its work (the start state marks those still working). Removals follow
    the hazard from the clock age each stage is joined at."""
    work = work or StageWork()
    hz = Hazard(cfg)
    rt = rates(cfg, population)
    out: list[Cell] = []
    p4 = cfg.priority.p4
    for si, (k, s) in enumerate(cfg.specialties.items()):
        wo, wa = w.outpatient[k], w.admitted[k] + work.preop
        w1, wr = wo + work.first, wo + work.reporting  # first attendance; results follow-up
        out.append(Cell(si, OP, hz.stock(rt.rtt[k], OP, 0.0, w1), 0.0, w1))
        s1 = rt.rtt[k] * hz.survive(OP, 0.0, w1)
        routes: list[tuple[float, float, int]] = []  # (decisions a day, clock age, modality)
        for mi, (m, mod) in enumerate(cfg.modalities.items()):
            wt = w.test[m] + work.test
            lam = s1 * s.diagnostics_share * mod.rtt_share
            out.append(Cell(si, DIAG, hz.stock(lam, DIAG, w1, wt), w1, wt, mi))
            lam_fu = lam * hz.survive(DIAG, w1, wt)
            out.append(Cell(si, FU, hz.stock(lam_fu, FU, w1 + wt, wr), w1 + wt, wr, mi))
            routes.append((lam_fu * hz.survive(FU, w1 + wt, wr), w1 + wt + wr, mi))
        lam_fu = s1 * (1 - s.diagnostics_share) * cfg.decision_followup_share
        out.append(Cell(si, FU, hz.stock(lam_fu, FU, w1, wo), w1, wo))
        routes.append((lam_fu * hz.survive(FU, w1, wo), w1 + wo, -1))
        routes.append((s1 * (1 - s.diagnostics_share) * (1 - cfg.decision_followup_share), w1,
                       -1))
        for lam, age, mi in routes:
            out.append(Cell(si, ADM, hz.stock(lam * s.admitted_share * p4, ADM, age, wa), age,
                            wa, mi, True))
    return out


def ages_in_stage(u: np.ndarray, r: float, wait: float) -> np.ndarray:  # (flat rate r)
    """Inverse CDF of time in stage (density ~ e^{-rt} on [0, wait]) at uniforms ``u``."""
    if r <= 0 or wait <= 0:
        return u * wait
    return -np.log1p(-u * -math.expm1(-r * wait)) / r
