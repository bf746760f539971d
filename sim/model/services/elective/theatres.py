"""Theatres: each specialty's weekday lists of day cases and inpatients, cancer first (and
extra lists for long waiters when ``long_waiters.theatre_pct`` is set).

About 54,000 day cases and 14,500 inpatient operations a year (baseline, 1.2 million people).
An inpatient needs an acute bed on the day of surgery (``needs.bed``, acute's ``elective_bed``
port, asked once at ``admission_hour``); refused, the operation is cancelled on the day and the
patient goes back on the list. The stay in that bed (recovery, then home in discharge hours) is
acute's (``Acute.admit_elective``).
"""

from __future__ import annotations

import heapq

from sim.model.ports import PLAIN, Referral
from sim.model.services.elective.longwait import LongWaits
from sim.model.services.elective.pathways import (
    ADM,
    C_ADM,
    DAY_CASE,
    DAYS_PER_WEEK,
    INPATIENT,
)
from sim.scenario.sections.elective import SPECIALTIES

MAX_DEFERRED = 50  # inpatients passed over in one specialty's day once no bed is free
CANCER = "cancer"  # the bed request's kind for a cancer inpatient (not deferred under pressure)


class Theatres(LongWaits):
    """A weekday's theatre lists (``_theatres``), budgets in case units carried day to day."""

    def _theatres(self, now: float) -> None:
        """Each specialty's sessions (in case units): cancer first, then P1..P4 in turn. An
        inpatient cancelled for want of a bed goes back on the list (first in turn tomorrow)
        and the place is backfilled from the list (day cases; inpatients are not tried again
        that day), so bed pressure delays inpatients without wasting theatre time."""
        cases = [0, 0, 0]
        long_waiters = self._long_waiters(now)
        keep = self.cfg.long_waiters.theatre_pct / 100
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
            if long_waiters[s]:  # extra lists for long waiters (cancer keeps its own)
                no_bed = self._long_list(long_waiters[s], daily * keep, no_bed, cases)
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

    def _long_list(self, ids: list[int], kept: float, no_bed: bool, cases: list[int]) -> bool:
        """Extra theatre time for long waiters (``kept`` case units, unused time lost): the
        longest waiting first, skipping inpatients once no bed is free. A pathway treated here
        leaves its heap lazily (its stage changes); one cancelled stays on the list where it
        was. Returns whether a bed was refused."""
        for i in ids:
            cost = self.cost[self.route[i] - 1]
            if cost > kept + 1e-9:
                break
            if no_bed and self.route[i] == INPATIENT:
                continue
            if self._operate(i, cases):
                kept -= cost
                self._stop(i, "transferred" if self.route[i] == INPATIENT
                           and self.needs.bed is not None else "finished")
            else:
                no_bed = True
        return no_bed

    def _operate(self, i: int, cases: list[int]) -> bool:
        """True when the operation goes ahead (an inpatient needs a bed; none: cancelled)."""
        route = self.route[i]
        if route == INPATIENT:
            bed = self.needs.bed
            kind = CANCER if self.stage[i] == C_ADM else PLAIN
            if bed is not None and not bed(Referral(self.name, kind)):
                return False
        cases[route] += 1
        return True

    def _heap_head(self, q: list[tuple[float, int]], stage: int) -> tuple[float, int] | None:
        while q:
            if self.stage[q[0][1]] == stage:
                return q[0]
            heapq.heappop(q)
        return None
