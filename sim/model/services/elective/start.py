"""The start state: the waiting list, ledgers and cancer queues at time zero.

A run starts with the list a real system has (baseline: 158,000 incomplete RTT pathways for 1.2
million people, ``initial_list.pathways_per_100k``), the follow-ups and direct-access tests
waiting in the ledgers, and the cancer queues, spread over stages and time waited as the fluid
dynamics at the scenario's start waits hold them (``fluid.cells``), so the measurement can start
after a short warm-up (59 days) instead of years of filling. Made once, in bulk, from its own
stream (``init.elective.list``): the numbers drawn for the run's referrals do not move when the
start state changes.
"""

from __future__ import annotations

import heapq

import numpy as np

from sim.core.distributions import Sampler
from sim.model.services.elective import fluid
from sim.model.services.elective.hazard import Hazard
from sim.model.services.elective.ledger import DayLedger
from sim.model.services.elective.pathways import (
    ADM,
    C_DEC,
    C_DX,
    C_TREAT,
    DAY_CASE,
    DAYS_PER_WEEK,
    DIAG,
    FU,
    INPATIENT,
    NO_TEST,
    NON_ADMITTED,
    OP,
    PathwayStore,
)
from sim.scenario.sections.elective import MODALITIES, SPECIALTIES

# the irreducible time spent at each RTT stage before its queue (``cfg.work``)
STAGE_WORK = {OP: "first_notice_days", DIAG: "test_notice_days", FU: "reporting_days",
              ADM: "preop_days"}


class StartState(PathwayStore):
    """Fills the pathway store before the first day (``_initial_state``)."""

    def _initial_state(self) -> None:
        """The list, follow-ups and direct-access requests waiting at time zero, as the fluid
        dynamics at the scenario's start waits hold them (``fluid.cells``)."""
        cfg, rng = self.cfg, self.rng_init
        waits = fluid.start_waits(cfg)
        hz = Hazard(cfg)
        count = round(cfg.initial_list.pathways_per_100k * self.population / 1e5)
        if count:
            cells = [c for c in fluid.cells(cfg, self.population, waits,
                                            fluid.stage_work(cfg)) if c.expected > 0]
            expected = np.array([c.expected for c in cells])
            per_cell = rng.multinomial(count, expected / expected.sum())
            starts, made_ids, stages = [], [], []
            for cell, k in zip(cells, per_cell.tolist(), strict=True):
                if not k:
                    continue
                in_stage = hz.ages_in_stage(rng.random(k), cell.stage, cell.base_days,
                                             cell.wait_days)
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
            work = self._start_work()
            for t, i, st in zip(start[order].tolist(), i_s[order].tolist(),
                                stage[order].tolist(), strict=True):
                w = work.get(st)
                if w is not None and (st != FU or self.mod[i] != NO_TEST):
                    ready = t + w()
                    if ready > 0:  # its work at this stage is not done yet: not eligible
                        self.stage[i] = st
                        self.stage_start[i] = t
                        heapq.heappush(self.pending, (ready, i))
                        continue
                self._join(st, i, t)
        rt = self.rates
        for si, k in enumerate(SPECIALTIES):
            self._fill(self.op_ledger[si], rt.followups[k], waits.outpatient[k], hz, FU)
        for mi, k in enumerate(MODALITIES):
            self._fill(self.diag_direct[mi], rt.direct[k], waits.test[k], hz, DIAG)
        self._initial_cancer()
        self.list_level.set(0.0, self.active)
        self.diag_level.set(0.0, self._diag_waiting())
        self.dx_level.set(0.0, sum(len(q) for q in self.dx_cancer))

    def _start_work(self) -> dict:
        """Each RTT stage's irreducible time, drawn for the start list from its own stream
        (``init.elective.work``): a pathway that joined its stage less than its work time ago
        is still doing that work (a referral is still in its booking notice)."""
        rng = None
        out = {}
        for st, k in STAGE_WORK.items():
            spec = getattr(self.cfg.work, k)
            if spec is not None:
                rng = rng or self.ctx.streams("init.elective.work")
                out[st] = Sampler(spec, rng).next
        return out

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

    def _fill(self, ledger: DayLedger, per_day: float, wait_days: float, hz: Hazard,
              stage: int) -> None:
        """Requests that joined over the last ``wait_days`` days and are still waiting (a
        ledger's age is its time waited in the ledger)."""
        days = int(wait_days)
        if days <= 0 or per_day <= 0:
            return
        ages = np.arange(days, 0, -1, dtype=float)
        counts = self.rng_init.poisson(per_day * hz.survive_array(stage, 0.0, ages))
        for a, c in zip(ages.tolist(), counts.tolist(), strict=True):
            ledger.add(-a, c)
