"""One replication: build the services from the scenario, run them, and measure.

The model owns wiring, not aggregation: it returns this replication's KPI values, monthly KPI
values and patient-flow counts, and asserts that every patient is accounted for.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import simpy

from . import pathways
from .clock import Calendar
from .kpis import RunData, evaluate
from .monitor import Monitor
from .rng import Streams
from .scenario import Scenario
from .services.ed import EmergencyDepartment


class ConservationError(AssertionError):
    """A patient was lost: the model is wrong, whatever its KPIs say."""


@dataclass
class ReplicationResult:
    replication: int
    kpis: dict[str, float]
    monthly: dict[str, dict[str, float]]  # month label -> kpi -> value
    flows: dict[str, dict[str, int]] = field(default_factory=dict)


def calendar_of(scenario: Scenario) -> Calendar:
    r = scenario.run
    return Calendar(r.start_date, r.warmup_days, r.measurement_days)


def build(scenario: Scenario, env: simpy.Environment, streams: Streams,
          monitor: Monitor) -> dict[str, object]:
    """Create the enabled services; returns them by service name."""
    cal = calendar_of(scenario)
    services: dict[str, object] = {}
    ed = None
    if scenario.ed.enabled:
        ed = EmergencyDepartment(env, scenario.ed, scenario.population.size,
                                 scenario.demand.growth_pct_per_year, cal, streams, monitor)
        services["ed"] = ed
    pathways.connect(ed)
    return services


def run_replication(scenario: Scenario, seed: int, replication: int) -> ReplicationResult:
    cal = calendar_of(scenario)
    env = simpy.Environment()
    streams = Streams(seed, replication)
    monitor = Monitor()
    services = build(scenario, env, streams, monitor)
    env.run(until=cal.end)
    for svc in services.values():
        svc.close()
    flows = check_conservation(monitor, services)
    data = RunData(monitor, scenario, cal)
    kpis = evaluate(data, cal.measurement)
    monthly = {m.label: evaluate(data, m.window) for m in cal.months()}
    return ReplicationResult(replication, _clean(kpis), {k: _clean(v) for k, v in monthly.items()},
                             flows)


def check_conservation(monitor: Monitor, services: dict[str, object]) -> dict[str, dict[str, int]]:
    """entered = finished + redirected + still in the service, for every service."""
    f = monitor.flows
    out: dict[str, dict[str, int]] = {}
    for name, svc in services.items():
        present = svc.in_system()
        row = {"entered": f.entered[name], "finished": f.finished[name],
               "redirected": f.redirected[name], "in_system": present}
        if f.expected_in_system(name) != present:
            raise ConservationError(f"{name}: {row} does not balance")
        out[name] = row
    return out


def _clean(values: dict[str, float]) -> dict[str, float]:
    return {k: (v if math.isfinite(v) else float("nan")) for k, v in values.items()}
