"""Clinics: outpatients and diagnostics, each a day's capacity worked through its queues on
weekdays (the cancer pathway's own clinics and treatments are in ``cancer``).

The busiest part of the model after ED: about 440,000 first and 1.3 million follow-up
outpatient attendances and 500,000 tests a year (baseline, 1.2 million people), so each day's
clinics are inline loops over the store's arrays, not a process per attendance; the follow-ups
not on an RTT pathway and GP direct-access tests are day ledgers (counts by day joined).
"""

from __future__ import annotations

import heapq
import math

from sim.core.clock import MIN_PER_DAY
from sim.model.services.elective.pathways import (
    ADM,
    C_DIAG,
    C_DX,
    DAYS_PER_WEEK,
    DIAG,
    FU,
    NO_TEST,
    NON_ADMITTED,
    OP,
    STOPPED,
    PathwayStore,
)
from sim.scenario.sections.elective import MODALITIES, SPECIALTIES


class Clinics(PathwayStore):
    """A weekday's clinics and tests (``_outpatients``, ``_diagnostics``; the cancer pathway's
    own clinics are ``cancer.CancerClinics``), capacities from ``rates``."""

    def _slots(self, key: str, k: int, per_week: float) -> int:
        """Weekly capacity spread over five weekdays, fractions carried to the next day."""
        total = self.carry.get((key, k), 0.0) + per_week / 5
        whole = int(total)
        self.carry[key, k] = total - whole
        return whole

    def _outpatients(self, now: float) -> None:
        """Each specialty's clinics: cancer first, then everyone in the order they became due
        (a first attendance at referral, or once its booking notice has passed: its
        ``stage_start``).

        (The day's busiest loop, about 450,000 attendances a year: each pathway's next stage
        is written out here rather than through ``_join``.)"""
        firsts = fus = stops = 0
        stage, stage_start, clock = self.stage, self.stage_start, self.clock
        mod, needs_fu, route, prio = self.mod, self.needs_fu, self.route, self.prio
        heappop, heappush = heapq.heappop, heapq.heappush
        by_priority, by_clock, listed = self.by_priority, self.by_clock, self.listed
        pending, work = self.pending, self.work
        test_notice, preop = work["test_notice_days"], work["preop_days"]
        cancer_test_notice = work["cancer_test_notice_days"]
        on_list_t, on_list_v = self.t_on_list.t.append, self.t_on_list.v.append
        for s in range(len(self.specs)):
            slots = self._slots("op", s, self.rates.outpatients[SPECIALTIES[s]] * DAYS_PER_WEEK)
            cq = self.op_cancer[s]
            while slots and cq:
                i = cq.popleft()
                slots -= 1
                firsts += 1
                self._enter(C_DIAG, i, now, cancer_test_notice)
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
            due_first = stage_start[first_q[0]] if first_q else math.inf
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
                    due_first = stage_start[first_q[0]] if first_q else math.inf
                    m = mod[i]
                    if m != NO_TEST:
                        stage[i] = DIAG
                        stage_start[i] = now
                        if test_notice is None:
                            diag_rtt[m].append(i)
                        else:  # booked with notice: eligible from then (``_release``)
                            heappush(pending, (now + test_notice(), i))
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
                    if preop is None:
                        heappush(adm[prio[i] if by_priority else 3],
                                 (clock[i] if by_clock else listed.setdefault(i, now), i))
                    else:  # pre-operative assessment first (``_release``)
                        heappush(pending, (now + preop(), i))
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
        reporting, pending = self.work["reporting_days"], self.pending
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
            due_day = self.test_due  # (tests booked with notice: due once it has passed)
            while q and stage[q[0]] != DIAG:  # (pathways removed since are dropped)
                due_day.pop(q.popleft(), None)
            while slots:
                due = (due_day.get(q[0], stage_start[q[0]]) if due_day else stage_start[q[0]]) \
                    if q else math.inf
                if ledger.total and ledger.days[0] <= due:
                    taken = ledger.take(slots, due)
                    slots -= taken
                    done += taken
                    continue
                if not q:
                    break
                i = q.popleft()
                if due_day:
                    due_day.pop(i, None)
                while q and stage[q[0]] != DIAG:
                    due_day.pop(q.popleft(), None)
                slots -= 1
                done += 1
                # tested: the results at a follow-up (``_join(FU, i, now)`` written out)
                stage[i] = FU
                stage_start[i] = now
                if reporting is None:
                    heappush(self.op_fu[self.spec[i]], (now, i))
                else:  # due at the follow-up once reported (``_release``)
                    heappush(pending, (now + reporting(), i))
        self._count("diagnostic", done)

    def _diagnosed(self, i: int, now: float) -> None:
        """Tested: the cancer pathway waits for its results appointment (once reported)."""
        self._enter(C_DX, i, now, self.work["cancer_reporting_days"])
