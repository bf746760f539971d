"""Cost KPIs: what each service's capacity costs over the window, and the total.

Each service section says how its capacity is costed (``capacity_cost``, with the unit costs
in the scenario's ``[costs]``); one KPI per registered service, and the total. Capacity that
opens only under pressure (escalation beds) is costed by the bed-days it was open, as measured.
"""

from __future__ import annotations

from sim.core.clock import MIN_PER_DAY, Window
from sim.model import registry
from sim.model.services import acute
from sim.outputs.kpis.base import KpiFunc, RunData, kpi


def escalation_bed_days_open(data: RunData, window: Window) -> float:
    """Bed-days escalation beds were open in the window (time integral of the beds open)."""
    if not data.scenario.acute.enabled:
        return 0.0
    return data.monitor.level(acute.ESCALATION_OPEN).mean(window) * window.days


def _measured_cost(data: RunData, section: str, window: Window) -> float:
    """Cost of capacity that opens only under pressure: escalation bed-days open x the cost of
    a staffed G&A bed-day x (1 + the escalation premium) (0 for other sections)."""
    if section != "acute":
        return 0.0
    costs = data.scenario.costs
    return (escalation_bed_days_open(data, window) * costs.acute_bed_day_gbp
            * (1 + costs.escalation_bed_day_premium_pct / 100))


def _cost(section: str) -> KpiFunc:
    def f(data: RunData, window: Window) -> float:
        return (registry.capacity_cost(data.scenario, section, window.days,
                                       window.start / MIN_PER_DAY)
                + _measured_cost(data, section, window))

    f.__doc__ = (f"Cost of {section.replace('_', ' ')} capacity over the window, in the "
                 "scenario's currency: capacity (staff on duty x WTE per post x cost per WTE, "
                 "or beds / packages / slots / sessions x unit cost) x the days at each level "
                 "in the window (a capacity schedule changes the level on its dates); "
                 "escalation beds (acute) by the bed-days they were open, at the G&A bed-day "
                 "cost plus costs.escalation_bed_day_premium_pct.")
    return f


for _section in registry.REGISTRY:
    kpi(f"cost_{_section}_gbp", "GBP", "lower", _section)(_cost(_section))


@kpi("cost_total_gbp", "GBP", "lower", "costs")
def cost_total_gbp(data: RunData, window: Window) -> float:
    """Total cost of capacity over the window: the sum of the cost_<service>_gbp KPIs of the
    services switched on (unit costs in the scenario's [costs])."""
    return sum(registry.capacity_cost(data.scenario, s, window.days, window.start / MIN_PER_DAY)
               + _measured_cost(data, s, window) for s in registry.REGISTRY)


@kpi("escalation_bed_days", "bed-days", "lower", "acute")
def escalation_bed_days(data: RunData, window: Window) -> float:
    """Escalation bed-days: time integral of the escalation beds open over the window (what
    cost_acute_gbp charges them for, at acute_bed_day_gbp plus the escalation premium)."""
    return escalation_bed_days_open(data, window)
