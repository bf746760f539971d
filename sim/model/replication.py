"""One replication: build the services from the scenario, run them, and measure.

The model owns wiring, not aggregation: it returns this replication's KPI values, monthly KPI
values and patient-flow counts, and asserts that every patient is accounted for.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import simpy

from sim.core.clock import Calendar
from sim.core.monitor import Monitor
from sim.core.rng import Streams
from sim.model.pathways import Services, connect
from sim.model.services.acute import AcuteBeds
from sim.model.services.crisis_response import CrisisResponse
from sim.model.services.ed import EmergencyDepartment
from sim.model.services.elective import Elective
from sim.model.services.primary_care import PrimaryCare
from sim.model.services.reablement import Reablement
from sim.model.services.virtual_ward import VirtualWard
from sim.outputs.histograms import collect
from sim.outputs.kpis import RunData, evaluate
from sim.scenario import Scenario

# section name in the scenario -> service class; all take the same arguments
SERVICE_CLASSES = {
    "primary_care": PrimaryCare,
    "ucr": CrisisResponse,
    "reablement": Reablement,
    "virtual_ward": VirtualWard,
    "ed": EmergencyDepartment,
    "acute": AcuteBeds,
    "elective": Elective,
}


class ConservationError(AssertionError):
    """A patient was lost: the model is wrong, whatever its KPIs say."""


@dataclass
class ReplicationResult:
    scenario: str
    replication: int
    kpis: dict[str, float]
    monthly: dict[str, dict[str, float]]  # month label -> kpi -> value
    flows: dict[str, dict[str, int]] = field(default_factory=dict)
    histograms: dict[str, list[int]] = field(default_factory=dict)  # see sim.outputs.histograms


def calendar_of(scenario: Scenario) -> Calendar:
    r = scenario.run
    return Calendar(r.start_date, r.warmup_days, r.measurement_days)


def build(scenario: Scenario, env: simpy.Environment, streams: Streams,
          monitor: Monitor) -> dict[str, object]:
    """Create the enabled services and connect them; returns them by service name."""
    cal = calendar_of(scenario)
    pop, growth = scenario.population.size, scenario.demand.growth_pct_per_year
    made = Services()
    for section, cls in SERVICE_CLASSES.items():
        cfg = getattr(scenario, section)
        if cfg.enabled:
            setattr(made, section, cls(env, cfg, pop, growth, cal, streams, monitor))
    connect(made, scenario, streams)
    return made.enabled()


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
    return ReplicationResult(scenario.name, replication, _clean(kpis),
                             {k: _clean(v) for k, v in monthly.items()}, flows,
                             collect(monitor, cal.measurement))


def check_conservation(monitor: Monitor, services: dict[str, object]) -> dict[str, dict[str, int]]:
    """Every patient is finished, still in a service, or redirected; never lost.

    Per service: entered = finished + transferred + redirected + in_system, where in_system is
    counted from the service's own queues and beds. Whole system: arrivals from outside =
    finished + redirected + in_system summed over services, and every transfer out of one
    service is an entry into another.
    """
    f = monitor.flows
    out: dict[str, dict[str, int]] = {}
    for name, svc in services.items():
        present = svc.in_system()
        row = {"entered": f.entered[name], "external": f.external[name],
               "finished": f.finished[name], "transferred": f.transferred[name],
               "redirected": f.redirected[name], "in_system": present}
        if f.expected_in_system(name) != present:
            raise ConservationError(f"{name}: {row} does not balance")
        out[name] = row
    total = {k: sum(r[k] for r in out.values()) for k in next(iter(out.values()), {})}
    if out:
        if total["external"] != total["finished"] + total["redirected"] + total["in_system"]:
            raise ConservationError(f"whole system: {total} does not balance")
        if total["transferred"] != total["entered"] - total["external"]:
            raise ConservationError(f"transfers out != transfers in: {total}")
        out["all"] = total
    return out


def _clean(values: dict[str, float]) -> dict[str, float]:
    return {k: (v if math.isfinite(v) else float("nan")) for k, v in values.items()}
