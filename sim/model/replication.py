"""One replication: build the enabled services from the scenario, connect them, run, close.

``simulate`` is the only place a replication is built and run; the experiment layer measures
what it returns (KPIs, conservation), and verification and ``advise`` look at its
observations directly.
"""

from __future__ import annotations

import gc
from dataclasses import dataclass, replace

from sim.core.clock import Calendar
from sim.core.engine import Engine
from sim.core.monitor import Monitor
from sim.core.rng import Streams
from sim.core.seasons import Season
from sim.model import registry
from sim.model.context import Context
from sim.model.pathways import connect
from sim.model.services.base import Service
from sim.scenario import Scenario
from sim.scenario.capacity_plan import capacity_plan


@dataclass
class Replication:
    """A replication that has run to its end: what measurement and checks look at."""

    scenario: Scenario
    calendar: Calendar
    monitor: Monitor
    services: dict[str, Service]  # section -> service, the enabled ones


def calendar_of(scenario: Scenario) -> Calendar:
    r = scenario.run
    return Calendar(r.start_date, r.warmup_days, r.measurement_days)


def season_of(scenario: Scenario, cal: Calendar) -> Season:
    s = scenario.seasons
    return Season.of(cal, s.emergency_los_month_profile, s.emergency_admission_month_profile,
                     s.bank_holidays)


def build(scenario: Scenario, ctx: Context) -> dict[str, Service]:
    """Create the enabled services and connect their ports; returns them by section."""
    made = {e.section: e.service(replace(ctx, growth_pct=scenario.demand.growth_for(e.section)),
                                 getattr(scenario, e.section))
            for e in registry.enabled(scenario)}
    connect(made, registry.links())
    return made


def simulate(scenario: Scenario, seed: int, replication: int) -> Replication:
    """Build, run to the end of the scenario's calendar, and close (censored observations)."""
    cal = calendar_of(scenario)
    env = Engine()
    monitor = Monitor(*registry.all_observations())
    ctx = Context(env, cal, Streams(seed, replication), monitor, scenario.population.size,
                  scenario.demand.growth_pct_per_year, capacity_plan(scenario),
                  season_of(scenario, cal))
    services = build(scenario, ctx)
    # The run makes millions of short-lived objects and almost no reference cycles (about
    # 80,000 small ones a year), so the cyclic collector's passes cost about 5% of the run and
    # free next to nothing; it is paused for the run and the cycles are freed after it.
    collecting = gc.isenabled()
    gc.disable()
    try:
        env.run(until=cal.end)
    finally:
        if collecting:
            gc.enable()
    for svc in services.values():
        svc.close()
    monitor.finish()  # levels recorded as steps are made
    return Replication(scenario, cal, monitor, services)
