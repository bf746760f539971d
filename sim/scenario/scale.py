"""Scale a scenario to another population, capacity in proportion (a 300k place, a 2.4m one).

Demand is per head already; only the absolute capacities need scaling. Used for quick trials
and for the benchmark of run time against population size.
"""

from __future__ import annotations

from sim.scenario.schema import Scenario

# every absolute capacity in the schema (a test checks that none is missed)
CAPACITY_KEYS = (
    "primary_care.gp_slots_per_weekday",
    "ucr.clinicians_per_shift",
    "reablement.packages",
    "virtual_ward.beds",
    "ed.handover_staff",
    "ed.clinicians_per_shift",
    "acute.beds",
    "acute.elective_ring_fenced_beds",
    "elective.outpatient_slots_per_week",
    "elective.diagnostic_slots_per_week",
    "elective.theatre_sessions_per_week",
)


def _get(scenario: Scenario, key: str):
    node = scenario
    for part in key.split("."):
        node = getattr(node, part)
    return node


def scale_overrides(scenario: Scenario, factor: float) -> list[str]:
    """``--set`` overrides that scale population and capacities by ``factor``."""
    if factor <= 0:
        raise ValueError("factor must be positive")
    sets = [f"population.size={max(1, round(scenario.population.size * factor))}"]
    for key in CAPACITY_KEYS:
        value = _get(scenario, key)
        if isinstance(value, list):
            sets.append(f"{key}=[{', '.join(f'{v * factor:.6g}' for v in value)}]")
        elif isinstance(value, int):
            sets.append(f"{key}={max(0, round(value * factor))}")
        else:
            sets.append(f"{key}={value * factor:.6g}")
    return sets
