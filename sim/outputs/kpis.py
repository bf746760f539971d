"""KPIs: pure functions of one replication's observations over a window, each with a stable id.

Every docstring states the exact definition (numerator, denominator, window); the README's KPI
table is generated from them. Adding a KPI means adding one decorated function here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np

from sim.core.clock import Calendar, Window
from sim.core.monitor import Monitor
from sim.scenario import Scenario


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


@kpi("ed_type1_4h_pct", "%", "higher", "ed")
def ed_type1_4h_pct(data: RunData, window: Window) -> float:
    """ED 4-hour, type 1 only: type 1 attendances arriving in the window that leave within
    240 min of arrival / all type 1 attendances arriving in the window (censored as above)."""
    return share_within(data, "ed.type1_time_in_dept", window, 240.0)


@kpi("ed_admitted_4th_hour_pct", "%", "neither", "ed")
def ed_admitted_4th_hour_pct(data: RunData, window: Window) -> float:
    """Admissions in the 4th hour: admitted ED patients arriving in the window who leave the
    department between 180 and 240 min after arrival / all admitted ED patients arriving in
    the window (HSCIC 2014 found 51%; the decision-bunching rule is calibrated to it)."""
    values, _ = data.monitor.tally("ed.admitted_time_in_dept").select(window)
    return pct(int(np.count_nonzero((values > 180) & (values <= 240))), values.size)


# -- Primary care ---------------------------------------------------------------------------
def ratio_of_totals(data: RunData, num: str, den: str, window: Window) -> float:
    m = data.monitor
    return pct(m.tally(num).total(window), m.tally(den).total(window))


@kpi("gp_same_day_pct", "%", "higher", "primary_care")
def gp_same_day_pct(data: RunData, window: Window) -> float:
    """GP same day: new same-day needs arising on days in the window that got a GP appointment
    that day / all new same-day needs arising on those days (retries the next day do not
    count as seen the same day)."""
    return ratio_of_totals(data, "gp.same_day_seen", "gp.same_day_need", window)


@kpi("gp_2w_pct", "%", "higher", "primary_care")
def gp_2w_pct(data: RunData, window: Window) -> float:
    """GP within 2 weeks: appointments booked on days in the window for a day within 14 days
    of the request / all appointments booked on those days (same-day ones count as within)."""
    return ratio_of_totals(data, "gp.booked_within_2w", "gp.booked", window)


# -- Community services ---------------------------------------------------------------------
@kpi("ucr_2h_pct", "%", "higher", "ucr")
def ucr_2h_pct(data: RunData, window: Window) -> float:
    """UCR 2-hour: in-scope referrals (received while the service is open) in the window whose
    first care contact (clinician arrives) is within 120 min of the referral / all in-scope
    referrals received in the window. Referrals not yet contacted at the end count, and breach
    if already over 120 min."""
    return share_within(data, "ucr.response_mins", window, 120.0)


@kpi("reablement_2d_pct", "%", "higher", "reablement")
def reablement_2d_pct(data: RunData, window: Window) -> float:
    """Reablement 2-day: referrals received in the window (from acute beds, UCR and the
    community) whose care starts within 2 days of referral / all referrals received in the
    window (not started at the end: breach if already over 2 days)."""
    return share_within(data, "reablement.days_to_start", window, 2.0)


@kpi("vw_beds_per_100k", "beds per 100k", "higher", "virtual_ward")
def vw_beds_per_100k(data: RunData, window: Window) -> float:
    """Virtual ward capacity: VW beds / GP-registered population aged 16+ x 100,000
    (a scenario input, reported so that it is judged like any other target)."""
    pop = data.scenario.population
    return data.scenario.virtual_ward.beds / (pop.size * pop.adult_share) * 1e5


@kpi("vw_occupancy_pct", "%", "higher", "virtual_ward")
def vw_occupancy_pct(data: RunData, window: Window) -> float:
    """Virtual ward occupancy: time-averaged occupied VW beds over the window / VW beds."""
    beds = data.scenario.virtual_ward.beds
    return pct(data.monitor.level("vw.occupied").mean(window), beds)


# -- Acute beds -----------------------------------------------------------------------------
@kpi("acute_occupancy_pct", "%", "lower", "acute")
def acute_occupancy_pct(data: RunData, window: Window) -> float:
    """G&A bed occupancy: time-averaged number of beds with a patient in them (emergency and
    elective, including medically fit patients awaiting discharge; excluding beds in
    turnaround) over the window / G&A beds."""
    return pct(data.monitor.level("acute.occupied").mean(window), data.scenario.acute.beds)


@kpi("delayed_discharge_bed_days", "bed-days", "lower", "acute")
def delayed_discharge_bed_days(data: RunData, window: Window) -> float:
    """Delayed discharge: bed-days within the window spent in acute beds by medically fit
    patients waiting for reablement or other support (time integral of their number)."""
    lv = data.monitor.level("acute.delayed")
    return lv.mean(window) * window.days


@kpi("delayed_discharge_beds_pct", "%", "lower", "acute")
def delayed_discharge_beds_pct(data: RunData, window: Window) -> float:
    """Delayed discharge share: time-averaged number of medically fit patients waiting in acute
    beds (for reablement or other support) over the window / G&A beds."""
    return pct(data.monitor.level("acute.delayed").mean(window), data.scenario.acute.beds)


# -- Elective -------------------------------------------------------------------------------
def snapshot_mean(data: RunData, name: str, window: Window) -> float:
    """Mean of the month-end snapshots taken inside the window (one for a single month)."""
    values, _ = data.monitor.tally(name).select(window)
    return float(values.mean()) if values.size else float("nan")


@kpi("elective_cancellations", "operations", "lower", "elective")
def elective_cancellations(data: RunData, window: Window) -> float:
    """Elective cancellations: inpatient operations in the window cancelled on the day because
    no acute bed was free at admission (each cancelled patient stays on the list)."""
    return data.monitor.tally("elective.cancelled").total(window)


@kpi("rtt_18w_pct", "%", "higher", "elective")
def rtt_18w_pct(data: RunData, window: Window) -> float:
    """RTT 18-week: incomplete pathways (clock running) at a month end waiting <= 18 weeks since
    referral / all incomplete pathways then; mean of the month ends in the window."""
    return snapshot_mean(data, "rtt.within_18w_pct", window)


def _over(weeks: int) -> KpiFunc:
    def f(data: RunData, window: Window) -> float:
        return snapshot_mean(data, f"rtt.over_{weeks}w", window)

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
    over, _ = m.tally("rtt.over_52w").select(window)
    size, _ = m.tally("rtt.list_size").select(window)
    return float(np.mean(100 * over / size)) if size.size and size.min() > 0 else float("nan")


@kpi("waiting_list_size", "pathways", "lower", "elective")
def waiting_list_size(data: RunData, window: Window) -> float:
    """Waiting list: incomplete RTT pathways at month end; mean of the month ends in the window."""
    return snapshot_mean(data, "rtt.list_size", window)


@kpi("waiting_list_change_pct", "%", "lower", "elective")
def waiting_list_change_pct(data: RunData, window: Window) -> float:
    """Waiting list change: (incomplete pathways at the last month end in the window /
    incomplete pathways at the month end before the window - 1) x 100."""
    tally = data.monitor.tally("rtt.list_size")
    values, _ = tally.select(window)
    before = tally.last_before(window.start)
    return 100 * (values[-1] / before - 1) if values.size and before > 0 else float("nan")


@kpi("rtt_median_weeks", "weeks", "lower", "elective")
def rtt_median_weeks(data: RunData, window: Window) -> float:
    """Median RTT wait: median weeks waited by incomplete pathways at month end; mean of the
    month ends in the window."""
    return snapshot_mean(data, "rtt.median_weeks", window)


@kpi("diagnostics_6w_pct", "%", "higher", "elective")
def diagnostics_6w_pct(data: RunData, window: Window) -> float:
    """Diagnostics 6-week: patients waiting for a diagnostic test at month end who have waited
    under 6 weeks (since joining the test's list) / all waiting for a test then; mean of the
    month ends in the window."""
    return snapshot_mean(data, "rtt.diag_within_6w_pct", window)


@kpi("elective_activity_pct", "%", "higher", "elective")
def elective_activity_pct(data: RunData, window: Window) -> float:
    """Elective activity vs reference year: value-weighted activity in the window (first
    outpatient attendances, diagnostic tests, day cases, elective inpatient admissions, each
    times its scenario weight), scaled to a year, / the scenario's reference-year
    value-weighted activity for the population x 100."""
    el = data.scenario.elective
    w = el.activity_weights
    m = data.monitor
    value = sum(weight * m.tally(f"elective.{name}").total(window) for name, weight in (
        ("outpatient_first", w.outpatient_first), ("diagnostic", w.diagnostic),
        ("day_case", w.day_case), ("inpatient", w.inpatient)))
    reference = el.reference_activity_per_year_per_100k * data.scenario.population.size / 1e5
    return pct(value * 365.25 / window.days, reference) if window.days > 0 else float("nan")


# -- Counts (denominators for cost per extra patient) -----------------------------------------
@kpi("ed_attendances", "attendances", "neither", "ed")
def ed_attendances(data: RunData, window: Window) -> float:
    """ED attendances (all types) arriving in the window."""
    return float(data.monitor.tally("ed.time_in_dept").select(window)[0].size)


@kpi("ucr_referrals_in_scope", "referrals", "neither", "ucr")
def ucr_referrals_in_scope(data: RunData, window: Window) -> float:
    """UCR referrals received in the window while the service was open (2-hour scope)."""
    return float(data.monitor.tally("ucr.response_mins").select(window)[0].size)


@kpi("reablement_referrals", "referrals", "neither", "reablement")
def reablement_referrals(data: RunData, window: Window) -> float:
    """Reablement referrals received in the window (all sources)."""
    return float(data.monitor.tally("reablement.days_to_start").select(window)[0].size)


# -- Costs of capacity --------------------------------------------------------------------------
def _years(window: Window) -> float:
    return window.days / 365.25


def cost_of(section: str, scenario: Scenario, window: Window) -> float:
    """What ``section``'s capacity costs over the window (0 when it is switched off)."""
    c = scenario.costs
    cfg = getattr(scenario, section)
    if not cfg.enabled:
        return 0.0
    days = window.days
    if section == "ed":
        staff = (cfg.clinicians_per_shift * c.ed_clinician_wte_per_year_gbp
                 + cfg.handover_staff * c.ed_handover_wte_per_year_gbp)
        return staff * c.wte_per_post_24x7 * _years(window)
    if section == "ucr":
        hours = (cfg.close_hour - cfg.open_hour) / 24
        return (cfg.clinicians_per_shift * c.wte_per_post_24x7 * hours
                * c.ucr_clinician_wte_per_year_gbp * _years(window))
    if section == "primary_care":
        return sum(cfg.gp_slots_per_weekday) / 7 * days * c.gp_slot_gbp
    if section == "acute":
        return cfg.beds * days * c.acute_bed_day_gbp
    if section == "virtual_ward":
        return cfg.beds * days * c.vw_bed_day_gbp
    if section == "reablement":
        return cfg.packages * days * c.reablement_package_day_gbp
    if section == "elective":
        return (cfg.theatre_sessions_per_week * c.theatre_session_gbp
                + cfg.outpatient_slots_per_week * c.outpatient_slot_gbp
                + cfg.diagnostic_slots_per_week * c.diagnostic_slot_gbp) * days / 7
    raise KeyError(section)


COSTED = ("primary_care", "ucr", "reablement", "virtual_ward", "ed", "acute", "elective")


def _cost(section: str) -> KpiFunc:
    def f(data: RunData, window: Window) -> float:
        return cost_of(section, data.scenario, window)

    f.__doc__ = (f"Cost of {section.replace('_', ' ')} capacity over the window, in the "
                 "scenario's currency: capacity (staff on duty x WTE per post x cost per WTE, "
                 "or beds / packages / slots / sessions x unit cost) x the window's length.")
    return f


for _section in COSTED:
    kpi(f"cost_{_section}_gbp", "GBP", "lower", _section)(_cost(_section))


@kpi("cost_total_gbp", "GBP", "lower", "costs")
def cost_total_gbp(data: RunData, window: Window) -> float:
    """Total cost of capacity over the window: the sum of the cost_<service>_gbp KPIs of the
    services switched on (unit costs in the scenario's [costs])."""
    return sum(cost_of(s, data.scenario, window) for s in COSTED)
