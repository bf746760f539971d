"""Acute bed KPIs: occupancy and delayed discharges."""

from __future__ import annotations

from sim.core.clock import Window
from sim.model.services import acute
from sim.outputs.kpis.base import RunData, kpi, pct


@kpi("acute_occupancy_pct", "%", "lower", "acute")
def acute_occupancy_pct(data: RunData, window: Window) -> float:
    """G&A bed occupancy: time-averaged number of beds with a patient in them (emergency and
    elective, including medically fit patients awaiting discharge; excluding beds in
    turnaround) over the window / G&A beds."""
    return pct(data.monitor.level(acute.OCCUPIED).mean(window), data.scenario.acute.beds)


@kpi("delayed_discharge_bed_days", "bed-days", "lower", "acute")
def delayed_discharge_bed_days(data: RunData, window: Window) -> float:
    """Delayed discharge: bed-days within the window spent in acute beds by medically fit
    patients waiting for reablement or other support (time integral of their number)."""
    lv = data.monitor.level(acute.DELAYED)
    return lv.mean(window) * window.days


@kpi("delayed_discharge_beds_pct", "%", "lower", "acute")
def delayed_discharge_beds_pct(data: RunData, window: Window) -> float:
    """Delayed discharge share: time-averaged number of medically fit patients waiting in acute
    beds (for reablement or other support) over the window / G&A beds."""
    return pct(data.monitor.level(acute.DELAYED).mean(window), data.scenario.acute.beds)
