"""Community services KPIs: UCR 2-hour and declines, reablement 2-day, virtual wards."""

from __future__ import annotations

import numpy as np

from sim.core.clock import Window
from sim.model.services import reablement, ucr, virtual_ward
from sim.outputs.kpis.base import RunData, in_force, kpi, pct, share_within


@kpi("ucr_2h_pct", "%", "higher", "ucr")
def ucr_2h_pct(data: RunData, window: Window) -> float:
    """UCR 2-hour: in-scope referrals (received while the service is open) in the window whose
    first care contact (clinician arrives) is within 120 min of the referral / all in-scope
    referrals received in the window. Referrals not yet contacted at the end count, and breach
    if already over 120 min; declined ones (conveyed to ED, ``ucr_declined``) are left out."""
    return share_within(data, ucr.RESPONSE_MINS, window, 120.0)


@kpi("ucr_declined", "referrals", "lower", "ucr")
def ucr_declined(data: RunData, window: Window) -> float:
    """UCR referrals declined: referrals received in the window that found their locality
    team with ``ucr.decline_when_waiting_at_least`` referrals already waiting, so were declined
    and conveyed to ED as ambulance arrivals (0 while that lever is off)."""
    values, _ = data.monitor.tally(ucr.DECLINED).select(window)
    return float(values.sum())


@kpi("ucr_declined_pct", "%", "lower", "ucr")
def ucr_declined_pct(data: RunData, window: Window) -> float:
    """UCR declines as a share: referrals received in the window and declined (see
    ``ucr_declined``) / referrals received in the window that reached a team (those sent to
    ED at once while the service is closed, when out-of-hours referrals go there, are left
    out)."""
    values, _ = data.monitor.tally(ucr.DECLINED).select(window)
    return pct(float(values.sum()), values.size)


@kpi("ucr_taken_from_ed", "referrals", "neither", "ucr")
def ucr_taken_from_ed(data: RunData, window: Window) -> float:
    """UCR referrals taken from the 999 / ED stream: NHS 111 / 999 referrals received in the
    window that withheld one of ED's ambulance arrivals (``ucr.nhs_111_999_from_ed``; 0 while
    it is off, when they are demand on top of ED's)."""
    values, _ = data.monitor.tally(ucr.FROM_ED).select(window)
    return float(values.size)


@kpi("reablement_2d_pct", "%", "higher", "reablement")
def reablement_2d_pct(data: RunData, window: Window) -> float:
    """Reablement 2-day: referrals received in the window (from acute beds, UCR and the
    community) whose care starts within 2 days of referral / all referrals received in the
    window (not started at the end: breach if already over 2 days)."""
    return share_within(data, reablement.DAYS_TO_START, window, 2.0)


@kpi("vw_beds_per_100k", "beds per 100k", "higher", "virtual_ward", exact=True)
def vw_beds_per_100k(data: RunData, window: Window) -> float:
    """Virtual ward capacity: VW beds / GP-registered population aged 16+ x 100,000
    (a scenario input, reported so that it is judged like any other target); with a bed
    schedule, the beds in force averaged over the window's days (a month after the beds
    double shows double)."""
    pop = data.scenario.population
    return _beds(data, window) / (pop.size * pop.adult_share) * 1e5


def _beds(data: RunData, window: Window) -> float:
    return in_force(data, window, "virtual_ward", lambda c: c.beds)


@kpi("vw_occupancy_pct", "%", "higher", "virtual_ward")
def vw_occupancy_pct(data: RunData, window: Window) -> float:
    """Virtual ward occupancy: time-averaged occupied VW beds over the window / VW beds in
    force, averaged over the window's days."""
    beds = _beds(data, window)
    return pct(data.monitor.level(virtual_ward.OCCUPIED).mean(window), beds)



@kpi("vw_patients", "patients", "higher", "virtual_ward")
def vw_patients(data: RunData, window: Window) -> float:
    """Patients cared for on virtual wards: admissions to a virtual ward (step-up and
    step-down, every source) during the window."""
    values, _ = data.monitor.tally(virtual_ward.OFFERED).select(window)
    return float(np.count_nonzero(values == 1.0))


@kpi("vw_patients_per_100k_per_month", "patients per 100k a month", "higher", "virtual_ward")
def vw_patients_per_100k_per_month(data: RunData, window: Window) -> float:
    """Patients cared for on virtual wards, as a rate: admissions to a virtual ward (step-up
    and step-down, every source) in the window / population / window months (30.44 days) x
    100,000."""
    months = window.days / (365.25 / 12)
    return vw_patients(data, window) / data.scenario.population.size * 1e5 / months


@kpi("vw_admissions_avoided", "admissions", "higher", "virtual_ward")
def vw_admissions_avoided(data: RunData, window: Window) -> float:
    """Emergency admissions avoided by virtual wards: step-up admissions to a virtual ward
    (every source) in the window x ``virtual_ward.admissions_avoided_per_step_up`` (the
    expected number of them who would have been admitted without a virtual ward; published
    1 per 2.5 VW admissions)."""
    values, _ = data.monitor.tally(virtual_ward.ADMITTED_STEP_DOWN).select(window)
    share = data.scenario.virtual_ward.admissions_avoided_per_step_up
    return float(np.count_nonzero(values == 0.0)) * share


@kpi("vw_step_down_pct", "%", "neither", "virtual_ward")
def vw_step_down_pct(data: RunData, window: Window) -> float:
    """Step-down share of virtual ward admissions: admissions in the window that are
    step-downs from an acute bed / all virtual ward admissions in the window."""
    values, _ = data.monitor.tally(virtual_ward.ADMITTED_STEP_DOWN).select(window)
    return pct(float(values.sum()), values.size)


@kpi("vw_step_down_gave_up_pct", "%", "lower", "virtual_ward")
def vw_step_down_gave_up_pct(data: RunData, window: Window) -> float:
    """Step-downs lost for want of a virtual ward bed: inpatients eligible for step-down who
    joined the queue in the window and became medically fit before a virtual ward bed was
    theirs (so finished their stay in the acute bed) / those of them whose wait ended (taken
    or fit); those still waiting at the end are left out."""
    values, _ = data.monitor.tally(virtual_ward.STEP_DOWN_TAKEN).select(window)
    return pct(float(values.size - values.sum()), values.size)


@kpi("vw_escalation_pct", "%", "lower", "virtual_ward")
def vw_escalation_pct(data: RunData, window: Window) -> float:
    """Virtual ward escalation: patients admitted to a virtual ward in the window who were
    later escalated to an acute bed / those of them whose stay ended (home or escalated);
    stays still running at the end are left out."""
    values, _ = data.monitor.tally(virtual_ward.ESCALATED).select(window)
    return pct(float(values.sum()), values.size)
