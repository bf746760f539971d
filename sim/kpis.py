"""KPIs: pure functions of one replication's observations over a window, each with a stable id.

Every docstring states the exact definition (numerator, denominator, window); the README's KPI
table is generated from them. Adding a KPI means adding one decorated function here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np

from .clock import Calendar, Window
from .monitor import Monitor
from .scenario import Scenario


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

    @property
    def definition(self) -> str:
        return " ".join((self.func.__doc__ or "").split())


KPIS: dict[str, Kpi] = {}


def kpi(id: str, unit: str, better: Literal["higher", "lower", "neither"], needs: str):
    def register(func: KpiFunc) -> KpiFunc:
        if id in KPIS:
            raise ValueError(f"KPI {id} registered twice")
        KPIS[id] = Kpi(id, unit, better, func, needs)
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


def pct(numerator: int | float, denominator: int | float) -> float:
    return 100.0 * numerator / denominator if denominator else float("nan")


def share_within(data: RunData, tally: str, window: Window, limit: float) -> float:
    """% of observations (censored included) whose value is <= limit."""
    values, _ = data.monitor.tally(tally).select(window)
    return pct(int(np.count_nonzero(values <= limit)), values.size)


def share_over(data: RunData, tally: str, window: Window, limit: float) -> float:
    values, _ = data.monitor.tally(tally).select(window)
    return pct(int(np.count_nonzero(values > limit)), values.size)


# -- Emergency department --------------------------------------------------------------------
@kpi("ed_4h_pct", "%", "higher", "ed")
def ed_4h_pct(data: RunData, window: Window) -> float:
    """ED 4-hour: attendances (all types) arriving in the window whose departure (admitted,
    transferred or discharged) is within 240 min of arrival / all attendances arriving in the
    window. Patients still in the department at the end count in the denominator and breach if
    they have already been there over 240 min."""
    return share_within(data, "ed.time_in_dept", window, 240.0)


@kpi("ed_12h_pct", "%", "lower", "ed")
def ed_12h_pct(data: RunData, window: Window) -> float:
    """ED 12-hour: attendances arriving in the window with more than 720 min from arrival to
    departure / all attendances arriving in the window (censored as for ed_4h_pct)."""
    return share_over(data, "ed.time_in_dept", window, 720.0)


def _handover(limit: float) -> KpiFunc:
    def f(data: RunData, window: Window) -> float:
        return share_within(data, "ed.handover", window, limit)

    f.__doc__ = (
        f"Ambulance handover within {limit:.0f} min: ambulance arrivals in the window whose "
        f"handover is complete within {limit:.0f} min of arrival at ED / all ambulance arrivals "
        "in the window (crews still waiting at the end count, breaching if already over)."
    )
    return f


for _limit in (15, 30, 60):
    kpi(f"handover_{_limit}m_pct", "%", "higher", "ed")(_handover(float(_limit)))
