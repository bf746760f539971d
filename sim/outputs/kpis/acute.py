"""Acute bed KPIs: occupancy (time average and the 08:00 sitrep count), outliers, escalation,
delayed discharges and "no criteria to reside"."""

from __future__ import annotations

import numpy as np

from sim.core.clock import MIN_PER_DAY, MIN_PER_HOUR, Window
from sim.model.services import acute
from sim.outputs.kpis.base import RunData, in_force, kpi, pct

SITREP_HOUR = 8.0


def _beds(data: RunData, window: Window) -> float:
    """acute.beds in force, averaged over the window's days (a bed schedule's dates count)."""
    return in_force(data, window, "acute", lambda c: c.beds)


@kpi("acute_occupancy_pct", "%", "lower", "acute")
def acute_occupancy_pct(data: RunData, window: Window) -> float:
    """G&A bed occupancy over the beds emergencies can use (time average): time-averaged
    number of general G&A beds with a patient in them (emergency and elective, medically fit
    patients awaiting discharge included, beds in turnaround excluded) / time-averaged general
    G&A beds available (acute.beds less the ring-fenced elective beds, plus escalation beds
    while open). Ring-fenced elective beds are out of the denominator: emergencies never
    queue for them (they may outlie into free ones; see emergency_outliers)."""
    m = data.monitor
    return pct(m.level(acute.GENERAL_OCCUPIED).mean(window),
               m.level(acute.GENERAL_AVAILABLE).mean(window))


@kpi("acute_occupancy_0800_pct", "%", "lower", "acute")
def acute_occupancy_0800_pct(data: RunData, window: Window) -> float:
    """G&A bed occupancy as the NHS England daily sitrep counts it: for each day in the window,
    general G&A beds occupied at 08:00 / general G&A beds available at 08:00 (ring-fenced
    elective beds out, open escalation beds in, as for acute_occupancy_pct); mean over the
    days. At 08:00 the night's admissions are in and the day's discharges not yet out, so it
    runs above the time average."""
    m = data.monitor
    occ, avail = m.level(acute.GENERAL_OCCUPIED), m.level(acute.GENERAL_AVAILABLE)
    first = np.ceil((window.start - SITREP_HOUR * MIN_PER_HOUR) / MIN_PER_DAY)
    times = (first + np.arange(int(window.days) + 1)) * MIN_PER_DAY + SITREP_HOUR * MIN_PER_HOUR
    times = times[(times >= window.start) & (times < window.end)]
    if times.size == 0:
        return float("nan")
    shares = [occ.at(t) / avail.at(t) for t in times if avail.at(t) > 0]
    return 100.0 * float(np.mean(shares)) if shares else float("nan")


@kpi("acute_occupancy_all_beds_pct", "%", "lower", "acute")
def acute_occupancy_all_beds_pct(data: RunData, window: Window) -> float:
    """G&A bed occupancy over all G&A beds (the old acute_occupancy_pct): time-averaged beds
    with a patient in them, ring-fenced elective beds included (SDEC spaces not) / acute.beds
    (escalation beds not counted in the denominator)."""
    return pct(data.monitor.level(acute.OCCUPIED).mean(window), _beds(data, window))


@kpi("emergency_outliers", "beds", "lower", "acute")
def emergency_outliers(data: RunData, window: Window) -> float:
    """Emergency outliers: time-averaged number of emergency patients in ring-fenced elective
    beds over the window (they took them because every general bed was full)."""
    return data.monitor.level(acute.OUTLIERS).mean(window)


@kpi("escalation_beds_open", "beds", "lower", "acute")
def escalation_beds_open(data: RunData, window: Window) -> float:
    """Escalation beds open: time-averaged general beds available above the base general
    beds (acute.beds less ring-fenced elective beds) over the window."""
    sc = data.scenario.acute
    return data.monitor.level(acute.GENERAL_AVAILABLE).mean(window) - (
        sc.beds - sc.elective_ring_fenced_beds)


@kpi("delayed_discharge_bed_days", "bed-days", "lower", "acute")
def delayed_discharge_bed_days(data: RunData, window: Window) -> float:
    """Delayed discharge: bed-days within the window spent in acute beds by medically fit
    patients waiting for discharge support (reablement or other support: the discharge-to-assess
    pathways), time integral of their number."""
    lv = data.monitor.level(acute.DELAYED)
    return lv.mean(window) * window.days


@kpi("delayed_discharge_beds_pct", "%", "lower", "acute")
def delayed_discharge_beds_pct(data: RunData, window: Window) -> float:
    """Delayed discharge share: time-averaged number of medically fit patients waiting in acute
    beds for discharge support (reablement or other support) over the window / acute.beds."""
    return pct(data.monitor.level(acute.DELAYED).mean(window), _beds(data, window))


@kpi("no_criteria_to_reside_pct", "%", "lower", "acute")
def no_criteria_to_reside_pct(data: RunData, window: Window) -> float:
    """No criteria to reside: time-averaged number of patients in acute beds who no longer need
    one (medically fit, or ready to step down to a virtual ward), whatever they wait for
    (discharge support, the daytime or weekday discharge window, a virtual ward bed) / acute.beds.
    Includes everyone counted by delayed_discharge_beds_pct."""
    return pct(data.monitor.level(acute.NO_CRITERIA).mean(window), _beds(data, window))


def _mean_at_0800(data: RunData, window: Window, level: str) -> float:
    """Mean over the window's days of a level's value at 08:00 (the sitrep's count time)."""
    lv = data.monitor.level(level)
    first = np.ceil((window.start - SITREP_HOUR * MIN_PER_HOUR) / MIN_PER_DAY)
    times = (first + np.arange(int(window.days) + 1)) * MIN_PER_DAY + SITREP_HOUR * MIN_PER_HOUR
    times = times[(times >= window.start) & (times < window.end)]
    return float(np.mean([lv.at(t) for t in times])) if times.size else float("nan")


@kpi("no_criteria_to_reside_0800", "patients", "lower", "acute")
def no_criteria_to_reside_0800(data: RunData, window: Window) -> float:
    """No criteria to reside as NHS England's discharge sitrep counts it (England 2024/25: a
    daily mean of 22,723, ~473 per 1.2m people): patients in acute beds at 08:00 who no longer
    need one (as for no_criteria_to_reside_pct), mean over the window's days."""
    return _mean_at_0800(data, window, acute.NO_CRITERIA)


@kpi("delayed_discharges_0800", "patients", "lower", "acute")
def delayed_discharges_0800(data: RunData, window: Window) -> float:
    """Delayed discharges as a daily count: medically fit patients in acute beds at 08:00
    waiting for discharge support (reablement, pathways 1-3, other support; as for
    delayed_discharge_beds_pct), mean over the window's days."""
    return _mean_at_0800(data, window, acute.DELAYED)
