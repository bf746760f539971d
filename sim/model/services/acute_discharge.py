"""When a patient ready to leave an acute bed is out of it: the discharge window, the weekend
dip, a discharge push at pressure, and the tallies of days from medically fit to discharge.

The window (``discharge_open_hour`` to ``discharge_close_hour``) and the weekend and bank
holiday share (``weekend_discharge_share``) apply to home discharges, to other support without
discharge to assess and, with ``discharge_window_all_routes``, to every route: a package or place
that becomes available is held for the patient until they leave in the window. A discharge push
(``discharge_push_level``) widens the window and lifts the weekend dip while the system's
pressure level is at or above it, decided when each patient is ready to leave: it shortens only
the wait from ready to out of the bed, so it never creates a package, place or other support.
"""

from __future__ import annotations

from sim.core.clock import MIN_PER_DAY, MIN_PER_HOUR
from sim.core.distributions import uniforms
from sim.core.monitor import Monitor
from sim.model.context import Context
from sim.model.services.base import next_opening
from sim.scenario.sections.acute import AcuteSection

# by fit time: days from medically fit to leaving the acute bed, emergency stays over a day
FIT_TO_DISCHARGE = "acute.fit_to_discharge_days"
HOME, REABLEMENT, D2A, OTHER = "home", "reablement", "d2a", "other_support"
ROUTES = (HOME, REABLEMENT, D2A, OTHER)  # D2A: pathways 1-3 (split by d2a's own tallies)


def by_route(route: str) -> str:
    """The fit-to-discharge tally of one route out of the bed."""
    return f"{FIT_TO_DISCHARGE}.{route}"


TALLIES = (FIT_TO_DISCHARGE, *(by_route(r) for r in ROUTES))


class FitToDischarge:
    """The tallies of days from medically fit to out of the bed: in all and by route."""

    def __init__(self, monitor: Monitor):
        self.all = monitor.tally(FIT_TO_DISCHARGE)
        self.by_route = {r: monitor.tally(by_route(r)) for r in ROUTES}

    def record(self, fit_at: float, route: str, now: float, censored: bool = False) -> None:
        days = (now - fit_at) / MIN_PER_DAY
        self.all.record(fit_at, days, censored=censored)
        self.by_route[route].record(fit_at, days, censored=censored)


class DischargeWindow:
    """Minutes from now until a patient ready now is out of the bed."""

    def __init__(self, ctx: Context, cfg: AcuteSection):
        self.ctx = ctx
        self.cfg = cfg
        self.u_spread = uniforms(ctx.streams("time.acute.discharge_spread"))
        self.u_weekend = uniforms(ctx.streams("route.acute.weekend_discharge"))
        self.first_weekday = ctx.calendar.start_date.weekday()

    def pushing(self) -> bool:
        """A discharge push is on: the pressure level is at or above discharge_push_level."""
        level = self.cfg.discharge_push_level
        return level is not None and self.ctx.pressure.level >= level

    def until(self, now: float) -> float:
        """The next discharge window, the next working day for most of those ready at a
        weekend, spread over the morning when held overnight; wider and without the weekend
        dip during a push."""
        cfg = self.cfg
        close, weekend = cfg.discharge_close_hour, cfg.weekend_discharge_share
        if self.pushing():
            close, weekend = min(close + cfg.discharge_push_hours, 24.0), 1.0
        at = next_opening(now, cfg.discharge_open_hour, close)
        day = int(at // MIN_PER_DAY)
        if self.day_off(day) and self.u_weekend() >= weekend:
            while self.day_off(day):  # the next working day: Monday, or after a bank holiday
                day += 1
            at = day * MIN_PER_DAY + cfg.discharge_open_hour * MIN_PER_HOUR
        if at > now:
            at += self.u_spread() * cfg.discharge_spread_hours * MIN_PER_HOUR
        return at - now

    def day_off(self, day: int) -> bool:
        """A weekend day or a bank holiday: fewer discharges (weekend_discharge_share)."""
        return (self.first_weekday + day) % 7 >= 5 or self.ctx.season.closed(day)
