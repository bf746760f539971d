"""Reablement: a pool of concurrent packages. A referral waits (FIFO, or acute patients first)
for a free package, then assessment and set-up, then care starts: the 2-day standard runs from
referral to that start. A patient referred from an acute bed stays in the bed meanwhile
(delayed discharge), which is how reablement capacity reaches ED. Until care starts such a
patient is counted by the acute service (where they are), not here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import simpy

from sim.core.arrivals import hourly_rates, poisson_times
from sim.core.clock import MIN_PER_DAY, Calendar
from sim.core.distributions import Sampler
from sim.core.monitor import Monitor
from sim.core.rng import Streams
from sim.core.station import Pool
from sim.model.services.base import Record, Service
from sim.scenario.services import ReablementSection


class Referral(Record):
    __slots__ = ("duration", "on_start", "setup", "started")


class Reablement(Service):
    name = "reablement"

    def __init__(self, env: simpy.Environment, cfg: ReablementSection, population: int,
                 growth_pct: float, calendar: Calendar, streams: Streams, monitor: Monitor):
        super().__init__(env, monitor)
        self.cfg = cfg
        self.pool = Pool(env, cfg.packages, "reablement.packages",
                         discipline="priority" if cfg.acute_first else "fifo",
                         busy=monitor.level("reablement.in_use"),
                         queue=monitor.level("reablement.queue"))
        self.t_start = monitor.tally("reablement.days_to_start")
        self.from_acute: dict[int, Referral] = {}  # waiting in an acute bed
        self.setup = Sampler(cfg.setup_days, streams("service.reablement.setup"), MIN_PER_DAY)
        self.duration = Sampler(cfg.duration_days, streams("los.reablement"), MIN_PER_DAY)
        per_day = cfg.community_referrals_per_100k_per_year * population / 1e5 / 365.25
        times = poisson_times(streams("arrivals.reablement.community"),
                              hourly_rates(calendar, per_day, growth_pct))
        self.arrivals(times.tolist(), self.refer, "community", None, True)

    def refer(self, source: str, on_start: Callable[[], Any] | None = None,
              external: bool = False) -> None:
        """A referral now; ``on_start`` runs when care starts (the acute bed is then freed)."""
        r = Referral(self.new_id(), self.env.now, source)
        r.on_start = on_start
        r.started = False
        r.setup = self.setup.next()
        r.duration = self.duration.next()
        if on_start is None:
            self.enter(r, external)
        else:
            self.from_acute[r.id] = r
        self.pool.request(lambda _t, r=r: self.after(r.setup, lambda: self._start(r)),
                          priority=0 if source == "acute" else 1)

    def _start(self, r: Referral) -> None:
        r.started = True
        if r.on_start is not None:
            del self.from_acute[r.id]
            self.enter(r, external=False)
        self.t_start.record(r.arrived, (self.env.now - r.arrived) / MIN_PER_DAY)
        if r.on_start is not None:
            r.on_start()
        self.after(r.duration, lambda: self._end(r))

    def _end(self, r: Referral) -> None:
        self.leave(r, "finished")
        self.pool.release()

    def close(self) -> None:
        now = self.env.now
        for r in [*self.present.values(), *self.from_acute.values()]:
            if not r.started:
                self.t_start.record(r.arrived, (now - r.arrived) / MIN_PER_DAY, censored=True)
