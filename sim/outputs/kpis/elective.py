"""Elective KPIs: RTT waits and list, diagnostics, activity, cancellations."""

from __future__ import annotations

import numpy as np

from sim.core.clock import Window
from sim.model.services import acute, elective
from sim.outputs.kpis.base import KpiFunc, RunData, kpi, pct


def snapshot_mean(data: RunData, name: str, window: Window) -> float:
    """Mean of the month-end snapshots taken inside the window (one for a single month)."""
    values, _ = data.monitor.tally(name).select(window)
    return float(values.mean()) if values.size else float("nan")


@kpi("elective_cancellations", "operations", "lower", "elective")
def elective_cancellations(data: RunData, window: Window) -> float:
    """Elective cancellations: inpatient operations in the window cancelled on the day because
    no acute bed was free at admission (each cancelled patient stays on the list)."""
    return data.monitor.tally(acute.ELECTIVE_CANCELLED).total(window)


@kpi("rtt_18w_pct", "%", "higher", "elective")
def rtt_18w_pct(data: RunData, window: Window) -> float:
    """RTT 18-week: incomplete pathways (clock running) at a month end waiting <= 18 weeks since
    referral / all incomplete pathways then; mean of the month ends in the window."""
    return snapshot_mean(data, elective.snapshot("within_18w_pct"), window)


def _over(weeks: int) -> KpiFunc:
    def f(data: RunData, window: Window) -> float:
        return snapshot_mean(data, elective.snapshot(f"over_{weeks}w"), window)

    f.__doc__ = (f"RTT over {weeks} weeks: number of incomplete pathways at a month end waiting "
                 f"more than {weeks} weeks since referral; mean of the month ends in the window.")
    return f


for _weeks in (52, 65, 78, 104):
    kpi(f"rtt_over_{_weeks}w", "pathways", "lower", "elective")(_over(_weeks))


@kpi("rtt_over_52w_pct", "%", "lower", "elective")
def rtt_over_52w_pct(data: RunData, window: Window) -> float:
    """RTT over 52 weeks as a share: mean over month ends in the window of (incomplete pathways
    waiting more than 52 weeks / all incomplete pathways)."""
    m = data.monitor
    over, _ = m.tally(elective.snapshot("over_52w")).select(window)
    size, _ = m.tally(elective.snapshot("list_size")).select(window)
    return float(np.mean(100 * over / size)) if size.size and size.min() > 0 else float("nan")


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
    """Diagnostics 6-week: patients waiting for a diagnostic test at month end who have waited
    under 6 weeks (since joining the test's list) / all waiting for a test then; mean of the
    month ends in the window."""
    return snapshot_mean(data, elective.snapshot("diag_within_6w_pct"), window)


@kpi("elective_activity_pct", "%", "higher", "elective")
def elective_activity_pct(data: RunData, window: Window) -> float:
    """Elective activity vs reference year: value-weighted activity in the window (first
    outpatient attendances, diagnostic tests, day cases, elective inpatient admissions, each
    times its scenario weight), scaled to a year, / the scenario's reference-year
    value-weighted activity for the population x 100."""
    el = data.scenario.elective
    w = el.activity_weights
    m = data.monitor
    value = sum(weight * m.tally(elective.activity(name)).total(window) for name, weight in (
        ("outpatient_first", w.outpatient_first), ("diagnostic", w.diagnostic),
        ("day_case", w.day_case), ("inpatient", w.inpatient)))
    reference = el.reference_activity_per_year_per_100k * data.scenario.population.size / 1e5
    return pct(value * 365.25 / window.days, reference) if window.days > 0 else float("nan")
