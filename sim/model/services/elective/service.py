"""Elective care: RTT and cancer pathways, every wait a queue for some capacity.

An RTT pathway (specialty group drawn at referral) waits for a first outpatient attendance, may
wait for a test (one modality), may wait for a follow-up attendance (results and the decision),
then stops (non-admitted) or joins its specialty's admitted list with a clinical priority
P1-P4, treated by priority and then in turn (longest wait first; or longest wait alone, a
scenario option) in theatre sessions; an inpatient also needs an acute bed at
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
around the mean the backlog sets (backlog / capacity) instead of all being equal. Capacities run
on weekdays; every waiting RTT pathway and ledger entry may be removed untreated (validation) at
the scenario's monthly rate, which is what holds a list whose capacity falls a little short of
demand steady.
The cancer queues have no removals: capacity equal to demand holds their start backlogs (on
average; they wander).

Pathways live in compact arrays (``array``/``bytearray``: fast to touch one at a time, viewed as
numpy for month-end counts) and in deques or heaps, worked once a day, not as processes.
Month-end snapshots of the incomplete pathways give the RTT and DM01 KPIs as NHS England counts
them (waiting time of those still waiting at month end).
"""

from __future__ import annotations

import heapq
import math
from array import array
from collections import deque
from dataclasses import dataclass

import numpy as np

from sim.core.capacity import follow
from sim.core.clock import MIN_PER_DAY, MIN_PER_HOUR
from sim.core.monitor import Observations, SeriesSpec
from sim.model.context import Context
from sim.model.ports import Port, Referral
from sim.model.services.base import Service
from sim.model.services.elective import fluid
from sim.model.services.elective.ledger import DayLedger
from sim.scenario.sections.elective import MODALITIES, SPECIALTIES, ElectiveSection

SNAPSHOTS = ("list_size", "within_18w_pct", "over_52w", "over_65w", "over_78w", "over_104w",
             "median_weeks", "diag_within_6w_pct", "diag_waiting",
             *(f"diag_within_6w_pct.{m}" for m in MODALITIES),
             *(f"list_size.{s}" for s in SPECIALTIES))
ACTIVITIES = ("outpatient_first", "outpatient_followup", "diagnostic", "day_case", "inpatient",
              "non_admitted_stop", "removed", "cancer_treatment")
LIST_SIZE = "rtt.list_size"  # a level (every change) and a month-end snapshot tally
DIAG_QUEUE = "elective.diag_queue"  # level: everyone waiting for a routine test (DM01 list)
CANCER_DX_QUEUE = "elective.cancer_dx_queue"  # level: cancer referrals waiting for results
DAYS_ON_LIST = "elective.days_on_list"  # by clock start, for Little's law
OPEN_WEEKS = "rtt.open_weeks"  # weeks waited by every open pathway at the end
CANCER_FDS = "cancer.fds_days"  # at diagnosis or ruled out: days since referral
CANCER_62D = "cancer.referral_to_treatment_days"  # at first treatment
CANCER_31D = "cancer.decision_to_treatment_days"  # at first treatment


def snapshot(name: str) -> str:
    """Month-end snapshot tally of ``name`` (one of SNAPSHOTS), as NHS England's return."""
    return f"rtt.{name}"


def activity(name: str) -> str:
    """Tally of daily counts of ``name`` (one of ACTIVITIES)."""
    return f"elective.{name}"


OBSERVATIONS = Observations(
    tallies=(*map(snapshot, SNAPSHOTS), *map(activity, ACTIVITIES), DAYS_ON_LIST, CANCER_FDS,
             CANCER_62D, CANCER_31D),
    levels=(LIST_SIZE, DIAG_QUEUE, CANCER_DX_QUEUE), arrays=(OPEN_WEEKS,))

SERIES = (SeriesSpec("rtt_list_size", "RTT waiting list", "elective", LIST_SIZE, "level",
                     queue=True),
          SeriesSpec("diagnostic_list", "waiting for a test", "elective", DIAG_QUEUE, "level",
                     queue=True))


@dataclass
class ElectiveNeeds:
    bed: Port | None = None  # an acute bed on the day of surgery (refused: cancelled)


