"""Discharge KPIs: how long fit patients wait for pathways 1-3, pathway 2 use, days from
medically fit to out of the acute bed by route (against NHS England's discharge-ready date
figures), and each pathway's demand against the places it needs.

The beds fit patients hold meanwhile are the acute KPIs ``delayed_discharge_bed_days`` and
``delayed_discharge_beds_pct`` (NHS "no criteria to reside").
"""

from __future__ import annotations

import numpy as np

from sim.core.clock import MIN_PER_DAY, MIN_PER_HOUR, Window
from sim.model.services import acute_discharge, d2a
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
    """Support arranged outside discharge to assess (patient choice, another route, or a
    stand-in for too few places: the longer the queue, the more leave this way): fit patients
    referred from an acute bed to pathways 1-3 in the window who left the bed for family care, a
    self-funded place or other support before their pathway started
    (``d2a.alternative_arranged_days``) / those of them whose wait ended (pathway started or
    left); those still waiting at the end are left out. 0 when that option is off."""
    values, _ = data.monitor.tally(d2a.ARRANGED_ELSEWHERE).select(window)
    return pct(float(np.sum(values)), values.size)


# -- from medically fit to out of the bed (NHS England's discharge-ready date, DRD) ----------
def _fit_tally(data: RunData, name: str, window: Window
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Fit times (minutes), days to out of the bed and censored flags, fit in the window."""
    tally = data.monitor.tally(name)
    t = np.array(tally.t, dtype=float)
    v = np.array(tally.v, dtype=float)
    c = np.zeros(t.size, dtype=bool)
    c[np.array(tally.censored_at, dtype=np.int64)] = True
    keep = (t >= window.start) & (t < window.end)
    return t[keep], v[keep], c[keep]


def _late_days(data: RunData, t: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Calendar days from the discharge-ready date to the day out of the bed (0: that day).
    The ready date is the day of becoming medically fit, or the next day for those fit after
    the discharge window has closed (acute.discharge_close_hour): as a ward round sets it."""
    close = data.scenario.acute.discharge_close_hour * MIN_PER_HOUR
    ready = np.floor(t / MIN_PER_DAY) + (t % MIN_PER_DAY >= close)
    return np.floor((t + v * MIN_PER_DAY) / MIN_PER_DAY) - ready


def _mean_fit_to_discharge(name: str, what: str):
    def f(data: RunData, window: Window) -> float:
        _t, v, _c = _fit_tally(data, name, window)
        return float(v.mean()) if v.size else float("nan")

    f.__doc__ = (f"Mean days from medically fit to out of the acute bed, {what}: emergency stays "
                 "over a day whose patient became fit in the window (waiting for support, the "
                 "discharge window, a weekend); those still in the bed at the end count with "
                 "their wait so far.")
    return f


_ROUTES = {
    "fit_to_discharge_days": (acute_discharge.FIT_TO_DISCHARGE, "acute",
                              "every route (home, reablement, pathways 1-3; other support when "
                              "discharge to assess is off)"),
    "fit_to_discharge_days_home": (acute_discharge.by_route(acute_discharge.HOME), "acute",
                                   "discharged home without support"),
    "fit_to_discharge_days_reablement": (acute_discharge.by_route(acute_discharge.REABLEMENT),
                                         "acute", "home with reablement (pathway 1)"),
    **{f"fit_to_discharge_days_d2a_{p}": (d2a.fit_to_discharge(p), "d2a",
                                          f"discharge to assess pathway {p[1]}")
       for p in d2a.PATHWAYS},
    "fit_to_discharge_days_arranged_elsewhere": (
        d2a.ELSEWHERE_FIT_TO_DISCHARGE, "d2a", "waited for pathways 1-3 and left for support "
        "arranged elsewhere (d2a.alternative_arranged_days)"),
}
for _id, (_name, _needs, _what) in _ROUTES.items():
    kpi(_id, "days", "lower", _needs)(_mean_fit_to_discharge(_name, _what))


@kpi("discharged_on_ready_day_pct", "%", "higher", "acute")
def discharged_on_ready_day_pct(data: RunData, window: Window) -> float:
    """Discharged on their discharge-ready date (NHS England DRD; 86.5% in 2024/25): emergency
    stays over a day whose patient became medically fit in the window and left the bed on
    their ready date (the day they became fit, or the next day if fit after
    acute.discharge_close_hour) / those of them whose outcome is known (left the bed, or still
    in it at the end a calendar day or more after their ready date)."""
    t, v, c = _fit_tally(data, acute_discharge.FIT_TO_DISCHARGE, window)
    late = _late_days(data, t, v)
    known = ~c | (late >= 1)
    return pct(int(np.count_nonzero(known & (late < 1))), int(np.count_nonzero(known)))


@kpi("discharge_delay_days_of_delayed", "days", "lower", "acute")
def discharge_delay_days_of_delayed(data: RunData, window: Window) -> float:
    """Mean delay of the delayed (NHS England DRD; 6.09 days in 2024/25): of the emergency
    stays over a day whose patient became medically fit in the window and left the bed after
    their ready date (as for discharged_on_ready_day_pct), the mean number of calendar days from
    the ready date to the day out; those still in the bed at the end count with their days so
    far."""
    t, v, _c = _fit_tally(data, acute_discharge.FIT_TO_DISCHARGE, window)
    late = _late_days(data, t, v)
    late = late[late >= 1]
    return float(late.mean()) if late.size else float("nan")


# -- pathways 1-3: demand against the places it needs (Little's law) --------------------------
def _referrals_per_day(pathway: str):
    def f(data: RunData, window: Window) -> float:
        values, _ = data.monitor.tally(d2a.wait_days(pathway)).select(window)
        return values.size / window.days if window.days > 0 else float("nan")

    f.__doc__ = (f"Discharge to assess, pathway {pathway[1]}: referrals made in the window "
                 "(fit patients in acute beds, reablement clients needing home care, community "
                 "step-ups) / days in the window: the pathway's demand.")
    return f


def _places_needed(pathway: str):
    def f(data: RunData, window: Window) -> float:
        held, _ = data.monitor.tally(d2a.held_days(pathway)).select(window)
        if not held.size:
            return float("nan")
        return _referrals_per_day(pathway)(data, window) * float(held.mean())

    f.__doc__ = (f"Discharge to assess, pathway {pathway[1]}: places its demand needs (Little's "
                 f"law): d2a_{pathway}_referrals_per_day x mean days a place is held by those "
                 "who started in the window (the wait for them to leave the acute bed, then "
                 "the stay). Capacity below it means a queue that grows, or fit patients leaving "
                 "for support arranged elsewhere; a short queue needs some headroom above it.")
    return f


for _p in d2a.PATHWAYS:
    kpi(f"d2a_{_p}_referrals_per_day", "patients/day", "neither", "d2a")(_referrals_per_day(_p))
    kpi(f"d2a_{_p}_places_needed", "places", "neither", "d2a")(_places_needed(_p))
