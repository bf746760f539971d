"""Emergency department: arrivals, ambulance handover, clinician assessment, decision, departure.

Type 3 units (UTC, minor injuries) have no queue modelled: nearly all their patients leave within
4 hours, so a time-in-department draw is enough. Type 1 patients queue for handover (ambulance
arrivals) and for a clinician; an admitted patient stays in the department (boards) until the
pathway finds them a bed. A patient's random attributes are drawn at arrival, in arrival order,
so patient i is the same patient in every scenario (common random numbers).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import simpy

from ..arrivals import hourly_rates, poisson_times
from ..clock import Calendar
from ..distributions import Sampler, Uniforms
from ..monitor import Monitor
from ..rng import Streams
from ..scenario.schema import EDSection
from ..station import Station

SERVICE = "ed"


class EDPatient:
    __slots__ = ("admit", "ambulance", "arrived", "assess_mins", "handed_over", "handover_mins",
                 "id", "type3")

    def __init__(self, pid: int, arrived: float):
        self.id = pid
        self.arrived = arrived
        self.type3 = False
        self.ambulance = False
        self.admit = False
        self.handed_over = False
        self.handover_mins = 0.0
        self.assess_mins = 0.0


class EmergencyDepartment:
    def __init__(self, env: simpy.Environment, cfg: EDSection, population: int,
                 growth_pct: float, calendar: Calendar, streams: Streams, monitor: Monitor):
        self.env, self.cfg, self.monitor = env, cfg, monitor
        self.flows = monitor.flows
        per_day = cfg.attendances_per_1000_per_year * population / 1000 / 365.25
        rates = hourly_rates(calendar, per_day, growth_pct, cfg.hour_profile,
                             cfg.weekday_profile, cfg.month_profile)
        self.arrival_times = poisson_times(streams("arrivals.ed"), rates)
        self.u_type = Uniforms(streams("route.ed.type"))
        self.u_admit = Uniforms(streams("route.ed.admit"))
        self.handover_draw = Sampler(cfg.handover_mins, streams("service.ed.handover"))
        self.assess_draw = Sampler(cfg.assessment_mins, streams("service.ed.assessment"))
        self.type3_draw = Sampler(cfg.type3_time_in_dept_mins, streams("service.ed.type3"))
        self.handover = Station(env, cfg.handover_staff, "ed.handover",
                                queue=monitor.level("ed.handover_queue"))
        self.clinicians = Station(env, cfg.clinicians_per_shift, "ed.clinicians",
                                  busy=monitor.level("ed.clinicians_busy"),
                                  queue=monitor.level("ed.assessment_queue"))
        self.in_dept = monitor.level("ed.in_department")
        self.present: dict[int, EDPatient] = {}
        self.t_time = monitor.tally("ed.time_in_dept")
        self.t_handover = monitor.tally("ed.handover")
        self.t_type1 = monitor.tally("ed.type1_time_in_dept")
        self.t_wait = monitor.tally("ed.assessment_wait")
        # The pathway decides what admission means (a bed, boarding); by default: leave now.
        self.on_admit: Callable[[EDPatient, Callable[[], Any]], Any] = lambda p, done: done()
        env.process(self._arrivals())

    # -- arrivals ---------------------------------------------------------------------------
    def _arrivals(self):
        cfg = self.cfg
        p_type3 = cfg.arrival_mix.type3
        p_amb_end = p_type3 + cfg.arrival_mix.type1_ambulance
        for pid, t in enumerate(self.arrival_times.tolist()):
            if t > self.env.now:
                yield self.env.timeout(t - self.env.now)
            p = EDPatient(pid, self.env.now)
            u = self.u_type()
            p.type3 = u < p_type3
            p.ambulance = p_type3 <= u < p_amb_end
            p.admit = (not p.type3) and self.u_admit() < cfg.admission_share
            p.handover_mins = self.handover_draw.next()
            p.assess_mins = self.assess_draw.next()
            type3_mins = self.type3_draw.next()
            self._enter(p)
            if p.type3:
                self.env.timeout(type3_mins).callbacks.append(lambda _e, p=p: self._depart(p))
            elif p.ambulance:
                self.handover.join(p.handover_mins, lambda _t, p=p: self._handed_over(p))
            else:
                self._assess(p)

    def _enter(self, p: EDPatient) -> None:
        self.flows.enter(SERVICE)
        self.present[p.id] = p
        self.in_dept.add(self.env.now, 1)

    # -- type 1 journey -----------------------------------------------------------------------
    def _handed_over(self, p: EDPatient) -> None:
        p.handed_over = True
        self.t_handover.record(p.arrived, self.env.now - p.arrived)
        self._assess(p)

    def _assess(self, p: EDPatient) -> None:
        self.clinicians.join(p.assess_mins, lambda t, p=p: self._decided(p, t))

    def _decided(self, p: EDPatient, ticket) -> None:
        self.t_wait.record(p.arrived, ticket.wait)
        if p.admit:
            self.on_admit(p, lambda p=p: self._depart(p, redirected=True))
        else:
            self._depart(p)

    def _depart(self, p: EDPatient, redirected: bool = False) -> None:
        del self.present[p.id]
        self.in_dept.add(self.env.now, -1)
        stay = self.env.now - p.arrived
        self.t_time.record(p.arrived, stay)
        if not p.type3:
            self.t_type1.record(p.arrived, stay)
        if redirected:
            self.flows.redirect(SERVICE)
        else:
            self.flows.finish(SERVICE)

    # -- end of run -----------------------------------------------------------------------------
    def close(self) -> None:
        """Patients still in the department are counted (censored), never dropped."""
        now = self.env.now
        for p in self.present.values():
            self.t_time.record(p.arrived, now - p.arrived, censored=True)
            if not p.type3:
                self.t_type1.record(p.arrived, now - p.arrived, censored=True)
            if p.ambulance and not p.handed_over:
                self.t_handover.record(p.arrived, now - p.arrived, censored=True)

    def in_system(self) -> int:
        return len(self.present)
