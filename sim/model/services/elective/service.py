"""Elective care: RTT and cancer pathways, every wait a queue for some capacity.

An RTT pathway (specialty group drawn at referral) waits for a first outpatient attendance, may
wait for a test (one modality), may wait for a follow-up attendance (results and the decision),
then stops (non-admitted) or joins its specialty's admitted list with a clinical priority
P1-P4, treated by priority (or not) and then by longest RTT wait or in turn (the day listed),
``order``, in theatre sessions (extra lists for long waiters and a cohort moved to the
independent sector are levers: ``longwait``); an inpatient also needs an acute bed at
``admission_hour`` and is cancelled on the day when none is free (back on the list).

Outpatient clinics of a specialty serve, in order of when each became due, new referrals, RTT
follow-ups and the follow-ups not on an RTT pathway (a day ledger: 1.35 million a year need no
more than counts). Each modality serves emergency and inpatient tests first, then cancer, then
RTT patients and GP direct-access requests in turn. Urgent suspected cancer referrals go first
in every queue they share (outpatients, tests, theatres); after the test each waits, in its
specialty's (tumour site's) turn, for a results appointment (told cancer is diagnosed or ruled
out: the Faster Diagnosis Standard clock stop), a diagnosed cancer then for a treatment-planning
appointment after the MDT (the decision to treat) and for its first treatment: surgery in
theatre or a non-surgical first treatment. Results clinics are split between the specialties by
their cancer share; treatment planning and non-surgical treatment are one pool each (per site,
their small queues would wander far from any start state). These three book their patients in
random order (as each patient's and clinician's availability allows, [E]), so waits spread
around the mean the backlog sets (backlog / capacity) instead of all being equal; or, as the
NHS books, by breach date, with working times between the stages (``cancer``). Capacities run
on weekdays; every waiting RTT pathway and ledger entry may be removed untreated (validation) at
the scenario's monthly rate, by weeks waited and stage (``hazard``), which is what holds a list
whose capacity falls a little short of demand steady.
The cancer queues have no removals: capacity equal to demand holds their start backlogs (on
average; they wander).

Irreducible time (``elective.work``: booking notice before a first attendance or a test,
reporting before the results follow-up, pre-operative assessment before the admitted list, and
the urgent referral's own notice and reporting) is work, not a wait: the pathway stays at its
stage (on the RTT and DM01 lists) in one heap keyed by its ready day (``pending``), released on
each clinic day into the stage's queue, so queues serve in ready order (the admitted list by
clock start, as before). With ample capacity a pathway takes its work and no more. None set,
nothing is drawn and pathways move on the day capacity allows.

Pathways live in compact arrays (``array``/``bytearray``: fast to touch one at a time, viewed as
numpy for month-end counts) and in deques or heaps, worked once a day, not as processes: about
450,000 new pathways and 1.75 million outpatient attendances a year. Month-end snapshots of the
incomplete pathways give the RTT and DM01 KPIs as NHS England counts them (waiting time of those
still waiting at month end).

The code has one module a job: the pathway store (``pathways``), the start state (``start``),
clinics (``clinics``: outpatients, tests), the cancer pathway's own clinics and non-surgical
treatment (``cancer``), theatres (``theatres``) and month-end returns (``records``), served by
the fluid equilibrium (``fluid``) and day ledgers (``ledger``). This one runs the day's cycle
that drives them (one process, about 620 steps a year) and the removals from the list.
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass

import numpy as np

from sim.core.capacity import follow
from sim.core.clock import MIN_PER_DAY, MIN_PER_HOUR
from sim.core.distributions import Sampler
from sim.model.context import Context
from sim.model.ports import PLAIN, Port, sends
from sim.model.services.elective import fluid
from sim.model.services.elective.cancer import CancerClinics
from sim.model.services.elective.clinics import Clinics
from sim.model.services.elective.hazard import Hazard
from sim.model.services.elective.pathways import ADM, DIAG, FU, REMOVED
from sim.model.services.elective.records import (
    ACTIVITIES,
    CANCER_31D,
    CANCER_62D,
    CANCER_DX_QUEUE,
    CANCER_FDS,
    DAYS_ON_LIST,
    DIAG_QUEUE,
    LIST_SIZE,
    SNAPSHOTS,
    MonthEnd,
    activity,
    snapshot,
)
from sim.model.services.elective.start import StartState
from sim.model.services.elective.theatres import CANCER, Theatres
from sim.scenario.sections.elective import (
    MODALITIES,
    SPECIALTIES,
    WORK_TIMES,
    ElectiveSection,
)


@dataclass
class ElectiveNeeds:
    # an acute bed on the day of surgery (refused: cancelled); cancer inpatients say so (a
    # trust deferring elective inpatients under pressure still operates on them)
    bed: Port | None = sends(PLAIN, CANCER)


WORK_HOUR = 8.0


class Elective(StartState, Clinics, CancerClinics, Theatres, MonthEnd):
    """Elective care for one replication: the start state, then a process that works each
    day's referrals, removals, clinics and theatre lists."""

    name = "elective"

    def __init__(self, ctx: Context, cfg: ElectiveSection):
        super().__init__(ctx, cfg)
        streams, m, calendar = ctx.streams, ctx.monitor, ctx.calendar
        self.calendar = calendar
        self.growth_pct = ctx.growth_pct
        self.population = ctx.population
        self.rates = fluid.rates(cfg, ctx.population)
        self.rng_ref = streams("arrivals.elective")
        self.rng_attr = streams("route.elective.pathway")
        self.rng_init = streams("init.elective.list")
        self.rng_cancer = streams("arrivals.elective.cancer")
        self.rng_other = streams("arrivals.elective.ledgers")
        self.rng_removal = streams("route.elective.removal")
        self.removal_p = -math.expm1(-fluid.removal_per_day(cfg))
        self.hazard = Hazard(cfg)
        self.specs = [s for _, s in cfg.specialties.items()]
        follow(ctx.env, ctx.levels("elective"), self._set_capacity)  # capacities in force
        self.mods = [x for _, x in cfg.modalities.items()]
        self.cum_spec = np.cumsum([s.referral_share for s in self.specs])
        self.cum_cspec = np.cumsum([s.cancer_share for s in self.specs])
        self.cum_mod = np.cumsum([x.rtt_share for x in self.mods])
        self.cum_cmod = np.cumsum([x.cancer_share for x in self.mods])
        p = cfg.priority
        self.cum_prio = np.cumsum([p.p1, p.p2, p.p3, p.p4])
        self.by_priority = cfg.order.startswith("priority")
        self.by_clock = cfg.order.endswith("longest_wait")
        self.listed = {}
        self.cost = (1 / cfg.day_cases_per_session, 1 / cfg.inpatients_per_session)
        self._init_store(len(self.specs), len(self.mods))
        # each irreducible time from its own stream (none drawn when it is not set)
        self.work = {k: None if (spec := getattr(cfg.work, k)) is None else
                     Sampler(spec, streams(f"route.elective.work.{k}")).next
                     for k in WORK_TIMES}
        self.rng_order = streams("route.elective.cancer.order")
        self.rng_capacity = streams("route.elective.cancer.capacity")
        self.rng_work = streams("route.elective.cancer.work")
        self._init_cancer(len(self.specs))
        self.carry: dict[tuple[str, int], float] = {}
        self.last_snapshot = -1.0
        self.snap = {k: m.tally(snapshot(k)) for k in SNAPSHOTS}
        self.act = {k: m.tally(activity(k)) for k in ACTIVITIES}
        self.list_level = m.level(LIST_SIZE)
        self.diag_level = m.level(DIAG_QUEUE)
        self.dx_level = m.level(CANCER_DX_QUEUE)
        self.t_on_list = m.tally(DAYS_ON_LIST)
        self.t_fds = m.tally(CANCER_FDS)
        self.t_62 = m.tally(CANCER_62D)
        self.t_31 = m.tally(CANCER_31D)
        self.needs: ElectiveNeeds = ElectiveNeeds()
        self._initial_state()
        ctx.env.process(self._days(math.ceil(calendar.end / MIN_PER_DAY)))
        ctx.env.process(self._snapshots())

    def _set_capacity(self, cfg: ElectiveSection) -> None:
        """Clinic, test, theatre and cancer treatment capacity in force from today (a
        capacity schedule changes it); demand rates are not capacities and stay."""
        self.rates = fluid.rates(cfg, self.population)
        self.cancer_starts_per_week = cfg.cancer.treatment_starts_per_week
        self.decision_per_week = cfg.cancer.decision_clinics_per_week
        self.dx_per_week = [cfg.cancer.diagnosis_clinics_per_week * x.cancer_share
                            for x in self.specs]


    # -- the daily cycle ----------------------------------------------------------------------
    def _days(self, days: int):
        cfg, rt = self.cfg, self.rates
        first_wd = self.calendar.start_date.weekday()
        per_day = sum(rt.rtt.values())
        usc = sum(rt.cancer.values())
        fu = [rt.followups[k] for k in SPECIALTIES]
        unsched = [rt.unscheduled[k] for k in MODALITIES]
        direct = [rt.direct[k] for k in MODALITIES]
        referrals, attributes = self._referrals(days, per_day)
        made = 0
        for day in range(days):
            t = day * MIN_PER_DAY + WORK_HOUR * MIN_PER_HOUR
            if t >= self.calendar.end:
                break
            yield self.env.timeout(t - self.env.now)
            now = t / MIN_PER_DAY
            growth = (1 + self.growth_pct / 100) ** (day / 365.25)
            n_ref = referrals[day]  # (the day's referrals, drawn with the run's: _referrals)
            if n_ref:
                first = made
                made += n_ref
                ids = self._add(np.full(n_ref, now), *(x[first:made] for x in attributes))
                spec = attributes[0][first:made]
                notice = self.work["first_notice_days"]
                if notice is None:
                    for s, q in enumerate(self.op_first):  # each specialty's, in referral order
                        q.extend((np.flatnonzero(spec == s) + ids.start).tolist())
                else:  # booked with notice: eligible from then (``_release``)
                    for i in ids:
                        heapq.heappush(self.pending, (now + notice(), i))
            self._new_cancer(int(self.rng_cancer.poisson(usc * growth)), now)
            other = self.rng_other.poisson(np.array(fu + unsched + direct) * growth).tolist()
            for s, n in enumerate(other[:len(fu)]):
                self.op_ledger[s].add(now, n)
            for m in range(len(self.mods)):
                self.diag_unscheduled[m].add(now, other[len(fu) + m])
                self.diag_direct[m].add(now, other[len(fu) + len(unsched) + m])
            self._remove_due(now)
            self._independent_sector(now)
            if (first_wd + day) % 7 < 5 and not self.ctx.season.closed(day):
                # outpatients, diagnostics and theatres on weekdays, closed on bank holidays
                self._release(now)
                self._outpatients(now)
                self._diagnostics(now)
                self._cancer_clinics(now)
                self._cancer_treatments(now)
                self.list_level.set(self.env.now, self.active)
                yield self.env.timeout(
                    max(0.0, (day * MIN_PER_DAY + cfg.admission_hour * MIN_PER_HOUR)
                        - self.env.now))
                self._theatres(now)
            self.list_level.set(self.env.now, self.active)
            self.diag_level.set(self.env.now, self._diag_waiting())
            self.dx_level.set(self.env.now, sum(len(q) for q in (*self.dx_cancer,
                                                                 *self.dx_ready)))

    def _referrals(self, days: int, per_day: float) -> tuple[list[int], tuple[np.ndarray, ...]]:
        """The run's RTT referrals at once: each day's count, then every pathway's attributes
        (the same draws from the same streams, in the same order, as day by day)."""
        growth = np.array([(1 + self.growth_pct / 100) ** (day / 365.25) for day in range(days)])
        counts = self.rng_ref.poisson(per_day * growth)
        return counts.tolist(), self._attributes(self.rng_attr.random((int(counts.sum()), 7)))

    def _remove_due(self, now: float) -> None:
        """Each waiting RTT pathway and ledger entry leaves untreated with its day's removal
        probability (cancer pathways are not removed): one flat probability, or by weeks
        waited and stage (``hazard``), one uniform a pathway."""
        if self.hazard.flat:
            self._remove_flat()
            return
        st = np.frombuffer(self.stage, dtype=np.uint8)
        waiting = np.flatnonzero(st <= ADM)
        stages = st[waiting].astype(np.intp)
        del st  # release the view: the bytearray grows again tomorrow
        age = now - np.frombuffer(self.clock, dtype=float)[waiting]
        p = self.hazard.daily_p(stages, age)
        chosen = waiting[self.rng_removal.random(waiting.size) < p]
        for i in chosen.tolist():
            self._stop(i, "redirected", REMOVED)
        self._count("removed", int(chosen.size))
        for stage, ledgers in ((FU, self.op_ledger), (DIAG, self.diag_direct)):
            for ledger in ledgers:
                if ledger.total:
                    waited, _ = ledger.waited(now)
                    ledger.thin(self.hazard.daily_p(stage, waited), self.rng_removal)

    def _remove_flat(self) -> None:
        p = self.removal_p
        if p <= 0:
            return
        st = np.frombuffer(self.stage, dtype=np.uint8)
        waiting = np.flatnonzero(st <= ADM)
        del st  # release the view: the bytearray grows again tomorrow
        k = int(self.rng_removal.binomial(waiting.size, p))
        chosen = self.rng_removal.choice(waiting, size=k, replace=False) if k else []
        for i in np.sort(chosen).tolist():
            self._stop(i, "redirected", REMOVED)
        self._count("removed", k)
        for ledger in (*self.op_ledger, *self.diag_direct):
            ledger.thin(p, self.rng_removal)
