"""Emergency department: arrivals, ambulance handover, assessment, decision, departure.

Type 3 units (UTC, minor injuries) have no queue modelled: nearly all their patients leave within
4 hours, so a time-in-department draw is enough, and the third of attendances that go there are
handled in bulk with numpy rather than as events (they cost nothing in the event queue).
Type 1 patients queue for handover (ambulance arrivals) and for a clinician, then wait for tests
and results (no clinician held) until the decision. An admitted patient stays in the
department (boards) until the pathway finds a bed.

The 4-hour decision rule (``decision_bunching``): an admitted patient decided before the window
(default 180-240 min after arrival) is, with the configured probability, held until a uniformly
drawn time inside it before the bed request is made, reproducing the HSCIC finding that half of
admissions from A&E happen in the 4th hour.

A patient's random attributes are drawn at arrival, in arrival order, so patient i is the same
patient in every scenario (common random numbers).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import simpy

from sim.core.arrivals import hourly_rates, poisson_times
from sim.core.clock import Calendar
from sim.core.distributions import Sampler, Uniforms, draw
from sim.core.monitor import Monitor
from sim.core.rng import Streams
from sim.core.station import Station
from sim.model.services.base import Record, Service
from sim.scenario.services import EDSection

TYPE1_WALK_IN, TYPE1_AMBULANCE, TYPE3 = "type1_walk_in", "type1_ambulance", "type3"


class EDPatient(Record):
    __slots__ = ("admit", "ambulance", "assess_mins", "handed_over", "handover_mins",
                 "hold_until", "investigation_mins", "type3")


class EmergencyDepartment(Service):
    name = "ed"

    def __init__(self, env: simpy.Environment, cfg: EDSection, population: int,
                 growth_pct: float, calendar: Calendar, streams: Streams, monitor: Monitor):
        super().__init__(env, monitor)
        self.cfg = cfg
        per_day = cfg.attendances_per_1000_per_year * population / 1000 / 365.25
        rates = hourly_rates(calendar, per_day, growth_pct, cfg.hour_profile,
                             cfg.weekday_profile, cfg.month_profile)
        times = poisson_times(streams("arrivals.ed"), rates)
        u_type = streams("route.ed.type").random(times.size)
        mix = cfg.arrival_mix
        is_t3 = u_type < mix.type3
        self.t3_times = times[is_t3]
        self.t3_stay = draw(cfg.type3_time_in_dept_mins, streams("service.ed.type3.base"),
                            int(is_t3.sum()))
        self.t1_times = times[~is_t3]
        self.t1_ambulance = u_type[~is_t3] < mix.type3 + mix.type1_ambulance
        self.end = calendar.end
        self.u_admit = Uniforms(streams("route.ed.admit"))
        self.u_hold = Uniforms(streams("route.ed.decision_bunching"))
        self.handover_draw = Sampler(cfg.handover_mins, streams("service.ed.handover"))
        self.assess_draw = Sampler(cfg.assessment_mins, streams("service.ed.assessment"))
        self.invest_draw = Sampler(cfg.investigation_mins, streams("service.ed.investigation"))
        self.type3_draw = Sampler(cfg.type3_time_in_dept_mins, streams("service.ed.type3"))
        self.handover = Station(env, cfg.handover_staff, "ed.handover")
        self.t3_still_here = 0
        self.clinicians = Station(env, cfg.clinicians_per_shift, "ed.clinicians")
        self.boarding = monitor.level("ed.boarding")
        self.t_time = monitor.tally("ed.time_in_dept")
        self.t_type1 = monitor.tally("ed.type1_time_in_dept")
        self.t_admitted = monitor.tally("ed.admitted_time_in_dept")
        self.t_handover = monitor.tally("ed.handover")
        self.t_wait = monitor.tally("ed.assessment_wait")
        self.t_decision = monitor.tally("ed.decision_to_admit_mins")
        # The pathway decides what admission means (a bed, a virtual ward); alone: leave now.
        # ``done(how)`` ends the ED stay: "transferred" to a modelled service, else "redirected".
        self.on_admit: Callable[[EDPatient, Callable[[str], Any]], Any] = (
            lambda p, done: done("redirected"))
        kinds = iter(np.where(self.t1_ambulance, TYPE1_AMBULANCE, TYPE1_WALK_IN).tolist())
        self.arrivals(self.t1_times.tolist(), lambda: self.arrive(next(kinds), "community"))

    # -- arrivals ---------------------------------------------------------------------------

    def _type3_in_bulk(self) -> int:
        """Record the community type 3 attendances; returns how many are still there."""
        arrived = self.t3_times < self.end
        t, stay = self.t3_times[arrived], self.t3_stay[arrived]
        gone = t + stay <= self.end
        self.t_time.extend(t, np.where(gone, stay, self.end - t), ~gone)
        self.flows.enter(self.name, True, int(arrived.sum()))
        self.flows.finish(self.name, int(gone.sum()))
        return int((~gone).sum())

    def arrive(self, kind: str, source: str, external: bool = True) -> None:
        """One attendance now; other services send theirs here (GP overflow, UCR escalation)."""
        p = EDPatient(self.new_id(), self.env.now, source)
        self.enter(p, external)
        p.type3 = kind == TYPE3
        p.ambulance = kind == TYPE1_AMBULANCE
        if p.type3:  # (each draw below comes from its own stream, so skipping keeps CRN)
            p.admit = False
            self.after(self.type3_draw.next(), lambda p=p: self._depart(p))
            return
        p.handed_over = False
        p.admit = self.u_admit() < self.cfg.admission_share
        p.handover_mins = self.handover_draw.next()
        p.assess_mins = self.assess_draw.next()
        p.investigation_mins = self.invest_draw.next()
        p.hold_until = -1.0
        if p.admit:
            b = self.cfg.decision_bunching
            u_hold = self.u_hold()
            if u_hold < b.share:
                p.hold_until = b.window_start_mins + (
                    b.window_end_mins - b.window_start_mins) * (u_hold / b.share)
        if p.ambulance:
            self.handover.join(p.handover_mins, lambda _t, p=p: self._handed_over(p))
        else:
            self._assess(p)

    # -- type 1 journey -----------------------------------------------------------------------
    def _handed_over(self, p: EDPatient) -> None:
        p.handed_over = True
        self.t_handover.record(p.arrived, self.env.now - p.arrived)
        self._assess(p)

    def _assess(self, p: EDPatient) -> None:
        self.clinicians.join(p.assess_mins, lambda t, p=p: self._assessed(p, t))

    def _assessed(self, p: EDPatient, ticket) -> None:
        self.t_wait.record(p.arrived, ticket.wait)
        leaves_at = self.env.now + p.investigation_mins
        if not p.admit and leaves_at <= self.end:
            # Tests and results hold no resource and nothing observes this patient again, so
            # the departure is booked now rather than as an event (a third of all ED events).
            self._depart(p, at=leaves_at)
        else:
            self.after(p.investigation_mins, lambda p=p: self._decided(p))

    def _decided(self, p: EDPatient) -> None:
        if not p.admit:
            self._depart(p)
            return
        elapsed = self.env.now - p.arrived
        if p.hold_until >= 0 and elapsed < self.cfg.decision_bunching.window_start_mins:
            self.after(p.hold_until - elapsed, lambda p=p: self._request_admission(p))
        else:
            self._request_admission(p)

    def _request_admission(self, p: EDPatient) -> None:
        self.t_decision.record(p.arrived, self.env.now - p.arrived)
        self.boarding.add(self.env.now, 1)
        self.on_admit(p, lambda how, p=p: self._admitted(p, how))

    def _admitted(self, p: EDPatient, how: str) -> None:
        self.boarding.add(self.env.now, -1)
        self._depart(p, how)

    def _depart(self, p: EDPatient, how: str = "finished", at: float | None = None) -> None:
        self.leave(p, how)
        stay = (self.env.now if at is None else at) - p.arrived
        self.t_time.record(p.arrived, stay)
        if not p.type3:
            self.t_type1.record(p.arrived, stay)
        if p.admit:
            self.t_admitted.record(p.arrived, stay)

    # -- end of run -----------------------------------------------------------------------------
    def close(self) -> None:
        """Patients still in the department are counted (censored), never dropped."""
        now = self.env.now
        self.t3_still_here = self._type3_in_bulk()
        for p in self.present.values():
            stay = now - p.arrived
            self.t_time.record(p.arrived, stay, censored=True)
            if not p.type3:
                self.t_type1.record(p.arrived, stay, censored=True)
            if p.admit:
                self.t_admitted.record(p.arrived, stay, censored=True)
            if p.ambulance and not p.handed_over:
                self.t_handover.record(p.arrived, stay, censored=True)

    def in_system(self) -> int:
        return len(self.present) + self.t3_still_here
