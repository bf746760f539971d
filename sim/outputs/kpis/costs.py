"""Cost KPIs: what each service's capacity costs over the window, and the total.

Each service section says how its capacity is costed (``capacity_cost``, with the unit costs
in the scenario's ``[costs]``); one KPI per registered service, and the total.
"""

from __future__ import annotations

from sim.core.clock import MIN_PER_DAY, Window
from sim.model import registry
from sim.outputs.kpis.base import KpiFunc, RunData, kpi


def _cost(section: str) -> KpiFunc:
    def f(data: RunData, window: Window) -> float:
        return registry.capacity_cost(data.scenario, section, window.days,
                                      window.start / MIN_PER_DAY)

    f.__doc__ = (f"Cost of {section.replace('_', ' ')} capacity over the window, in the "
                 "scenario's currency: capacity (staff on duty x WTE per post x cost per WTE, "
                 "or beds / packages / slots / sessions x unit cost) x the days at each level "
                 "in the window (a capacity schedule changes the level on its dates).")
    return f


for _section in registry.REGISTRY:
    kpi(f"cost_{_section}_gbp", "GBP", "lower", _section)(_cost(_section))


@kpi("cost_total_gbp", "GBP", "lower", "costs")
def cost_total_gbp(data: RunData, window: Window) -> float:
    """Total cost of capacity over the window: the sum of the cost_<service>_gbp KPIs of the
    services switched on (unit costs in the scenario's [costs])."""
    return sum(registry.capacity_cost(data.scenario, s, window.days, window.start / MIN_PER_DAY)
               for s in registry.REGISTRY)
