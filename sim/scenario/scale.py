"""Scale a scenario to another population, capacity in proportion (a 300k place, a 2.4m one).

Demand is per head already; only the absolute capacities need scaling. Used for quick trials
and for the benchmark of run time against population size.
"""

from __future__ import annotations

from sim.scenario.fields import capacity_keys
from sim.scenario.schema import Scenario

# every absolute capacity: the fields tagged capacity=True in the schema
CAPACITY_KEYS = tuple(capacity_keys(Scenario))


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
