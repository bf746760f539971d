"""Elective KPIs: RTT waits and list, diagnostics (DM01), activity, follow-ups, cancellations.

Month-end KPIs of an empty list score 100% (nobody waits too long), never NaN."""

from __future__ import annotations

import numpy as np

from sim.core.clock import Window
from sim.model.services import acute, elective
from sim.outputs.kpis.base import KpiFunc, RunData, kpi, pct
from sim.scenario.sections.elective import MODALITIES


def snapshot_mean(data: RunData, name: str, window: Window) -> float:
    """Mean of the month-end snapshots taken inside the window (one for a single month)."""
    values, _ = data.monitor.tally(name).select(window)
    return float(values.mean()) if values.size else float("nan")


@kpi("elective_cancellations", "operations", "lower", "elective")
def elective_cancellations(data: RunData, window: Window) -> float:
    """Elective cancellations: inpatient operations in the window cancelled on the day because
    no acute bed was free at admission (each cancelled patient stays on the list). Operations
    stood down the day before at a pressure level (acute.elective_deferral_level) are counted in
    elective_deferred instead: read the two together, as fuller beds can lower this count while
    deferrals rise (halving reablement: 130 -> 5 here, 150 -> 1,304 deferred)."""
    return data.monitor.tally(acute.ELECTIVE_CANCELLED).total(window)


@kpi("elective_cancelled_pct", "%", "lower", "elective")
def elective_cancelled_pct(data: RunData, window: Window) -> float:
    """Elective cancellations as a share: inpatient operations cancelled on the day for want of
    a bed / elective inpatient operations done in the window (NHS England reports last-minute
    cancellations as a share of elective admissions; the model's are the bed-related ones)."""
    done = data.monitor.tally(elective.activity("inpatient")).total(window)
    return pct(elective_cancellations(data, window), done) if done else 0.0


@kpi("rtt_18w_pct", "%", "higher", "elective")
def rtt_18w_pct(data: RunData, window: Window) -> float:
    """RTT 18-week: incomplete pathways (clock running) at a month end waiting <= 18 weeks since
    referral / all incomplete pathways then (100 when the list is empty); mean of the month ends
    in the window."""
    return snapshot_mean(data, elective.snapshot("within_18w_pct"), window)


def _snapshot_kpi(name: str, doc: str) -> KpiFunc:
    """A KPI that is the mean over the window's month ends of one month-end snapshot."""
    def f(data: RunData, window: Window) -> float:
        return snapshot_mean(data, elective.snapshot(name), window)

    f.__doc__ = doc
    return f


for _weeks in (52, 65, 78, 104):
    kpi(f"rtt_over_{_weeks}w", "pathways", "lower", "elective")(_snapshot_kpi(
        f"over_{_weeks}w",
        f"RTT over {_weeks} weeks: number of incomplete pathways at a month end waiting more "
        f"than {_weeks} weeks since referral; mean of the month ends in the window."))


@kpi("rtt_over_52w_pct", "%", "lower", "elective")
def rtt_over_52w_pct(data: RunData, window: Window) -> float:
    """RTT over 52 weeks as a share: mean over month ends in the window of (incomplete pathways
    waiting more than 52 weeks / all incomplete pathways; 0 when the list is empty)."""
    m = data.monitor
    over, _ = m.tally(elective.snapshot("over_52w")).select(window)
    size, _ = m.tally(elective.snapshot("list_size")).select(window)
    if not size.size:
        return float("nan")
    return float(np.mean(100 * over / np.maximum(size, 1)))


@kpi("waiting_list_size", "pathways", "lower", "elective")
def waiting_list_size(data: RunData, window: Window) -> float:
    """Waiting list: incomplete RTT pathways at month end; mean of the month ends in the window."""
    return snapshot_mean(data, elective.snapshot("list_size"), window)


@kpi("waiting_list_change_pct", "%", "lower", "elective")
def waiting_list_change_pct(data: RunData, window: Window) -> float:
    """Waiting list change: (incomplete pathways at the last month end in the window /
    incomplete pathways at the month end before the window - 1) x 100."""
    tally = data.monitor.tally(elective.snapshot("list_size"))
    values, _ = tally.select(window)
    before = tally.last_before(window.start)
    return 100 * (values[-1] / before - 1) if values.size and before > 0 else float("nan")


