"""Clinics: outpatients, diagnostics, the cancer results and treatment-planning clinics and
non-surgical cancer treatment, each a day's capacity worked through its queues on weekdays.

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
    C_ADM,
    C_DEC,
    C_DIAG,
    C_DX,
    C_TREAT,
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
    """A weekday's clinics and tests (``_outpatients``, ``_diagnostics``, ``_cancer_clinics``,
    ``_cancer_treatments``), capacities from ``rates`` and the cancer section."""

    def _slots(self, key: str, k: int, per_week: float) -> int:
        """Weekly capacity spread over five weekdays, fractions carried to the next day."""
        total = self.carry.get((key, k), 0.0) + per_week / 5
        whole = int(total)
        self.carry[key, k] = total - whole
        return whole

    def _pick(self, q: list[int]) -> int:
        """A random one of those waiting (booked as availability allows)."""
        j = int(self.rng_order.integers(len(q)))
        q[j], q[-1] = q[-1], q[j]
        return q.pop()

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
        31-day clock start), each in the scenario's order (``cancer.order``); with
        ``cancer.mdt_weekly`` a diagnosed cancer waits for its site's MDT meeting between."""
        ca = self.cfg.cancer
        by_breach, mdt = ca.order == "breach_date", ca.mdt_weekly
        clock = self.clock
        for s, per_week in enumerate(self.dx_per_week):
            slots, q = self._slots("cancer_dx", s, self._varied("cancer_dx", s, per_week,
                                                                now)), self.dx_cancer[s]
            if by_breach and slots and q:
                q.sort(key=clock.__getitem__, reverse=True)  # referral + 28: earliest last
            while slots and q:
                i = q.pop() if by_breach else self._pick(q)
                slots -= 1
                self.t_fds.record(now * MIN_PER_DAY, now - clock[i])
                if self.route[i] == NON_ADMITTED:
                    self._stop(i, "finished")
                elif mdt:
                    self.stage[i] = C_DEC
                    self.stage_start[i] = now
                    self.mdt_pending[s].append((math.floor(now), i))
                else:
                    self._join(C_DEC, i, now)
        q = self.dec_cancer
        if mdt:
            self._mdt_meetings(now)
        slots = self._slots("cancer_dec", 0, self._varied("cancer_dec", 0,
                                                          self.decision_per_week, now))
        if by_breach and slots and q:
            q.sort(key=clock.__getitem__, reverse=True)  # referral + 62
        while slots and q:
            i = q.pop() if by_breach else self._pick(q)
            slots -= 1
            self.dtt[i] = now
            self._join(C_TREAT if self.prio[i] == 0 else C_ADM, i, now)

    def _cancer_treatments(self, now: float) -> None:
        """Non-surgical first treatments, in the scenario's order (``cancer.order``; by breach
        date: the earlier of referral + 62 and decision to treat + 31 days)."""
        slots = self._slots("cancer", 0, self._varied("cancer", 0, self.cancer_starts_per_week,
                                                      now))
        q = self.treat_cancer
        by_breach = self.cfg.cancer.order == "breach_date"
        if by_breach and slots and q:
            clock, dtt = self.clock, self.dtt
            q.sort(key=lambda i: min(clock[i] + 62.0, dtt[i] + 31.0), reverse=True)
        while slots and q:
            slots -= 1
            self._treated_cancer(q.pop() if by_breach else self._pick(q), now, "finished")

    # -- the cancer pathway's working time and varying capacity -----------------------------
    def _mdt_meetings(self, now: float) -> None:
        """Each site meets one weekday a week (site index mod 5: Monday..Friday); those told
        their diagnosis before its latest meeting (on or before today) were discussed there
        and now wait for treatment planning. A meeting on a bank holiday is held, its
        patients planned on the next clinic day."""
        today = math.floor(now)
        dow = (self.calendar.start_date.weekday() + today) % 7
        for s, pending in enumerate(self.mdt_pending):
            last = today - (dow - s % 5) % 7
            while pending and pending[0][0] < last:
                self.dec_cancer.append(pending.popleft()[1])

    def _varied(self, key: str, k: int, per_week: float, now: float) -> float:
        """This week's capacity: ``per_week`` times a lognormal factor of mean 1 and the
        coefficient of variation ``cancer.capacity_cv`` (drawn once a week per clinic)."""
        cv = self.cfg.cancer.capacity_cv
        if cv <= 0:
            return per_week
        week = math.floor(now / DAYS_PER_WEEK)
        got = self.cancer_factors.get((key, k))
        if got is None or got[0] != week:
            sigma2 = math.log1p(cv * cv)
            got = self.cancer_factors[key, k] = (
                week, float(self.rng_capacity.lognormal(-sigma2 / 2, math.sqrt(sigma2))))
        return per_week * got[1]
