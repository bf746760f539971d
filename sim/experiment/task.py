"""One task of an experiment: a replication simulated and measured.

Its result depends only on the scenario, the seed and the replication index, which is what
lets every backend (this process, a pool, Dask) give the same numbers.
"""

from __future__ import annotations

import math

from sim.model.conservation import check_conservation
from sim.model.replication import simulate
from sim.outputs.histograms import collect
from sim.outputs.kpis import RunData, evaluate
from sim.outputs.result import ReplicationResult
from sim.outputs.settling import queue_weeks
from sim.scenario import Scenario


def run_replication(scenario: Scenario, seed: int, replication: int) -> ReplicationResult:
    """Simulate one replication, check conservation, evaluate every KPI, and keep its queues'
    weekly means so the run can tell whether they settle."""
    rep = simulate(scenario, seed, replication)
    flows = check_conservation(rep.monitor, rep.services)
    cal = rep.calendar
    data = RunData(rep.monitor, scenario, cal)
    kpis = evaluate(data, cal.measurement)
    monthly = {m.label: evaluate(data, m.window) for m in cal.months()}
    return ReplicationResult(scenario.name, replication, _clean(kpis),
                             {k: _clean(v) for k, v in monthly.items()}, flows,
                             collect(rep.monitor, cal.measurement),
                             queue_weeks(rep.monitor, scenario, cal.measurement))


def _clean(values: dict[str, float]) -> dict[str, float]:
    return {k: (v if math.isfinite(v) else float("nan")) for k, v in values.items()}
