"""Counts of patients: the denominators of cost per extra patient meeting a target."""

from __future__ import annotations

from sim.core.clock import Window
from sim.model.services import ed, reablement, ucr
from sim.outputs.kpis.base import RunData, kpi


@kpi("ed_attendances", "attendances", "neither", "ed")
def ed_attendances(data: RunData, window: Window) -> float:
    """ED attendances (all types) arriving in the window."""
    return float(data.monitor.tally(ed.TIME_IN_DEPT).select(window)[0].size)


@kpi("ed_type1_attendances", "attendances", "neither", "ed")
def ed_type1_attendances(data: RunData, window: Window) -> float:
    """Type 1 (major) ED attendances arriving in the window: the denominator of ed_12h_pct and
    ed_type1_4h_pct."""
    return float(data.monitor.tally(ed.TYPE1_TIME_IN_DEPT).select(window)[0].size)


@kpi("ucr_referrals_in_scope", "referrals", "neither", "ucr")
def ucr_referrals_in_scope(data: RunData, window: Window) -> float:
    """UCR referrals received in the window while the service was open (2-hour scope)."""
    return float(data.monitor.tally(ucr.RESPONSE_MINS).select(window)[0].size)


@kpi("reablement_referrals", "referrals", "neither", "reablement")
def reablement_referrals(data: RunData, window: Window) -> float:
    """Reablement referrals received in the window (all sources)."""
    return float(data.monitor.tally(reablement.DAYS_TO_START).select(window)[0].size)
