"""Elective care: referral-to-treatment (RTT) pathways from referral to clock stop.

A pathway waits for a first outpatient appointment, may wait for a diagnostic test, then spends
a decision period (follow-ups, results, MDT; no modelled capacity) before the decision: a
non-admitted clock stop, or the admitted list for a day case or an inpatient stay. Theatre
lists run on weekdays; an inpatient needs an acute bed at ``admission_hour`` and is cancelled
on the day (and stays at the head of the list) when none is free.

The waiting list is 150,000-odd pathways, so they live in compact arrays (``array``/``bytearray``:
fast to touch one at a time, viewed as numpy for month-end counts) and in heaps keyed by clock
start (longest wait first, optionally urgent first), worked once a day, not as processes.
Month-end snapshots of the incomplete pathways give the RTT KPIs exactly as NHS England counts
them (waiting time of pathways still open at month end).
"""

from __future__ import annotations

import heapq
import math
from array import array
from collections import deque
from dataclasses import dataclass

import numpy as np

from sim.core.clock import MIN_PER_DAY, MIN_PER_HOUR
from sim.core.distributions import Sampler
from sim.core.monitor import Observations, SeriesSpec
from sim.model.context import Context
from sim.model.ports import Port, Referral
from sim.model.services.base import Service
from sim.scenario.sections.elective import ElectiveSection

SNAPSHOTS = ("list_size", "within_18w_pct", "over_52w", "over_65w", "over_78w", "over_104w",
             "median_weeks", "diag_within_6w_pct", "diag_waiting")
ACTIVITIES = ("outpatient_first", "diagnostic", "day_case", "inpatient", "non_admitted_stop",
              "removed")
LIST_SIZE = "rtt.list_size"  # a level (every change) and a month-end snapshot tally
DAYS_ON_LIST = "elective.days_on_list"  # by clock start, for Little's law
OPEN_WEEKS = "rtt.open_weeks"  # weeks waited by every open pathway at the end


def snapshot(name: str) -> str:
    """Month-end snapshot tally of ``name`` (one of SNAPSHOTS), as NHS England's return."""
    return f"rtt.{name}"


def activity(name: str) -> str:
    """Tally of daily counts of ``name`` (one of ACTIVITIES)."""
    return f"elective.{name}"


OBSERVATIONS = Observations(
    tallies=(*map(snapshot, SNAPSHOTS), *map(activity, ACTIVITIES), DAYS_ON_LIST),
    levels=(LIST_SIZE,), arrays=(OPEN_WEEKS,))

SERIES = (SeriesSpec("rtt_list_size", "RTT waiting list", "elective", LIST_SIZE, "level",
                     queue=True),)


@dataclass
class ElectiveNeeds:
    bed: Port | None = None  # an acute bed on the day of surgery (refused: cancelled)


DAYS_PER_WEEK = 7.0
DAYS_PER_MONTH = 365.25 / 12
OP, DIAG, DECISION, ADMITTED, STOPPED, REMOVED = range(6)
NON_ADMITTED, DAY_CASE, INPATIENT = range(3)
WAITING_STAGES = (OP, DIAG, ADMITTED)
WORK_HOUR = 8.0


