"""Resize a scenario: population and capacity together (``--scale``), or capacity alone
(``--capacity-factor``).

Demand is per head already, so scaling the population scales demand; only the absolute
capacities (:data:`CAPACITY_KEYS`) need multiplying as well. ``--scale`` is for quick trials
and for the benchmark of run time against population size (a 300k place, a 2.4m one).
``--capacity-factor`` keeps the population and demand and multiplies every capacity, so the
verdicts it changes are about capacity: at 4 ("ample capacity") every capacity-driven target
should be met, below 1 they should fail.

Whole-number capacities (beds, staff, packages) are rounded to the nearest integer, except
that a positive capacity is never rounded down to 0 (it becomes 1): a factor should shrink a
service, not switch it off. A capacity of 0 stays 0. Fractional capacities (slots and sessions a
week or a day) are multiplied exactly (to six significant figures).
"""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence
from pathlib import Path

from sim.core.errors import Problem
from sim.scenario.fields import capacity_keys
from sim.scenario.loader import load_scenario
from sim.scenario.schema import Scenario

# every absolute capacity: the fields tagged capacity=True in the schema
CAPACITY_KEYS = tuple(capacity_keys(Scenario))


def _get(scenario: Scenario, key: str):
    node = scenario
    for part in key.split("."):
        node = getattr(node, part)
    return node


def _check(factor: float) -> None:
    if not (math.isfinite(factor) and factor > 0):
        raise ValueError(f"factor must be a positive number, not {factor!r}")


def _whole(value: int, factor: float) -> int:
    """A whole-number capacity times ``factor``: nearest integer, a positive one at least 1."""
    return max(1, round(value * factor)) if value > 0 else 0


def _scaled_list(values: list, factor: float) -> str:
    """A list capacity (daily slots, an hourly rota, a weekday x hour rota) times ``factor``:
    whole numbers stay whole (as :func:`_whole`), others to six significant figures."""
    parts = [_scaled_list(v, factor) if isinstance(v, list)
             else str(_whole(v, factor)) if isinstance(v, int) else f"{v * factor:.6g}"
             for v in values]
    return f"[{', '.join(parts)}]"


def capacity_overrides(scenario: Scenario, factor: float) -> list[str]:
    """``--set`` overrides that multiply every capacity (:data:`CAPACITY_KEYS`) by ``factor``;
    population and demand are left as they are."""
    _check(factor)
    sets = []
    for key in CAPACITY_KEYS:
        if key in scenario.schedules:  # every dated level scaled, the dates kept
            levels = ", ".join(f'"{day.isoformat()}" = {scaled_level(value, factor)}'
                               for day, value in scenario.schedules[key].items())
            sets.append(f"{key}={{ {levels} }}")
        else:
            sets.append(f"{key}={scaled_level(_get(scenario, key), factor)}")
    return sets


def scaled_level(value: int | float | list, factor: float) -> str:
    """One capacity level times ``factor``, written as TOML."""
    if isinstance(value, list):
        return _scaled_list(value, factor)
    if isinstance(value, int):
        return str(_whole(value, factor))
    return f"{value * factor:.6g}"


def scale_overrides(scenario: Scenario, factor: float,
                    capacity_factor: float = 1.0) -> list[str]:
    """``--set`` overrides that scale population and capacities by ``factor``; capacities are
    further multiplied by ``capacity_factor`` (both rounded once, on the product)."""
    _check(factor)
    return [f"population.size={max(1, round(scenario.population.size * factor))}",
            *capacity_overrides(scenario, factor * capacity_factor),
            *structure_overrides(scenario, factor)]


def structure_overrides(scenario: Scenario, factor: float) -> list[str]:
    """A smaller population has fewer acute wards of the same size (not as many wards, each
    smaller, which would fragment the beds and make a scaled run behave unlike the full one),
    and the outlier limit shrinks with its wards. Not capacity: --capacity-factor leaves them."""
    acute = scenario.acute
    out = [f"acute.wards={max(1, round(acute.wards * factor))}"]
    if acute.outlying_max_patients is not None:
        out.append(f"acute.outlying_max_patients={round(acute.outlying_max_patients * factor)}")
    return out


def load_resized(path: str | Path, sets: Sequence[str] = (), scale: float = 1.0,
                 capacity_factor: float = 1.0,
                 known_kpis: Collection[str] | None = None,
                 warnings: list[Problem] | None = None) -> Scenario:
    """Load a scenario with its ``--set`` overrides, then apply ``--scale`` (population and
    capacity) and ``--capacity-factor`` (capacity only) to the result. ``warnings`` receives
    the loader's warnings about the values as given (before resizing)."""
    scenario = load_scenario(path, list(sets), known_kpis, warnings)
    if scale == 1.0 and capacity_factor == 1.0:
        return scenario
    if scale == 1.0:
        resize = capacity_overrides(scenario, capacity_factor)
    else:
        resize = scale_overrides(scenario, scale, capacity_factor)
    return load_scenario(path, [*sets, *resize], known_kpis)