DAYS_PER_WEEK = fluid.DAYS_PER_WEEK
DAYS_PER_MONTH = fluid.DAYS_PER_MONTH
# Stages. Cancer pathways use the same codes + CANCER, so "RTT and waiting" is stage <= ADM.
OP, DIAG, FU, ADM, STOPPED, REMOVED = range(6)
CANCER = 8
C_OP, C_DIAG, C_ADM, C_TREAT = CANCER + OP, CANCER + DIAG, CANCER + ADM, CANCER + 4
C_DX, C_DEC = CANCER + 5, CANCER + 6  # waiting for the results / treatment-planning clinic
NON_ADMITTED, DAY_CASE, INPATIENT = range(3)
NO_TEST = 255
WORK_HOUR = 8.0
DM01_DAYS = 42.0  # 6 weeks
MAX_DEFERRED = 50  # inpatients passed over in one specialty's day once no bed is free


class Elective(Service):
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
        self.specs = [s for _, s in cfg.specialties.items()]
        follow(ctx.env, ctx.levels("elective"), self._set_capacity)  # capacities in force
        self.mods = [x for _, x in cfg.modalities.items()]
        self.cum_spec = np.cumsum([s.referral_share for s in self.specs])
        self.cum_cspec = np.cumsum([s.cancer_share for s in self.specs])
        self.cum_mod = np.cumsum([x.rtt_share for x in self.mods])
        self.cum_cmod = np.cumsum([x.cancer_share for x in self.mods])
        p = cfg.priority
        self.cum_prio = np.cumsum([p.p1, p.p2, p.p3, p.p4])
        self.by_priority = cfg.order == "priority_then_longest_wait"
        self.cost = (1 / cfg.day_cases_per_session, 1 / cfg.inpatients_per_session)
        # pathway attributes, one entry per pathway ever created
        self.clock = array("d")  # clock start (referral), days
        self.stage = bytearray()
        self.stage_start = array("d")  # days
        self.spec = bytearray()
        self.route = bytearray()  # NON_ADMITTED, DAY_CASE, INPATIENT
        self.prio = bytearray()  # 0..3 = P1..P4
        self.mod = bytearray()  # modality index or NO_TEST
        self.needs_fu = bytearray()
        self.dtt: dict[int, float] = {}  # cancer: day of the decision to treat
        self.n = 0
        self.active = 0
        n_s, n_m = len(self.specs), len(self.mods)
        # queues: firsts in referral order (deque), follow-ups by due day (heap), ledgers
        self.op_first: list[deque[int]] = [deque() for _ in range(n_s)]
        self.op_fu: list[list[tuple[float, int]]] = [[] for _ in range(n_s)]  # joined today
        # ... and those who joined before today, in (due, id) order: follow-ups join on the
        # day they become due, so a day's joiners sort after everyone before them and a deque
        # serves them in the order the heap would, without its cost (about 10,000 a specialty)
        self.op_fu_before: list[deque[tuple[float, int]]] = [deque() for _ in range(n_s)]
        self.op_ledger = [DayLedger() for _ in range(n_s)]
        self.op_cancer: list[deque[int]] = [deque() for _ in range(n_s)]
        self.diag_rtt: list[deque[int]] = [deque() for _ in range(n_m)]
        self.diag_direct = [DayLedger() for _ in range(n_m)]
        self.diag_unscheduled = [DayLedger() for _ in range(n_m)]
        self.diag_cancer: list[deque[int]] = [deque() for _ in range(n_m)]
        self.adm: list[list[list[tuple[float, int]]]] = [[[] for _ in range(4)]
                                                         for _ in range(n_s)]
        self.adm_cancer: list[deque[int]] = [deque() for _ in range(n_s)]
        # the cancer pathway's own queues, served in random order (``_pick``)
        self.treat_cancer: list[int] = []
        self.dx_cancer: list[list[int]] = [[] for _ in range(n_s)]
        self.dec_cancer: list[int] = []
        self.rng_order = streams("route.elective.cancer.order")
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

    # -- pathways ----------------------------------------------------------------------------
    def _new(self, count: int, clock_days: np.ndarray, rng: np.random.Generator,
             spec: np.ndarray | None = None) -> range:
        """Create ``count`` RTT pathways with attributes drawn now (common random numbers)."""
        return self._add(clock_days, *self._attributes(rng.random((count, 7)), spec))

    def _attributes(self, u: np.ndarray, spec: np.ndarray | None = None
                    ) -> tuple[np.ndarray, ...]:
        """Specialty, test, route, follow-up and priority of pathways from their uniforms
        (one row of seven each)."""
        if spec is None:
            spec = np.searchsorted(self.cum_spec, u[:, 0], side="right").clip(0, len(self.specs)
                                                                             - 1)
        diag = np.array([s.diagnostics_share for s in self.specs])[spec]
        adm = np.array([s.admitted_share for s in self.specs])[spec]
        dc = np.array([s.day_case_share for s in self.specs])[spec]
        mod = np.where(u[:, 1] < diag, np.searchsorted(self.cum_mod, u[:, 2], side="right")
                       .clip(0, len(self.mods) - 1), NO_TEST)
        route = np.where(u[:, 3] < adm, np.where(u[:, 4] < dc, DAY_CASE, INPATIENT),
                         NON_ADMITTED)
        fu = (mod != NO_TEST) | (u[:, 5] < self.cfg.decision_followup_share)
        prio = np.searchsorted(self.cum_prio, u[:, 6], side="right").clip(0, 3)
        return tuple(np.asarray(x).astype(np.uint8) for x in (spec, mod, route, fu, prio))

    def _add(self, clock_days: np.ndarray, spec: np.ndarray, mod: np.ndarray,
             route: np.ndarray, fu: np.ndarray, prio: np.ndarray) -> range:
        """New RTT pathways with these attributes (uint8 arrays), waiting for outpatients."""
        count = len(spec)
        ids = range(self.n, self.n + count)
        self.n += count
        clock = np.asarray(clock_days, dtype=float).tobytes()
        self.clock.frombytes(clock)
        self.stage.extend(bytes(count))
        self.stage_start.frombytes(clock)
        self.spec.extend(spec.tobytes())
        self.route.extend(route.tobytes())
        self.prio.extend(prio.tobytes())
        self.mod.extend(mod.tobytes())
        self.needs_fu.extend(fu.tobytes())
        self.flows.enter(self.name, True, count)
        self.active += count
        return ids

    def _new_cancer(self, count: int, now: float, rng: np.random.Generator | None = None,
                    spec_k: int | None = None, clock_days: np.ndarray | None = None,
                    stage: int = C_OP) -> range:
        """Urgent suspected cancer referrals: specialty, test, outcome and treatment drawn now
        (the start state passes its own stream, specialty, clock starts and stage)."""
        if not count:
            return range(0)
        rng, ca = rng or self.rng_cancer, self.cfg.cancer
        u = rng.random((count, 5))
        spec = np.searchsorted(self.cum_cspec, u[:, 0], side="right").clip(0, len(self.specs) - 1)
        if spec_k is not None:
            spec = np.full(count, spec_k)
        mod = np.searchsorted(self.cum_cmod, u[:, 1], side="right").clip(0, len(self.mods) - 1)
        # route: NON_ADMITTED = ruled out; DAY_CASE / INPATIENT = surgery; prio 0 = non-surgical
        # the start state's pathways past the results clinic are diagnosed cancers, and those
        # waiting for a non-surgical treatment are not for surgery
        confirmed = u[:, 2] < (ca.conversion_share if stage in (C_OP, C_DX) else 2.0)
        surgical = u[:, 3] < (ca.surgical_share if stage != C_TREAT else -1.0)
        route = np.where(confirmed, np.where(u[:, 4] < ca.inpatient_share, INPATIENT, DAY_CASE),
                         NON_ADMITTED)
        prio = np.where(confirmed & ~surgical, 0, 3)
        ids = range(self.n, self.n + count)
        self.n += count
        clock = [now] * count if clock_days is None else np.asarray(clock_days, float).tolist()
        self.clock.extend(clock)
        self.stage.extend(bytes([stage]) * count)
        self.stage_start.extend(clock)
        self.spec.extend(spec.astype(np.uint8).tobytes())
        self.route.extend(route.astype(np.uint8).tobytes())
        self.prio.extend(prio.astype(np.uint8).tobytes())
        self.mod.extend(mod.astype(np.uint8).tobytes())
        self.needs_fu.extend(bytes(count))
        self.flows.enter(self.name, True, count)
        self.active += count
        if stage == C_OP:
            for i, s in zip(ids, spec.tolist(), strict=True):
                self.op_cancer[s].append(i)
        return ids

    def _join(self, stage: int, i: int, now: float) -> None:
        self.stage[i] = stage
        self.stage_start[i] = now
        s = self.spec[i]
        if stage == OP:
            self.op_first[s].append(i)
        elif stage == DIAG:
            self.diag_rtt[self.mod[i]].append(i)
        elif stage == FU:
            heapq.heappush(self.op_fu[s], (now, i))
        elif stage == ADM:
            lane = self.prio[i] if self.by_priority else 3
            heapq.heappush(self.adm[s][lane], (self.clock[i], i))
        elif stage == C_DIAG:
            self.diag_cancer[self.mod[i]].append(i)
        elif stage == C_ADM:
            self.adm_cancer[s].append(i)
        elif stage == C_TREAT:
            self.treat_cancer.append(i)
        elif stage == C_DX:
            self.dx_cancer[s].append(i)
        elif stage == C_DEC:
            self.dec_cancer.append(i)

    # -- the start state ---------------------------------------------------------------------
    def _initial_state(self) -> None:
        """The list, follow-ups and direct-access requests waiting at time zero, as the fluid
        dynamics at the scenario's start waits hold them (``fluid.cells``)."""
        cfg, rng = self.cfg, self.rng_init
        waits = fluid.start_waits(cfg)
        r = fluid.removal_per_day(cfg)
        count = round(cfg.initial_list.pathways_per_100k * self.population / 1e5)
        if count:
            cells = [c for c in fluid.cells(cfg, self.population, waits) if c.expected > 0]
            expected = np.array([c.expected for c in cells])
            per_cell = rng.multinomial(count, expected / expected.sum())
            starts, made_ids, stages = [], [], []
            for cell, k in zip(cells, per_cell.tolist(), strict=True):
                if not k:
                    continue
                in_stage = fluid.ages_in_stage(rng.random(k), r, cell.wait_days)
                ids = self._new(k, -(cell.base_days + in_stage), rng,
                                np.full(k, cell.specialty))
                a, b = ids.start, ids.stop  # a cell's pathways are made together
                if cell.modality >= 0:
                    self.mod[a:b] = bytes([cell.modality]) * k
                    self.needs_fu[a:b] = bytes([1]) * k
                elif cell.stage in (FU, ADM):
                    self.mod[a:b] = bytes([NO_TEST]) * k
                if cell.stage == FU:
                    self.needs_fu[a:b] = bytes([1]) * k
                if cell.stage == ADM:  # on the list: admitted (day case or inpatient), P4
                    route = np.frombuffer(bytes(self.route[a:b]), dtype=np.uint8).copy()
                    decide = route == NON_ADMITTED
                    day_case = rng.random(int(decide.sum())) < self.specs[
                        cell.specialty].day_case_share
                    route[decide] = np.where(day_case, DAY_CASE, INPATIENT)
                    self.route[a:b] = route.tobytes()
                    self.prio[a:b] = bytes([3]) * k
                starts.append(-in_stage)
                made_ids.append(np.arange(a, b))
                stages.append(np.full(k, cell.stage))
            start, i_s, stage = (np.concatenate(x) if x else np.empty(0)
                                 for x in (starts, made_ids, stages))
            order = np.lexsort((i_s, start))  # FIFO queues start in the order pathways joined
            for t, i, st in zip(start[order].tolist(), i_s[order].tolist(),
                                stage[order].tolist(), strict=True):
                self._join(st, i, t)
        rt = self.rates
        for si, k in enumerate(SPECIALTIES):
            self._fill(self.op_ledger[si], rt.followups[k], waits.outpatient[k], r)
        for mi, k in enumerate(MODALITIES):
            self._fill(self.diag_direct[mi], rt.direct[k], waits.test[k], r)
        self._initial_cancer()
        self.list_level.set(0.0, self.active)
        self.diag_level.set(0.0, self._diag_waiting())
        self.dx_level.set(0.0, sum(len(q) for q in self.dx_cancer))

    def _initial_cancer(self) -> None:
        """Cancer pathways waiting at time zero for their own clinics and treatments: each
        queue holds its mean start wait of demand (capacity equal to demand keeps it; the
        expected number, not a random one, so replications start alike). Served in random
        order, those waiting have waited an exponential time of that mean, and so had those
        who finished an earlier stage. The first appointment and test (cancer first in shared
        capacity) hold no one."""
        rng = self.rng_init
        ca = self.cfg.cancer
        conv, non_surgical = ca.conversion_share, 1 - ca.surgical_share
        w_dec, w_tr = ca.start_decision_weeks * DAYS_PER_WEEK, ca.start_treatment_weeks \
            * DAYS_PER_WEEK
        for si, (k, sp) in enumerate(zip(SPECIALTIES, self.specs, strict=True)):
            w_dx = sp.cancer_start_diagnosis_weeks * DAYS_PER_WEEK
            lam = self.rates.cancer[k]
            for stage, lam_s, wait, before in ((C_DX, lam, w_dx, ()),
                                               (C_DEC, lam * conv, w_dec, (w_dx,)),
                                               (C_TREAT, lam * conv * non_surgical, w_tr,
                                                (w_dx, w_dec))):
                n = round(lam_s * wait)
                if not n:
                    continue
                in_stage = rng.exponential(wait, n)
                age = in_stage + sum((rng.exponential(w, n) for w in before), np.zeros(n))
                ids = self._new_cancer(n, 0.0, rng, si, -age, stage)
                for i, t in zip(ids, in_stage.tolist(), strict=True):
                    if stage == C_TREAT:
                        self.dtt[i] = -t
                    self._join(stage, i, -t)

    def _pick(self, q: list[int]) -> int:
        """A random one of those waiting (booked as availability allows)."""
        j = int(self.rng_order.integers(len(q)))
        q[j], q[-1] = q[-1], q[j]
        return q.pop()

    def _fill(self, ledger: DayLedger, per_day: float, wait_days: float, r: float) -> None:
        """Requests that joined over the last ``wait_days`` days and are still waiting."""
        days = int(wait_days)
        if days <= 0 or per_day <= 0:
            return
        ages = np.arange(days, 0, -1, dtype=float)
        counts = self.rng_init.poisson(per_day * np.exp(-r * ages))
        for a, c in zip(ages.tolist(), counts.tolist(), strict=True):
            ledger.add(-a, c)

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
                for s, q in enumerate(self.op_first):  # each specialty's, in referral order
                    q.extend((np.flatnonzero(spec == s) + ids.start).tolist())
            self._new_cancer(int(self.rng_cancer.poisson(usc * growth)), now)
            other = self.rng_other.poisson(np.array(fu + unsched + direct) * growth).tolist()
            for s, n in enumerate(other[:len(fu)]):
                self.op_ledger[s].add(now, n)
            for m in range(len(self.mods)):
                self.diag_unscheduled[m].add(now, other[len(fu) + m])
                self.diag_direct[m].add(now, other[len(fu) + len(unsched) + m])
            self._remove_due()
            if (first_wd + day) % 7 < 5 and not self.ctx.season.closed(day):
                # outpatients, diagnostics and theatres on weekdays, closed on bank holidays
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
            self.dx_level.set(self.env.now, sum(len(q) for q in self.dx_cancer))

    def _referrals(self, days: int, per_day: float) -> tuple[list[int], tuple[np.ndarray, ...]]:
        """The run's RTT referrals at once: each day's count, then every pathway's attributes
        (the same draws from the same streams, in the same order, as day by day)."""
        growth = np.array([(1 + self.growth_pct / 100) ** (day / 365.25) for day in range(days)])
        counts = self.rng_ref.poisson(per_day * growth)
        return counts.tolist(), self._attributes(self.rng_attr.random((int(counts.sum()), 7)))

    def _slots(self, key: str, k: int, per_week: float) -> int:
        """Weekly capacity spread over five weekdays, fractions carried to the next day."""
        total = self.carry.get((key, k), 0.0) + per_week / 5
        whole = int(total)
        self.carry[key, k] = total - whole
        return whole

    def _heap_head(self, q: list[tuple[float, int]], stage: int) -> tuple[float, int] | None:
        while q:
            if self.stage[q[0][1]] == stage:
                return q[0]
            heapq.heappop(q)
        return None

    def _outpatients(self, now: float) -> None:
        """Each specialty's clinics: cancer first, then everyone in the order they became due.

        (The day's busiest loop, about 450,000 attendances a year: each pathway's next stage
        is written out here rather than through ``_join``.)"""
        firsts = fus = stops = 0
        stage, stage_start, clock = self.stage, self.stage_start, self.clock
        mod, needs_fu, route, prio = self.mod, self.needs_fu, self.route, self.prio
        heappop, heappush = heapq.heappop, heapq.heappush
        by_priority = self.by_priority
        on_list_t, on_list_v = self.t_on_list.t.append, self.t_on_list.v.append
        for s in range(len(self.specs)):
            slots = self._slots("op", s, self.rates.outpatients[SPECIALTIES[s]] * DAYS_PER_WEEK)
            cq = self.op_cancer[s]
            while slots and cq:
                i = cq.popleft()
                slots -= 1
                firsts += 1
                self._join(C_DIAG, i, now)
            first_q, fu_q, ledger = self.op_first[s], self.op_fu[s], self.op_ledger[s]
            before = self.op_fu_before[s]
            if fu_q:  # those who joined on earlier days now wait behind the rest
                before.extend(sorted(fu_q))
                fu_q.clear()
            adm, diag_rtt = self.adm[s], self.diag_rtt
            # the heads still waiting at their stage (pathways removed since are dropped); a
            # head changes only when it is served, so it is looked for again only then
            while first_q and stage[first_q[0]] != OP:
                first_q.popleft()
            due_first = clock[first_q[0]] if first_q else math.inf
            while before and stage[before[0][1]] != FU:
                before.popleft()
            while fu_q and stage[fu_q[0][1]] != FU:
                heappop(fu_q)
            due_fu = before[0][0] if before else fu_q[0][0] if fu_q else math.inf
            while slots:
                due = due_first if due_first < due_fu else due_fu
                if ledger.total and ledger.days[0] <= due:
                    taken = ledger.take(slots, due)
                    slots -= taken
                    fus += taken
                    continue
                if due == math.inf:
                    break
                slots -= 1
                if due_first <= due_fu:  # a first attendance: a test, a follow-up, or decided
                    i = first_q.popleft()
                    firsts += 1
                    while first_q and stage[first_q[0]] != OP:
                        first_q.popleft()
                    due_first = clock[first_q[0]] if first_q else math.inf
                    m = mod[i]
                    if m != NO_TEST:
                        stage[i] = DIAG
                        stage_start[i] = now
                        diag_rtt[m].append(i)
                        continue
                    if needs_fu[i]:
                        stage[i] = FU
                        stage_start[i] = now
                        heappush(fu_q, (now, i))
                        if not before:  # it may be the follow-ups' new head
                            due_fu = fu_q[0][0]
                        continue
                else:  # a follow-up: decided
                    if before:
                        i = before.popleft()[1]
                        while before and stage[before[0][1]] != FU:
                            before.popleft()
                    else:
                        i = heappop(fu_q)[1]
                    if not before:
                        while fu_q and stage[fu_q[0][1]] != FU:
                            heappop(fu_q)
                    due_fu = before[0][0] if before else fu_q[0][0] if fu_q else math.inf
                    fus += 1
                # decided: treatment ends the pathway (non-admitted: the clock stops, as
                # ``_stop`` records it) or it joins the admitted list
                if route[i] == NON_ADMITTED:
                    c = clock[i]
                    on_list_t(c * MIN_PER_DAY)
                    on_list_v(now - c)
                    stage[i] = STOPPED
                    stops += 1
                else:
                    stage[i] = ADM
                    stage_start[i] = now
                    heappush(adm[prio[i] if by_priority else 3], (clock[i], i))
        self.active -= stops
        self._exits["finished"][self.name] += stops
        self._count("outpatient_first", firsts)
        self._count("outpatient_followup", fus)
        self._count("non_admitted_stop", stops)

    def _diagnostics(self, now: float) -> None:
        """Each modality: emergency and inpatient tests, cancer, then RTT and direct access in
        turn."""
        done = 0
        stage, stage_start, heappush = self.stage, self.stage_start, heapq.heappush
        for m in range(len(self.mods)):
            slots = self._slots("diag", m, self.rates.tests[MODALITIES[m]] * DAYS_PER_WEEK)
            taken = self.diag_unscheduled[m].take(slots)
            slots -= taken
            done += taken
            cq = self.diag_cancer[m]
            while slots and cq:
                i = cq.popleft()
                slots -= 1
                done += 1
                self._diagnosed(i, now)
            q, ledger = self.diag_rtt[m], self.diag_direct[m]
            while q and stage[q[0]] != DIAG:  # (pathways removed since are dropped)
                q.popleft()
            while slots:
                due = stage_start[q[0]] if q else math.inf
                if ledger.total and ledger.days[0] <= due:
                    taken = ledger.take(slots, due)
                    slots -= taken
                    done += taken
                    continue
                if not q:
                    break
                i = q.popleft()
                while q and stage[q[0]] != DIAG:
                    q.popleft()
                slots -= 1
                done += 1
                # tested: the results at a follow-up (``_join(FU, i, now)`` written out)
                stage[i] = FU
                stage_start[i] = now
                heappush(self.op_fu[self.spec[i]], (now, i))
        self._count("diagnostic", done)

    def _diagnosed(self, i: int, now: float) -> None:
        """Tested: the cancer pathway waits for its results appointment."""
        self._join(C_DX, i, now)

    def _cancer_clinics(self, now: float) -> None:
        """Each specialty's results clinic (told diagnosed or ruled out: the Faster Diagnosis
        Standard clock stop), then the treatment-planning clinic (the decision to treat, the
        31-day clock start), each in random order of those waiting."""
        for s, per_week in enumerate(self.dx_per_week):
            slots, q = self._slots("cancer_dx", s, per_week), self.dx_cancer[s]
            while slots and q:
                i = self._pick(q)
                slots -= 1
                self.t_fds.record(now * MIN_PER_DAY, now - self.clock[i])
                if self.route[i] == NON_ADMITTED:
                    self._stop(i, "finished")
                else:
                    self._join(C_DEC, i, now)
        slots = self._slots("cancer_dec", 0, self.decision_per_week)
        q = self.dec_cancer
        while slots and q:
            i = self._pick(q)
            slots -= 1
            self.dtt[i] = now
            self._join(C_TREAT if self.prio[i] == 0 else C_ADM, i, now)

    def _set_capacity(self, cfg: ElectiveSection) -> None:
        """Clinic, test, theatre and cancer treatment capacity in force from today (a
        capacity schedule changes it); demand rates are not capacities and stay."""
        self.rates = fluid.rates(cfg, self.population)
        self.cancer_starts_per_week = cfg.cancer.treatment_starts_per_week
        self.decision_per_week = cfg.cancer.decision_clinics_per_week
        self.dx_per_week = [cfg.cancer.diagnosis_clinics_per_week * x.cancer_share
                            for x in self.specs]

    def _cancer_treatments(self, now: float) -> None:
        """Non-surgical first treatments (random order of those waiting)."""
        slots = self._slots("cancer", 0, self.cancer_starts_per_week)
        q = self.treat_cancer
        while slots and q:
            slots -= 1
            self._treated_cancer(self._pick(q), now, "finished")

    def _treated_cancer(self, i: int, now: float, how: str) -> None:
        self.t_62.record(now * MIN_PER_DAY, now - self.clock[i])
        self.t_31.record(now * MIN_PER_DAY, now - self.dtt.pop(i))
        self._count("cancer_treatment", 1)
        self._stop(i, how)

    def _theatres(self, now: float) -> None:
        """Each specialty's sessions (in case units): cancer first, then P1..P4 in turn. An
        inpatient cancelled for want of a bed goes back on the list (first in turn tomorrow)
        and the place is backfilled from the list (day cases; inpatients are not tried again
        that day), so bed pressure delays inpatients without wasting theatre time."""
        cases = [0, 0, 0]
        for s in range(len(self.specs)):
            key = ("theatre", s)
            daily = self.rates.sessions[SPECIALTIES[s]] * DAYS_PER_WEEK / 5
            budget = self.carry.get(key, 0.0) + daily
            cancelled: list[int] = []
            cq = self.adm_cancer[s]
            while cq and self.cost[self.route[cq[0]] - 1] <= budget + 1e-9:
                i = cq.popleft()
                budget -= self.cost[self.route[i] - 1]
                if self._operate(i, cases):
                    self._treated_cancer(i, now, "transferred" if self.route[i] == INPATIENT
                                         and self.needs.bed is not None else "finished")
                else:
                    cancelled.append(i)
                    budget += self.cost[self.route[i] - 1]  # the list is backfilled
            no_bed = bool(cancelled)
            deferred: list[int] = []  # inpatients passed over today: no bed to try
            h = None
            # a cancer case that does not fit today's time keeps it (the list is not filled
            # with routine cases that would use it up again tomorrow)
            for lane in self.adm[s] if not cq else ():
                while len(deferred) < MAX_DEFERRED:
                    h = self._heap_head(lane, ADM)
                    if h is None or self.cost[self.route[h[1]] - 1] > budget + 1e-9:
                        break
                    heapq.heappop(lane)
                    i = h[1]
                    if no_bed and self.route[i] == INPATIENT:
                        deferred.append(i)
                        continue
                    budget -= self.cost[self.route[i] - 1]
                    if self._operate(i, cases):
                        self._stop(i, "transferred" if self.route[i] == INPATIENT
                                   and self.needs.bed is not None else "finished")
                    else:
                        cancelled.append(i)
                        budget += self.cost[self.route[i] - 1]  # the list is backfilled
                        no_bed = True
                if h is not None:
                    break  # a case that does not fit waits for the next list
            # unused time is lost beyond a day's lists (or one inpatient's share of a list)
            self.carry[key] = min(budget, max(daily, self.cost[1]))
            for i in deferred:
                self._join(ADM, i, now)
            for i in cancelled:  # cancelled on the day: back on the list, clock still running
                if self.stage[i] == C_ADM:
                    self.adm_cancer[s].appendleft(i)
                else:
                    self._join(ADM, i, now)
        self._count("day_case", cases[DAY_CASE])
        self._count("inpatient", cases[INPATIENT])

    def _operate(self, i: int, cases: list[int]) -> bool:
        """True when the operation goes ahead (an inpatient needs a bed; none: cancelled)."""
        route = self.route[i]
        if route == INPATIENT:
            bed = self.needs.bed
            if bed is not None and not bed(Referral(self.name)):
                return False
        cases[route] += 1
        return True

    def _remove_due(self) -> None:
        """Each waiting RTT pathway and ledger entry leaves untreated with the daily removal
        probability (cancer pathways are not removed)."""
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

    def _stop(self, i: int, how: str, stage: int = STOPPED) -> None:
        if self.stage[i] <= ADM:
            clock = self.clock[i]
            tally = self.t_on_list  # (appended directly: once a pathway)
            tally.t.append(clock * MIN_PER_DAY)
            tally.v.append(self.env.now / MIN_PER_DAY - clock)
        self.stage[i] = stage
        self.active -= 1
        self._exits[how][self.name] += 1

    def _count(self, what: str, n: int) -> None:
        if n:
            self.act[what].record(self.env.now, float(n))

    def _diag_waiting(self) -> float:
        return float(sum(len(q) for q in self.diag_rtt) + sum(len(q) for q in self.diag_cancer)
                     + sum(x.total for x in self.diag_direct))

    # -- month-end snapshots -------------------------------------------------------------------
    def _snapshots(self):
        cal = self.calendar
        times = [cal.warmup_end] + [m.window.end for m in cal.months()]
        for t in times:
            if t > self.env.now:
                yield self.env.timeout(t - self.env.now)
            self.snapshot()

    def snapshot(self) -> None:
        """Waiting times of incomplete pathways now, as NHS England's month-end returns.
        An empty list has nobody waiting too long: it scores 100% (never NaN)."""
        now_days = self.env.now / MIN_PER_DAY
        st, clock, stage_start = self._views()
        open_ = st <= ADM
        weeks = (now_days - clock[open_]) / DAYS_PER_WEEK
        size = weeks.size
        self.last_snapshot = self.env.now
        t = self.env.now - 1e-6  # belongs to the month that ends now
        rec = {"list_size": float(size),
               "within_18w_pct": 100.0 * np.count_nonzero(weeks <= 18) / size if size else 100.0,
               "median_weeks": float(np.median(weeks)) if size else 0.0}
        for w in (52, 65, 78, 104):
            rec[f"over_{w}w"] = float(np.count_nonzero(weeks > w))
        spec = np.frombuffer(self.spec, dtype=np.uint8)[open_]
        for si, k in enumerate(SPECIALTIES):
            rec[f"list_size.{k}"] = float(np.count_nonzero(spec == si))
        in_diag = (st == DIAG) | (st == C_DIAG)
        waited = now_days - stage_start[in_diag]
        mods = np.frombuffer(self.mod, dtype=np.uint8)[in_diag]
        total = under = 0.0
        for mi, k in enumerate(MODALITIES):
            w = waited[mods == mi]
            lw, lc = self.diag_direct[mi].waited(now_days)
            n = w.size + lc.sum()
            u = np.count_nonzero(w < DM01_DAYS) + lc[lw < DM01_DAYS].sum()
            rec[f"diag_within_6w_pct.{k}"] = 100.0 * u / n if n else 100.0
            total += n
            under += u
        rec["diag_waiting"] = float(total)
        rec["diag_within_6w_pct"] = 100.0 * under / total if total else 100.0
        for k, v in rec.items():
            self.snap[k].record(t, float(v))

    def close(self) -> None:
        """Pathways still open at the end are counted with their time so far (censored).

        The last month end is the end of the run, where SimPy stops before running events, so
        its snapshot is taken here."""
        if self.last_snapshot < self.env.now:
            self.snapshot()
        now = self.env.now / MIN_PER_DAY
        st, clock, _ = self._views()
        clock = clock[st <= ADM]
        self.monitor.put_array(OPEN_WEEKS, (now - clock) / DAYS_PER_WEEK)
        self.t_on_list.extend(clock * MIN_PER_DAY, now - clock, np.ones(clock.size, dtype=bool))

    def _views(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Copies (not views: the arrays keep growing) of stage, clock start and stage start."""
        return (np.frombuffer(self.stage, dtype=np.uint8).copy(),
                np.frombuffer(self.clock, dtype=float).copy(),
                np.frombuffer(self.stage_start, dtype=float).copy())

    def in_system(self) -> int:
        return self.active
