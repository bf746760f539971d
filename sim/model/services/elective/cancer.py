"""The cancer pathway's own clinics and treatments: results (the Faster Diagnosis Standard clock
stop), treatment planning (the decision to treat, the 31-day clock start) and non-surgical first
treatment, each a weekday's capacity worked through its queue.

England books cancer patients by breach date (results by referral + 28 days, planning and first
treatment by referral + 62, treatment also by decision + 31); the model does so with
``cancer.order = "breach_date"``, or books at random (as availability allows: today's default).
Between the stages sit working times no capacity shortens (scenario options, off by default):
the further tests and reporting between the first test and the results (``workup_mean_days``),
staging after the diagnosis (``staging_mean_days``), the tumour site's weekly MDT meeting
before planning (``mdt_weekly``) and the preparation
between the decision and the treatment (``prep_mean_days``: radiotherapy planning, fitness,
pre-operative assessment). Each clinic's capacity may vary week to week (``capacity_cv``: leave,
cancelled lists). About 58,000 referrals, 3,800 cancers a year (baseline, 1.2 million people):
the queues are small lists sorted once a day.
"""

from __future__ import annotations

import heapq
import math

import numpy as np

from sim.core.clock import MIN_PER_DAY
from sim.model.services.elective.pathways import (
    C_ADM,
    C_DEC,
    C_TREAT,
    DAYS_PER_WEEK,
    NON_ADMITTED,
    PathwayStore,
)

FDS_DAYS, STD_62, STD_31 = 28.0, 62.0, 31.0
BLOCK = 4096  # working-time draws made at a time


