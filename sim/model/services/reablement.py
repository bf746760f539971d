"""Reablement: a pool of concurrent packages. A referral waits (FIFO, or acute patients first)
for a free package, then assessment and set-up, then care starts: the 2-day standard runs from
referral to that start. A patient referred from an acute bed stays in the bed meanwhile
(delayed discharge), which is how reablement capacity reaches ED. If the acute bed's
``on_start`` returns minutes (a float: acute's discharge window), the package is held for them
until they are home and the episode runs from then. Until care starts such a
patient is counted by the acute service (where they are), not here. A client who needs
long-term home care at the end of the episode keeps the package until a home care package starts
(discharge to assess, pathway 1): a home care shortage blocks reablement.

An episode is one SimPy process (``_episode``). Volume: about 5,300 referrals a year at baseline
(6,168 in one 424-day baseline replication). Cost: 1.1% of a baseline replication's time under
cProfile (which overstates short calls), its SimPy events included.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import Any

import simpy

from sim.core.arrivals import hourly_rates, poisson_times
from sim.core.capacity import follow
from sim.core.clock import MIN_PER_DAY
from sim.core.distributions import Sampler, uniforms
from sim.core.monitor import Observations, SeriesSpec
from sim.core.station import Pool
from sim.model.context import Context
from sim.model.ports import PLAIN, Port, Referral, accepting, call, sends
from sim.model.services.base import FINISHED, TRANSFERRED, Exit, Record, Service
from sim.scenario.sections.reablement import ReablementSection

IN_USE = "reablement.in_use"
QUEUE = "reablement.queue"
DAYS_TO_START = "reablement.days_to_start"
OBSERVATIONS = Observations(tallies=(DAYS_TO_START,), levels=(IN_USE, QUEUE))

SERIES = (SeriesSpec("reablement_queue", "reablement queue", "reablement", QUEUE, "level",
                     queue=True),)


@dataclass
class ReablementNeeds:
    home_care: Port | None = sends("home_care")  # long-term home care after the episode


class Client(Record):
    __slots__ = ("duration", "on_start", "setup", "started")


class Reablement(Service):
    name = "reablement"

    def __init__(self, ctx: Context, cfg: ReablementSection):
        super().__init__(ctx, cfg)
        streams, monitor = ctx.streams, ctx.monitor
        self.pool = Pool(ctx.env, cfg.packages, "reablement.packages",
                         discipline="priority" if cfg.acute_first else "fifo",
                         busy=monitor.steps(IN_USE), queue=monitor.steps(QUEUE))
        follow(ctx.env, ctx.levels("reablement.packages"), self.pool.set_capacity)
        self.t_start = monitor.tally(DAYS_TO_START)
        self.from_acute: dict[int, Client] = {}  # waiting in an acute bed
        self.setup = Sampler(cfg.setup_days, streams("service.reablement.setup"), MIN_PER_DAY)
        self.duration = Sampler(cfg.duration_days, streams("los.reablement"), MIN_PER_DAY)
        self.u_home_care = uniforms(streams("route.reablement.home_care"))
        self.needs: ReablementNeeds = ReablementNeeds()
        per_day = cfg.community_referrals_per_100k_per_year * ctx.population / 1e5 / 365.25
        times = poisson_times(streams("arrivals.reablement.community"),
                              hourly_rates(ctx.calendar, per_day, ctx.growth_pct))
        self.arrivals(times.tolist(), self.refer, "community", None, True)

    accepts = accepting(referral=(PLAIN, "reablement"))  # plain, or passed on by D2A

    def offers(self) -> dict[str, Port]:
        return {"referral": self._take}

    def _take(self, r: Referral) -> bool:
        """Every referral is taken (it queues for a package); a referrer that passes
        ``on_taken`` (an acute bed) keeps the patient until care starts."""
        self.refer(r.source, r.on_taken)
        return True

    def refer(self, source: str, on_start: Callable[[], Any] | None = None,
              external: bool = False) -> None:
        """A referral now; ``on_start`` runs when care starts (the acute bed is then freed)."""
        r = Client(self.new_id(), self.env.now, source)
        r.on_start = on_start
        r.started = False
        r.setup = self.setup.next()
        r.duration = self.duration.next()
        if on_start is None:
            self.enter(r, external)
        else:
            self.from_acute[r.id] = r
        self.env.process(self._episode(r))

    def _episode(self, r: Client) -> Generator[simpy.Event, Any, None]:
        """Wait for a free package (acute patients first if so set), set it up, deliver care;
        a client who needs long-term home care keeps the package until that starts."""
        with self.pool.claim(0 if r.source == "acute" else 1) as package:
            yield package
            yield self.env.timeout(r.setup)
            wait = self._start(r)
            if wait > 0.0:  # out of the acute bed in its discharge window
                yield self.env.timeout(wait)
                self.enter(r, external=False)
            yield self.env.timeout(r.duration)
            how: Exit = FINISHED
            if self.u_home_care() < self.cfg.to_home_care_share:
                handed = self.env.event()
                if call(self.needs.home_care, Referral(self.name, "home_care", handed.succeed)):
                    yield handed  # the package is held until home care starts
                    how = TRANSFERRED
        self.leave(r, how)

    def _start(self, r: Client) -> float:
        """Care can start: the 2-day clock stops, and a patient waiting in an acute bed leaves
        it (from then on they are counted here); the minutes until they do (0: now)."""
        r.started = True
        self.t_start.record(r.arrived, (self.env.now - r.arrived) / MIN_PER_DAY)
        if r.on_start is None:
            return 0.0
        del self.from_acute[r.id]
        wait = r.on_start()
        if isinstance(wait, float) and wait > 0.0:
            return wait
        self.enter(r, external=False)
        return 0.0

    def close(self) -> None:
        now = self.env.now
        for r in [*self.present.values(), *self.from_acute.values()]:
            if not r.started:
                self.t_start.record(r.arrived, (now - r.arrived) / MIN_PER_DAY, censored=True)
