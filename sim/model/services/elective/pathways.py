"""The pathway store: every elective pathway's attributes and the queues it waits in.

About 450,000 new pathways a year (389,000 RTT and 58,000 urgent suspected cancer referrals;
baseline, 1.2 million people) and the 158,000 of the start list live in compact arrays (``array`` /
``bytearray``: fast to touch one at a time, viewed as numpy for month-end counts) indexed by
pathway id, and wait in deques, heaps and lists of ids, worked once a day by the clinics
(``clinics``) and theatres (``theatres``) rather than as one process each: outpatients alone
see about 1.75 million attendances a year.

``PathwayStore`` is the base of the service's parts; ``Elective.__init__`` (``service``) sets
the attributes they share (``cfg``, ``rates``, ``specs``, ``mods``, the streams, tallies and
levels) before any pathway is made.
"""

from __future__ import annotations

import heapq
from array import array
from collections import deque
from collections.abc import Callable

import numpy as np

from sim.core.clock import MIN_PER_DAY
from sim.core.monitor import Tally
from sim.model.services.base import Service
from sim.model.services.elective import fluid
from sim.model.services.elective.ledger import DayLedger
from sim.scenario.sections.elective import ElectiveSection, Modality, Specialty

DAYS_PER_WEEK = fluid.DAYS_PER_WEEK
DAYS_PER_MONTH = fluid.DAYS_PER_MONTH
# Stages. Cancer pathways use the same codes + CANCER, so "RTT and waiting" is stage <= ADM.
OP, DIAG, FU, ADM, STOPPED, REMOVED = range(6)
CANCER = 8
C_OP, C_DIAG, C_ADM, C_TREAT = CANCER + OP, CANCER + DIAG, CANCER + ADM, CANCER + 4
C_DX, C_DEC = CANCER + 5, CANCER + 6  # waiting for the results / treatment-planning clinic
NON_ADMITTED, DAY_CASE, INPATIENT = range(3)
NO_TEST = 255


class PathwayStore(Service):
    """Pathways as arrays and queues: made (``_new``, ``_new_cancer``), moved to a stage's
    queue (``_join``) and ended (``_stop``)."""

    # set by ``Elective.__init__`` (and ``_set_capacity``) before any pathway is made, and read
    # by every part: the scenario section and its rates, the specialties and modalities in
    # order, cumulative shares for drawing attributes, theatre case costs, carried capacity
    cfg: ElectiveSection
    rates: fluid.Rates
    specs: list[Specialty]
    mods: list[Modality]
    cum_spec: np.ndarray
    cum_cspec: np.ndarray
    cum_mod: np.ndarray
    cum_cmod: np.ndarray
    cum_prio: np.ndarray
    by_priority: bool
    by_clock: bool  # admitted list by RTT clock start (longest wait), else in turn
    listed: dict[int, float]  # day each pathway first joined the admitted list (in turn)
    cost: tuple[float, float]  # sessions per day case, per inpatient
    carry: dict[tuple[str, int], float]
    rng_init: np.random.Generator
    rng_cancer: np.random.Generator
    rng_order: np.random.Generator
    act: dict[str, Tally]
    t_on_list: Tally
    t_fds: Tally
    t_62: Tally
    t_31: Tally
    # irreducible times (``cfg.work``): a draw in days from each one's own stream, or None
    work: dict[str, Callable[[], float] | None]

    def _init_store(self, n_s: int, n_m: int) -> None:
        """Empty arrays, and the queues of ``n_s`` specialties and ``n_m`` modalities."""
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
        # pathways doing irreducible work at their stage (booking notice, reporting, pre-op):
        # (ready day, id), released into the stage's queue in ready order (``_release``)
        self.pending: list[tuple[float, int]] = []
        # ... and the day a test booked with notice became due (its queue's turn), by id: its
        # ``stage_start`` stays the request, from which DM01 counts the wait
        self.test_due: dict[int, float] = {}

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
            notice = self.work["cancer_first_notice_days"]
            for i, s in zip(ids, spec.tolist(), strict=True):
                if notice is None:
                    self.op_cancer[s].append(i)
                else:
                    heapq.heappush(self.pending, (now + notice(), i))
        return ids

    def _enter(self, stage: int, i: int, now: float, work: Callable[[], float] | None) -> None:
        """Join ``stage``: its queue now, or once ``work`` (days) has passed (``_release``)."""
        if work is None:
            self._join(stage, i, now)
            return
        self.stage[i] = stage
        self.stage_start[i] = now
        heapq.heappush(self.pending, (now + work(), i))

    def _release(self, now: float) -> None:
        """Pathways whose work is done by ``now`` join their stage's queue, in the order they
        became ready (a first attendance, test or follow-up is due from then; the admitted list
        keeps its order: by clock start, or in turn); those removed meanwhile are dropped. A test's
        ``stage_start`` stays its request (DM01 counts the wait from it; ``test_due`` has its
        turn)."""
        pending, stage = self.pending, self.stage
        now += 1e-6  # ready this minute (day fractions are not exact in floating point)
        while pending and pending[0][0] <= now:
            ready, i = heapq.heappop(pending)
            st, s = stage[i], self.spec[i]
            if st == OP:
                self.stage_start[i] = ready  # due from then (``_outpatients``)
                self.op_first[s].append(i)
            elif st == DIAG:
                self.test_due[i] = ready
                self.diag_rtt[self.mod[i]].append(i)
            elif st == FU:
                heapq.heappush(self.op_fu[s], (ready, i))
            elif st == ADM:
                lane = self.prio[i] if self.by_priority else 3
                key = self.clock[i] if self.by_clock else self.listed.setdefault(
                    i, self.stage_start[i])  # in turn: from the decision to admit
                heapq.heappush(self.adm[s][lane], (key, i))
            elif st == C_OP:
                self.op_cancer[s].append(i)
            elif st == C_DIAG:
                self.diag_cancer[self.mod[i]].append(i)
            elif st == C_DX:
                start = self.stage_start[i]
                self._join(C_DX, i, ready)  # (the cancer clinics' own queue)
                self.stage_start[i] = start

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
            key = self.clock[i] if self.by_clock else self.listed.setdefault(i, now)
            heapq.heappush(self.adm[s][lane], (key, i))
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

    def _treated_cancer(self, i: int, now: float, how: str) -> None:
        self.t_62.record(now * MIN_PER_DAY, now - self.clock[i])
        self.t_31.record(now * MIN_PER_DAY, now - self.dtt.pop(i))
        self._count("cancer_treatment", 1)
        self._stop(i, how)

    def _diag_waiting(self) -> float:
        return float(sum(len(q) for q in self.diag_rtt) + sum(len(q) for q in self.diag_cancer)
                     + sum(x.total for x in self.diag_direct))

    def _views(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Copies (not views: the arrays keep growing) of stage, clock start and stage start."""
        return (np.frombuffer(self.stage, dtype=np.uint8).copy(),
                np.frombuffer(self.clock, dtype=float).copy(),
                np.frombuffer(self.stage_start, dtype=float).copy())

    def in_system(self) -> int:
        return self.active