@kpi("rtt_median_weeks", "weeks", "lower", "elective")
def rtt_median_weeks(data: RunData, window: Window) -> float:
    """Median RTT wait: median weeks waited by incomplete pathways at month end; mean of the
    month ends in the window."""
    return snapshot_mean(data, elective.snapshot("median_weeks"), window)


@kpi("diagnostics_6w_pct", "%", "higher", "elective")
def diagnostics_6w_pct(data: RunData, window: Window) -> float:
    """Diagnostics 6-week (DM01): everyone waiting for a test in the modelled modalities at month
    end (RTT and cancer pathways, GP direct access; emergency and inpatient tests are not on the
    waiting list) who has waited under 6 weeks since the request / all of them; 100 when nobody
    waits; mean of the month ends in the window."""
    return snapshot_mean(data, elective.snapshot("diag_within_6w_pct"), window)


for _m in MODALITIES:
    kpi(f"diagnostics_6w_{_m}_pct", "%", "higher", "elective")(_snapshot_kpi(
        f"diag_within_6w_pct.{_m}",
        f"Diagnostics 6-week, {_m}: as diagnostics_6w_pct for those waiting for this modality "
        "alone."))


def _total(data: RunData, name: str, window: Window) -> float:
    return data.monitor.tally(elective.activity(name)).total(window)


def _per_year_vs(data: RunData, window: Window, value: float, per_100k: float) -> float:
    """``value`` in the window, scaled to a year, as % of a reference per 100k a year."""
    reference = per_100k * data.scenario.population.size / 1e5
    return pct(value * 365.25 / window.days, reference) if window.days > 0 else float("nan")


@kpi("diagnostic_activity_vs_ref_pct", "%", "higher", "elective")
def diagnostic_activity_vs_ref_pct(data: RunData, window: Window) -> float:
    """Diagnostic activity vs reference year: tests done in the window in the modelled
    modalities (every source, emergency and inpatient included, as DM01 activity counts them),
    scaled to a year, / the scenario's reference-year (2019/20) tests for the population x 100."""
    return _per_year_vs(data, window, _total(data, "diagnostic", window),
                        data.scenario.elective.reference_tests_per_year_per_100k)


@kpi("outpatient_followups_vs_ref_pct", "%", "lower", "elective")
def outpatient_followups_vs_ref_pct(data: RunData, window: Window) -> float:
    """Outpatient follow-ups vs reference year: follow-up attendances in the window (on RTT
    pathways and not), scaled to a year, / the scenario's reference-year (2019/20) follow-ups
    for the population x 100 (the target: 25% fewer, i.e. <= 75)."""
    return _per_year_vs(data, window, _total(data, "outpatient_followup", window),
                        data.scenario.elective.reference_followups_per_year_per_100k)


@kpi("elective_activity_pct", "%", "higher", "elective")
def elective_activity_pct(data: RunData, window: Window) -> float:
    """Elective activity vs reference year: value-weighted activity in the window (first and
    follow-up outpatient attendances, diagnostic tests, day cases and elective inpatient
    admissions, RTT and cancer, each times its scenario weight in
    ``elective.activity_weights``), scaled to a year, / the scenario's reference-year
    value-weighted activity for the population x 100. With ``elective.activity_scope = "erf"``
    follow-up attendances are left out of both (the reference loses
    ``reference_followups_per_year_per_100k`` at the follow-up weight), as the Elective Recovery
    Fund has counted since 2023/24: avoided follow-ups then no longer read as lost activity."""
    cfg = data.scenario.elective
    w, erf = cfg.activity_weights, cfg.activity_scope == "erf"
    fu_weight = 0.0 if erf else w.outpatient_followup
    value = sum(weight * _total(data, name, window) for name, weight in (
        ("outpatient_first", w.outpatient_first), ("outpatient_followup", fu_weight),
        ("diagnostic", w.diagnostic), ("day_case", w.day_case), ("inpatient", w.inpatient)))
    reference = cfg.reference_activity_per_year_per_100k - (
        w.outpatient_followup * cfg.reference_followups_per_year_per_100k if erf else 0.0)
    return _per_year_vs(data, window, value, max(reference, 0.0))
