"""Primary care KPIs: same-day and within-two-weeks appointments."""

from __future__ import annotations

from sim.core.clock import Window
from sim.model.services import primary_care
from sim.outputs.kpis.base import RunData, kpi, pct


def ratio_of_totals(data: RunData, num: str, den: str, window: Window) -> float:
    m = data.monitor
    return pct(m.tally(num).total(window), m.tally(den).total(window))


@kpi("gp_same_day_pct", "%", "higher", "primary_care")
def gp_same_day_pct(data: RunData, window: Window) -> float:
    """GP same day: new same-day needs arising on days in the window that got a GP appointment
    that day / all new same-day needs arising on those days (retries the next day do not
    count as seen the same day)."""
    return ratio_of_totals(data, primary_care.SAME_DAY_SEEN, primary_care.SAME_DAY_NEED, window)


@kpi("gp_2w_pct", "%", "higher", "primary_care")
def gp_2w_pct(data: RunData, window: Window) -> float:
    """GP within 2 weeks: appointments booked on days in the window for a day within 14 days
    of the request / all appointments booked on those days (same-day ones count as within)."""
    return ratio_of_totals(data, primary_care.BOOKED_WITHIN_2W, primary_care.BOOKED, window)
