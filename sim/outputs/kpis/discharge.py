"""Discharge to assess KPIs: how long fit patients wait for pathways 1-3, and pathway 2 use.

The beds they hold meanwhile are the acute KPIs ``delayed_discharge_bed_days`` and
``delayed_discharge_beds_pct`` (NHS "no criteria to reside").
"""

from __future__ import annotations

import numpy as np

from sim.core.clock import Window
from sim.model.services import d2a
from sim.outputs.kpis.base import RunData, in_force, kpi, pct


def _mean_wait(pathway: str):
    def f(data: RunData, window: Window) -> float:
        values, _ = data.monitor.tally(d2a.wait_days(pathway)).select(window)
        return float(values.mean()) if values.size else float("nan")

    f.__doc__ = (f"Discharge to assess, pathway {pathway[1]}: mean days from referral (medically "
                 "fit in an acute bed, or a reablement episode ending) to the pathway starting, "
                 "over referrals made in the window; those still waiting at the end count with "
                 "their wait so far.")
    return f


for _p in d2a.PATHWAYS:
    kpi(f"d2a_{_p}_wait_days", "days", "lower", "d2a")(_mean_wait(_p))


@kpi("d2a_p2_occupancy_pct", "%", "neither", "d2a")
def d2a_p2_occupancy_pct(data: RunData, window: Window) -> float:
    """Pathway 2 bed occupancy: time-averaged community rehabilitation beds in use (bridged
    pathway 1 patients included) over the window / pathway 2 beds."""
    return pct(data.monitor.level(d2a.in_use(d2a.P2)).mean(window),
               in_force(data, window, "d2a", lambda c: c.p2_beds))


@kpi("d2a_arranged_elsewhere_pct", "%", "neither", "d2a")
def d2a_arranged_elsewhere_pct(data: RunData, window: Window) -> float:
    """Support arranged outside discharge to assess (patient choice or another route, not
    capacity): fit patients referred from an acute bed to pathways 1-3 in the window who left
    the bed for family care, a self-funded place or other support before their pathway started
    (``d2a.alternative_arranged_days``) / those of them whose wait ended (pathway started or
    left); those still waiting at the end are left out. 0 when that option is off."""
    values, _ = data.monitor.tally(d2a.ARRANGED_ELSEWHERE).select(window)
    return pct(float(np.sum(values)), values.size)
