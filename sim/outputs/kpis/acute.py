"""Acute bed KPIs: occupancy (time average and the 08:00 sitrep count), outliers, escalation
(beds open, the pressure level declared), delayed discharges and "no criteria to reside"."""

from __future__ import annotations

import numpy as np

from sim.core.clock import MIN_PER_DAY, MIN_PER_HOUR, Window
from sim.core.monitor import Level
from sim.model.services import acute
from sim.outputs.kpis.base import RunData, in_force, kpi, pct
from sim.scenario.capacity_plan import day_weighted

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


def _sitrep_times(window: Window) -> np.ndarray:
    """08:00 of each day in the window (minutes), when the daily sitrep counts."""
    first = np.ceil((window.start - SITREP_HOUR * MIN_PER_HOUR) / MIN_PER_DAY)
    times = (first + np.arange(int(window.days) + 1)) * MIN_PER_DAY + SITREP_HOUR * MIN_PER_HOUR
    return times[(times >= window.start) & (times < window.end)]


@kpi("acute_occupancy_0800_pct", "%", "lower", "acute")
def acute_occupancy_0800_pct(data: RunData, window: Window) -> float:
    """General G&A bed occupancy at 08:00: for each day in the window, general G&A beds occupied
    at 08:00 / general G&A beds available at 08:00 (ring-fenced elective beds out, open
    escalation beds in, as for acute_occupancy_pct); mean over the days. At 08:00 the night's
    admissions are in and the day's discharges not yet out, so it runs above the time average.
    The sitrep's own count, over all G&A beds, is ga_occupancy_0800_pct."""
    m = data.monitor
    occ, avail = m.level(acute.GENERAL_OCCUPIED), m.level(acute.GENERAL_AVAILABLE)
    shares = [occ.at(t) / avail.at(t) for t in _sitrep_times(window) if avail.at(t) > 0]
    return 100.0 * float(np.mean(shares)) if shares else float("nan")


@kpi("ga_occupancy_0800_pct", "%", "lower", "acute")
def ga_occupancy_0800_pct(data: RunData, window: Window) -> float:
    """G&A bed occupancy as NHS England's daily sitrep counts it: for each day in the window,
    G&A beds occupied at 08:00 (general and ring-fenced elective beds, medically fit patients
    included) / G&A beds available at 08:00 (acute.beds in force that day plus escalation beds
    open); mean over the days. The bed-occupancy target is judged on this count."""
    m = data.monitor
    occ, general = m.level(acute.OCCUPIED), m.level(acute.GENERAL_AVAILABLE)
    shares = []
    for t in _sitrep_times(window):
        day = t / MIN_PER_DAY
        ring = day_weighted(data.scenario, "acute", day, day + 1,
                            lambda c: c.elective_ring_fenced_beds)
        if general.at(t) + ring > 0:
            shares.append(occ.at(t) / (general.at(t) + ring))
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


@kpi("bed_queue_mean", "patients", "lower", "acute")
def bed_queue_mean(data: RunData, window: Window) -> float:
    """Queue for beds: time-averaged number of patients with a decision to admit waiting for
    an acute bed over the window (boarding in ED, or referred from elsewhere): the queue a
    winter plan is judged on (by Little's law, admissions a day times their mean wait)."""
    return data.monitor.level(acute.BED_QUEUE).mean(window)


@kpi("escalation_beds_open", "beds", "lower", "acute")
def escalation_beds_open(data: RunData, window: Window) -> float:
    """Escalation beds open: time-averaged general beds available above the base general
    beds (acute.beds less ring-fenced elective beds) over the window."""
    sc = data.scenario.acute
    return data.monitor.level(acute.GENERAL_AVAILABLE).mean(window) - (
        sc.beds - sc.elective_ring_fenced_beds)


def _time_share_at_least(level: Level, value: float, window: Window) -> float:
    """Percentage of the window during which ``level`` was at ``value`` or above."""
    if window.end <= window.start:
        return float("nan")
    t = np.frombuffer(level.t, dtype=float)
    v = np.frombuffer(level.v, dtype=float)
    spans = np.diff(np.clip(np.append(t, np.inf), window.start, window.end))
    return 100.0 * float(np.sum(spans[v >= value])) / (window.end - window.start)


@kpi("opel_3_4_time_pct", "%", "lower", "acute")
def opel_3_4_time_pct(data: RunData, window: Window) -> float:
    """Time at OPEL 3-4: share of the window during which the pressure level declared at the
    acute trust's reviews (acute.opel_review) was 2 or 3 (OPEL 3 or 4); a level holds from one
    review to the next. 0 with opel_review off (the level stays OPEL 1)."""
    return _time_share_at_least(data.monitor.level(acute.PRESSURE_LEVEL), 2, window)


@kpi("opel_4_time_pct", "%", "lower", "acute")
def opel_4_time_pct(data: RunData, window: Window) -> float:
    """Time at OPEL 4: share of the window during which the pressure level declared at the
    acute trust's reviews was 3 (OPEL 4), as for opel_3_4_time_pct."""
    return _time_share_at_least(data.monitor.level(acute.PRESSURE_LEVEL), 3, window)


@kpi("elective_deferred", "operations", "lower", "elective")
def elective_deferred(data: RunData, window: Window) -> float:
    """Elective deferrals: elective inpatient admissions in the window refused because a
    review within the previous 24 hours declared acute.elective_deferral_level or higher (the
    patient goes back on the list, first in turn). Apart from elective_cancellations (no bed
    on the day). As after a cancellation, a specialty's lists stop asking for beds for routine
    inpatients that day after a refusal (they wait on the list uncounted), so this counts the
    refused cancer inpatients and at most one routine inpatient per specialty a day."""
    return data.monitor.tally(acute.ELECTIVE_DEFERRED).total(window)


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