class Elective(Service):
    name = "elective"

    def __init__(self, ctx: Context, cfg: ElectiveSection):
        super().__init__(ctx, cfg)
        streams, m, calendar = ctx.streams, ctx.monitor, ctx.calendar
        self.calendar = calendar
        self.growth_pct = ctx.growth_pct
        self.scale = ctx.population / 1e5
        self.rng_ref = streams("arrivals.elective")
        self.rng_attr = streams("route.elective.pathway")
        self.rng_init = streams("init.elective.list")
        self.decision_days = Sampler(cfg.decision_days, streams("service.elective.decision"))
        self.rng_removal = streams("route.elective.removal")
        self.removal_rate_per_day = cfg.removal_pct_per_month / 100 / DAYS_PER_MONTH
        days = math.ceil(calendar.end / MIN_PER_DAY)
        self.clock = array("d")  # clock start, days
        self.stage = bytearray()
        self.stage_start = array("d")  # days
        self.urgent = bytearray()
        self.route = bytearray()
        self.needs_diag = bytearray()
        self.n = 0
        # Outpatient queues are FIFO deques: new referrals join in clock-start order, so first
        # in is longest waiting. Later stages are joined out of clock order: heaps.
        self.queues: dict[int, list[tuple[float, int]]] = {}
        self.op_queues: tuple[deque[int], deque[int]] = (deque(), deque())
        self.decisions: dict[int, list[int]] = {}  # day of the daily cycle -> pathways
        self.by_priority = cfg.order == "priority_then_longest_wait"
        self.last_snapshot = -1.0
        self.active = 0
        self.carry: dict[str, float] = {}
        self.snap = {k: m.tally(snapshot(k)) for k in SNAPSHOTS}
        self.act = {k: m.tally(activity(k)) for k in ACTIVITIES}
        self.list_level = m.level(LIST_SIZE)
        self.t_on_list = m.tally(DAYS_ON_LIST)
        self.needs: ElectiveNeeds = ElectiveNeeds()
        self._initial_list()
        ctx.env.process(self._days(days))
        ctx.env.process(self._snapshots())

    # -- pathways ----------------------------------------------------------------------------
    def _new(self, count: int, clock_days: np.ndarray, rng: np.random.Generator) -> range:
        """Create ``count`` pathways with attributes drawn now (common random numbers)."""
        ids = range(self.n, self.n + count)
        self.n += count
        cfg = self.cfg
        u = rng.random((count, 3))
        r = cfg.routing
        self.clock.extend(np.asarray(clock_days, dtype=float).tolist())
        self.stage.extend(bytes(count))
        self.stage_start.extend([0.0] * count)
        self.urgent.extend((u[:, 0] < cfg.urgent_share).astype(np.uint8).tobytes())
        self.needs_diag.extend((u[:, 1] < cfg.diagnostics_share).astype(np.uint8).tobytes())
        route = np.where(u[:, 2] < r.non_admitted, NON_ADMITTED,
                         np.where(u[:, 2] < r.non_admitted + r.day_case, DAY_CASE, INPATIENT))
        self.route.extend(route.astype(np.uint8).tobytes())
        self.flows.enter(self.name, True, count)
        self.active += count
        return ids

    def _join(self, stage: int, i: int, now_days: float) -> None:
        self.stage[i] = stage
        self.stage_start[i] = now_days
        prio = 0 if self.by_priority and self.urgent[i] else 1
        if stage == OP:
            self.op_queues[prio].append(i)
            return
        lane = self.route[i] if stage == ADMITTED else 0
        key = (stage * 10 + lane) * 2 + prio
        q = self.queues.get(key)
        if q is None:
            q = self.queues[key] = []
        heapq.heappush(q, (self.clock[i], i))

    def _next(self, stage: int, lane: int = 0) -> int | None:
        """Longest-waiting pathway at a stage (urgent lane first when so configured)."""
        if stage == OP:
            for q in self.op_queues:
                while q:
                    i = q.popleft()
                    if self.stage[i] == OP:
                        return i
            return None
        for prio in (0, 1):
            q = self.queues.get((stage * 10 + lane) * 2 + prio)
            while q:
                _, i = heapq.heappop(q)
                if self.stage[i] == stage:
                    return i
        return None

    def _initial_list(self) -> None:
        cfg, init = self.cfg, self.cfg.initial_list
        count = round(init.pathways_per_100k * self.scale)
        if count == 0:
            return
        sigma = math.sqrt(math.log1p(init.weeks_waited_cv ** 2))
        weeks = self.rng_init.lognormal(math.log(max(init.weeks_waited_median, 1e-6)), sigma,
                                        count)
        ids = self._new(count, -weeks * DAYS_PER_WEEK, self.rng_init)
        s = init.stages
        edges = np.cumsum([s.outpatient, s.diagnostics, s.decision])
        stage_of = np.searchsorted(edges, self.rng_init.random(count), side="right")
        r = cfg.routing
        day_case_given_admitted = r.day_case / max(r.day_case + r.inpatient, 1e-12)
        lane = self.rng_init.random(count)
        by_clock = sorted(ids, key=self.clock.__getitem__)  # FIFO queues start in clock order
        stage_of, lane = stage_of.tolist(), lane.tolist()
        for i in by_clock:
            k, u = stage_of[i - ids.start], lane[i - ids.start]
            if k == 0:
                self._join(OP, i, 0.0)
            elif k == 1:
                self.needs_diag[i] = True
                self._join(DIAG, i, 0.0)
            elif k == 2:
                self._to_decision(i, 0.0)
            else:  # already decided for treatment: day case or inpatient list
                self.route[i] = DAY_CASE if u < day_case_given_admitted else INPATIENT
                self._join(ADMITTED, i, 0.0)
        self.list_level.set(0.0, self.active)

    # -- the daily cycle ----------------------------------------------------------------------
    def _days(self, days: int):
        cfg = self.cfg
        first_wd = self.calendar.start_date.weekday()
        per_day = cfg.referrals_per_100k_per_month * self.scale / DAYS_PER_MONTH
        for day in range(days):
            t = day * MIN_PER_DAY + WORK_HOUR * MIN_PER_HOUR
            if t >= self.calendar.end:
                break
            yield self.env.timeout(t - self.env.now)
            now = t / MIN_PER_DAY
            growth = (1 + self.growth_pct / 100) ** (day / 365.25)
            n_ref = int(self.rng_ref.poisson(per_day * growth))
            if n_ref:
                for i in self._new(n_ref, np.full(n_ref, now), self.rng_attr):
                    self._join(OP, i, now)
            self._remove_due(now)
            self._decide_due(now)
            if (first_wd + day) % 7 < 5:  # outpatients, diagnostics and theatres on weekdays
                self._outpatients(now)
                self._diagnostics(now)
                self.list_level.set(self.env.now, self.active)
                yield self.env.timeout(
                    max(0.0, (day * MIN_PER_DAY + cfg.admission_hour * MIN_PER_HOUR)
                        - self.env.now))
                self._theatres(now)
            self.list_level.set(self.env.now, self.active)

    def _slots(self, key: str, per_week: float) -> int:
        """Weekly capacity spread over five weekdays, fractions carried to the next day."""
        total = self.carry.get(key, 0.0) + per_week / 5
        whole = int(total)
        self.carry[key] = total - whole
        return whole

    def _outpatients(self, now: float) -> None:
        seen = 0
        for _ in range(self._slots("op", self.cfg.outpatient_slots_per_week)):
            i = self._next(OP)
            if i is None:
                break
            seen += 1
            if self.needs_diag[i]:
                self._join(DIAG, i, now)
            else:
                self._to_decision(i, now)
        self._count("outpatient_first", seen)

    def _diagnostics(self, now: float) -> None:
        done = 0
        for _ in range(self._slots("diag", self.cfg.diagnostic_slots_per_week)):
            i = self._next(DIAG)
            if i is None:
                break
            done += 1
            self._to_decision(i, now)
        self._count("diagnostic", done)

    def _to_decision(self, i: int, now: float) -> None:
        self.stage[i] = DECISION
        self.stage_start[i] = now
        due = now + self.decision_days.next()
        # the first daily cycle (at WORK_HOUR) at or after the decision is due
        day = math.ceil(due - WORK_HOUR / 24 - 1e-9)
        self.decisions.setdefault(day, []).append(i)

    def _decide_due(self, now: float) -> None:
        stops = 0
        for i in self.decisions.pop(round(now - WORK_HOUR / 24), []):
            if self.stage[i] != DECISION:
                continue
            if self.route[i] == NON_ADMITTED:
                self._stop(i, "finished")
                stops += 1
            else:
                self._join(ADMITTED, i, now)
        self._count("non_admitted_stop", stops)

    def _theatres(self, now: float) -> None:
        cfg = self.cfg
        per_week = cfg.theatre_sessions_per_week
        dc_cases = self._slots("dc", per_week * (1 - cfg.inpatient_session_share)
                               * cfg.day_cases_per_session)
        ip_cases = self._slots("ip", per_week * cfg.inpatient_session_share
                               * cfg.inpatients_per_session)
        treated = 0
        for _ in range(dc_cases):
            i = self._next(ADMITTED, DAY_CASE)
            if i is None:
                break
            self._stop(i, "finished")
            treated += 1
        self._count("day_case", treated)
        treated = 0
        cancelled: list[int] = []
        for _ in range(ip_cases):
            i = self._next(ADMITTED, INPATIENT)
            if i is None:
                break
            bed = self.needs.bed
            if bed is None or bed(Referral(self.name)):  # no acute service: treated outside
                self._stop(i, "finished" if bed is None else "transferred")
                treated += 1
            else:
                cancelled.append(i)
        for i in cancelled:  # cancelled on the day: back on the list, clock still running
            self._join(ADMITTED, i, now)
        self._count("inpatient", treated)

    def _remove_due(self, now: float) -> None:
        """Each waiting pathway leaves untreated with the daily removal probability."""
        if self.removal_rate_per_day <= 0:
            return
        st = np.frombuffer(self.stage, dtype=np.uint8)
        waiting = np.flatnonzero((st == OP) | (st == DIAG) | (st == ADMITTED))
        del st  # release the view: the bytearray grows again tomorrow
        k = int(self.rng_removal.binomial(waiting.size, -math.expm1(-self.removal_rate_per_day)))
        chosen = self.rng_removal.choice(waiting, size=k, replace=False) if k else []
        for i in np.sort(chosen).tolist():
            self._stop(i, "redirected", REMOVED)
        self._count("removed", k)

    def _stop(self, i: int, how: str, stage: int = STOPPED) -> None:
        now = self.env.now / MIN_PER_DAY
        self.t_on_list.record(self.clock[i] * MIN_PER_DAY, now - self.clock[i])
        self.stage[i] = stage
        self.active -= 1
        getattr(self.flows, {"finished": "finish", "transferred": "transfer",
                             "redirected": "redirect"}[how])(self.name)

    def _count(self, what: str, n: int) -> None:
        if n:
            self.act[what].record(self.env.now, float(n))

    # -- month-end snapshots -------------------------------------------------------------------
    def _snapshots(self):
        cal = self.calendar
        times = [cal.warmup_end] + [m.window.end for m in cal.months()]
        for t in times:
            if t > self.env.now:
                yield self.env.timeout(t - self.env.now)
            self.snapshot()

    def snapshot(self) -> None:
        """Waiting times of incomplete pathways now, as NHS England's month-end return."""
        now_days = self.env.now / MIN_PER_DAY
        st, clock, stage_start = self._views()
        open_ = st <= ADMITTED
        weeks = (now_days - clock[open_]) / DAYS_PER_WEEK
        size = weeks.size
        self.last_snapshot = self.env.now
        t = self.env.now - 1e-6  # belongs to the month that ends now
        rec = {"list_size": float(size),
               "within_18w_pct": 100.0 * np.count_nonzero(weeks <= 18) / size if size else np.nan,
               "median_weeks": float(np.median(weeks)) if size else np.nan}
        for w in (52, 65, 78, 104):
            rec[f"over_{w}w"] = float(np.count_nonzero(weeks > w))
        diag_weeks = (now_days - stage_start[st == DIAG]) / DAYS_PER_WEEK
        rec["diag_waiting"] = float(diag_weeks.size)
        rec["diag_within_6w_pct"] = (100.0 * np.count_nonzero(diag_weeks < 6) / diag_weeks.size
                                     if diag_weeks.size else np.nan)
        for k, v in rec.items():
            self.snap[k].record(t, v)

    def close(self) -> None:
        """Pathways still open at the end are counted with their time so far (censored).

        The last month end is the end of the run, where SimPy stops before running events, so
        its snapshot is taken here."""
        if self.last_snapshot < self.env.now:
            self.snapshot()
        now = self.env.now / MIN_PER_DAY
        st, clock, _ = self._views()
        clock = clock[st <= ADMITTED]
        self.monitor.put_array(OPEN_WEEKS, (now - clock) / DAYS_PER_WEEK)
        self.t_on_list.extend(clock * MIN_PER_DAY, now - clock, np.ones(clock.size, dtype=bool))

    def _views(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Copies (not views: the arrays keep growing) of stage, clock start and stage start."""
        return (np.frombuffer(self.stage, dtype=np.uint8).copy(),
                np.frombuffer(self.clock, dtype=float).copy(),
                np.frombuffer(self.stage_start, dtype=float).copy())

    def in_system(self) -> int:
        return self.active
