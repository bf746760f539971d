"""The KPI framework: a registry of pure functions of one replication's observations.

Every KPI's docstring states its exact definition (numerator, denominator, window); the
README's KPI table is generated from them. The KPIs themselves live in the modules beside this
one, one per family of services.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np

from sim.core.clock import MIN_PER_DAY, Calendar, Window
from sim.core.monitor import Monitor
from sim.scenario import Scenario
from sim.scenario.capacity_plan import day_weighted


@dataclass(frozen=True)
class RunData:
    """What a KPI may look at: the observations, the scenario and its calendar."""

    monitor: Monitor
    scenario: Scenario
    calendar: Calendar


KpiFunc = Callable[[RunData, Window], float]


@dataclass(frozen=True)
class Kpi:
    id: str
    unit: str
    better: Literal["higher", "lower", "neither"]
    func: KpiFunc
    needs: str  # the scenario section (service) that must be enabled for it to have a value
    exact: bool = False  # a function of the scenario alone (no randomness): judged without doubt

    @property
    def definition(self) -> str:
        return " ".join((self.func.__doc__ or "").split())


KPIS: dict[str, Kpi] = {}


def kpi(id: str, unit: str, better: Literal["higher", "lower", "neither"], needs: str,
        exact: bool = False):
    def register(func: KpiFunc) -> KpiFunc:
        if id in KPIS:
            raise ValueError(f"KPI {id} registered twice")
        KPIS[id] = Kpi(id, unit, better, func, needs, exact)
        return func

    return register


def evaluate(data: RunData, window: Window) -> dict[str, float]:
    """Every KPI whose service is switched on; the others are NaN."""
    out: dict[str, float] = {}
    for k in KPIS.values():
        section = getattr(data.scenario, k.needs, None)
        enabled = section is None or getattr(section, "enabled", True)
        out[k.id] = float(k.func(data, window)) if enabled else float("nan")
    return out


def markdown_table() -> str:
    """The README's KPI table, generated so that it cannot drift from the code."""
    lines = ["| KPI id | unit | better | definition |", "|---|---|---|---|"]
    lines += [f"| `{k.id}` | {k.unit} | {k.better} | {k.definition} |" for k in KPIS.values()]
    return "\n".join(lines)


def in_force(data: RunData, window: Window, section: str,
             level: Callable[[object], float]) -> float:
    """A capacity as a KPI's denominator: ``level(section config)`` averaged over the window's
    days, so a capacity schedule's dates count (without one, just the level)."""
    days = window.days
    first = window.start / MIN_PER_DAY
    if days <= 0:
        return float(level(getattr(data.scenario, section)))
    return day_weighted(data.scenario, section, first, first + days, level) / days


def pct(numerator: int | float, denominator: int | float) -> float:
    return 100.0 * numerator / denominator if denominator else float("nan")


def share_within(data: RunData, tally: str, window: Window, limit: float) -> float:
    """% of observations (censored included) whose value is <= limit."""
    values, _ = data.monitor.tally(tally).select(window)
    return pct(int(np.count_nonzero(values <= limit)), values.size)


def share_over(data: RunData, tally: str, window: Window, limit: float) -> float:
    values, _ = data.monitor.tally(tally).select(window)
    return pct(int(np.count_nonzero(values > limit)), values.size)