class CancerClinics(PathwayStore):
    """Results clinics by site, treatment planning and non-surgical treatment (``_cancer_clinics``,
    ``_cancer_treatments``), with the working times between them."""

    rng_capacity: np.random.Generator  # the capacities' weekly variation
    rng_work: np.random.Generator  # the working times
    cancer_starts_per_week: float
    decision_per_week: float
    dx_per_week: list[float]

    def _init_cancer(self, n_s: int) -> None:
        """The holds between stages (empty) and the weekly capacity factors."""
        self.cancer_factors: dict[tuple[str, int], tuple[int, float]] = {}
        self.dx_hold: list[list[tuple[float, int]]] = [[] for _ in range(n_s)]  # in work-up
        self.dx_ready: list[list[int]] = [[] for _ in range(n_s)]  # worked up, waiting
        # diagnosed cancers in staging or waiting for their MDT meeting (day ready, id)
        self.mdt_pending: list[list[tuple[int, int]]] = [[] for _ in range(n_s)]
        self.prep_hold: list[tuple[float, int, int]] = []  # (ready day, id, stage)
        self._work: list[float] = []

    def _pick(self, q: list[int]) -> int:
        """A random one of those waiting (booked as availability allows)."""
        j = int(self.rng_order.integers(len(q)))
        q[j], q[-1] = q[-1], q[j]
        return q.pop()

    def _take(self, q: list[int], by_breach: bool) -> int:
        return q.pop() if by_breach else self._pick(q)

    def _working_days(self, mean: float) -> float:
        """One lognormal working time of this mean and ``cancer.workup_cv``, days."""
        if not self._work:
            cv = self.cfg.cancer.workup_cv
            sigma2 = math.log1p(cv * cv)
            self._work = self.rng_work.lognormal(-sigma2 / 2, math.sqrt(sigma2), BLOCK).tolist()
        return mean * self._work.pop()

    def _cancer_clinics(self, now: float) -> None:
        """Each site's results clinic, then treatment planning (after the site's MDT meeting
        when ``cancer.mdt_weekly``), in the scenario's order."""
        ca = self.cfg.cancer
        by_breach, clock = ca.order == "breach_date", self.clock
        self._release_prep(now)
        for s, per_week in enumerate(self.dx_per_week):
            q = self._worked_up(s, now) if ca.workup_mean_days > 0 else self.dx_cancer[s]
            slots = self._slots("cancer_dx", s, self._varied("cancer_dx", s, per_week, now))
            if by_breach and slots and q:
                q.sort(key=clock.__getitem__, reverse=True)  # referral + 28: earliest last
            while slots and q:
                i = self._take(q, by_breach)
                slots -= 1
                self.t_fds.record(now * MIN_PER_DAY, now - clock[i])
                if self.route[i] == NON_ADMITTED:
                    self._stop(i, "finished")
                elif ca.mdt_weekly or ca.staging_mean_days > 0:
                    self.stage[i] = C_DEC
                    self.stage_start[i] = now
                    ready = now + (self._working_days(ca.staging_mean_days)
                                   if ca.staging_mean_days > 0 else 0.0)
                    heapq.heappush(self.mdt_pending[s], (math.floor(ready), i))
                else:
                    self._join(C_DEC, i, now)
        if ca.mdt_weekly or ca.staging_mean_days > 0:
            self._mdt_meetings(now, ca.mdt_weekly)
        q = self.dec_cancer
        slots = self._slots("cancer_dec", 0, self._varied("cancer_dec", 0,
                                                          self.decision_per_week, now))
        if by_breach and slots and q:
            q.sort(key=clock.__getitem__, reverse=True)  # referral + 62
        while slots and q:
            i = self._take(q, by_breach)
            slots -= 1
            self.dtt[i] = now
            stage = C_TREAT if self.prio[i] == 0 else C_ADM
            if ca.prep_mean_days > 0:
                self.stage[i] = stage
                self.stage_start[i] = now
                heapq.heappush(self.prep_hold,
                               (now + self._working_days(ca.prep_mean_days), i, stage))
            else:
                self._join(stage, i, now)

    def _cancer_treatments(self, now: float) -> None:
        """Non-surgical first treatments, in the scenario's order (by breach date: the earlier
        of referral + 62 and decision to treat + 31 days)."""
        slots = self._slots("cancer", 0, self._varied("cancer", 0, self.cancer_starts_per_week,
                                                      now))
        q = self.treat_cancer
        by_breach = self.cfg.cancer.order == "breach_date"
        if by_breach and slots and q:
            clock, dtt = self.clock, self.dtt
            q.sort(key=lambda i: min(clock[i] + STD_62, dtt[i] + STD_31), reverse=True)
        while slots and q:
            slots -= 1
            self._treated_cancer(self._take(q, by_breach), now, "finished")

    # -- working time between the stages --------------------------------------------------------
    def _worked_up(self, s: int, now: float) -> list[int]:
        """Site ``s``'s tested referrals whose further tests and reports are done: each new one
        is held for a work-up time from its test, then waits for a results appointment."""
        q, hold, mean = self.dx_cancer[s], self.dx_hold[s], self.cfg.cancer.workup_mean_days
        start = self.stage_start
        for i in q:
            heapq.heappush(hold, (start[i] + self._working_days(mean), i))
        q.clear()
        ready = self.dx_ready[s]
        while hold and hold[0][0] <= now:
            ready.append(heapq.heappop(hold)[1])
        return ready

    def _mdt_meetings(self, now: float, weekly: bool) -> None:
        """Diagnosed cancers whose staging is done join treatment planning: at once, or with
        ``weekly`` once discussed at their site's MDT meeting (one weekday a site, site index
        mod 5: Monday..Friday), so those staged before its latest meeting (on or before today;
        a meeting on a bank holiday is held, its patients planned from the next clinic day)."""
        today = math.floor(now)
        dow = (self.calendar.start_date.weekday() + today) % 7
        for s, pending in enumerate(self.mdt_pending):
            last = today - (dow - s % 5) % 7 if weekly else today + 1
            while pending and pending[0][0] < last:
                self.dec_cancer.append(heapq.heappop(pending)[1])

    def _release_prep(self, now: float) -> None:
        """Decided cancers whose preparation is done join their treatment's queue."""
        hold = self.prep_hold
        while hold and hold[0][0] <= now:
            _, i, stage = heapq.heappop(hold)
            self._join(stage, i, now)

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
