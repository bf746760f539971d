"""Primary care: GP appointments booked day by day in a ledger.

Seven million appointments a year are too many for one SimPy process each, and nothing about a
single appointment needs one: demand arrives as daily counts and is booked in bulk into a
ledger of free slots per future day (numpy), once a day at 08:00. Same-day need takes today's
same-day slots; what is left over overflows (ED, UTC, UCR, try again tomorrow, self-care) with
the configured shares, spread over the afternoon and evening. Routine requests book the earliest
free routine slot on or after the day the patient wants. Appointments are counted in tallies
keyed by the day of the request, so KPIs window them like any other observation.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from sim.core.clock import MIN_PER_DAY, MIN_PER_HOUR
from sim.core.distributions import draw
from sim.core.monitor import Observations
from sim.model.context import Context
from sim.model.ports import Port, Referral, call, sends
from sim.model.services.base import Service
from sim.scenario.sections.primary_care import PrimaryCareSection

BOOKING_HOUR = 8.0
OVERFLOW_HOURS = (12.0, 22.0)  # when unmet same-day need turns up elsewhere
DAYTIME_HOURS = (10.0, 18.0)  # when GP-initiated UCR referrals and VW step-ups happen
TWO_WEEKS_DAYS = 14
SOURCE = "gp_overflow"  # how ED and UCR see patients the practice could not see

SAME_DAY_NEED = "primary_care.same_day_need"
SAME_DAY_SEEN = "primary_care.same_day_seen"
BOOKED = "primary_care.booked"
BOOKED_WITHIN_2W = "primary_care.booked_within_2w"
SAME_DAY_OVERFLOW = "primary_care.same_day_overflow"
ATTENDED = "primary_care.attended"
OBSERVATIONS = Observations(tallies=(SAME_DAY_NEED, SAME_DAY_SEEN, BOOKED, BOOKED_WITHIN_2W,
                                     SAME_DAY_OVERFLOW, ATTENDED))


@dataclass
class PrimaryCareNeeds:
    ed: Port | None = sends("type1_walk_in", "type3")  # unmet same-day need that walks in
    ucr: Port | None = None  # unmet same-day need referred to the 2-hour response
    step_up: Port | None = None  # a virtual ward for a patient the GP steps up
    admission: Port | None = None  # an acute bed when the virtual ward refuses the step-up


class PrimaryCare(Service):
    name = "primary_care"

    def __init__(self, ctx: Context, cfg: PrimaryCareSection):
        super().__init__(ctx, cfg)
        streams, m, calendar = ctx.streams, ctx.monitor, ctx.calendar
        self.calendar = calendar
        self.days = math.ceil(calendar.end / MIN_PER_DAY)
        length = self.days + cfg.booking_horizon_days + 400
        first_wd = calendar.start_date.weekday()
        weekday = (np.arange(length) + first_wd) % 7
        holidays = sorted(d for d in ctx.season.holidays if d < length)
        # a bank holiday runs as a Sunday: out-of-hours slots only, and Sunday's demand (the
        # weekday profile's: need on a closed day goes to 111 and out-of-hours services)
        weekday[holidays] = 6
        slots = np.asarray(cfg.gp_slots_per_weekday, dtype=float)[weekday]
        for at, level in list(ctx.levels("primary_care.gp_slots_per_weekday"))[1:]:  # dated
            day = int(at // MIN_PER_DAY)
            slots[day:] = np.asarray(level, dtype=float)[weekday[day:]]
        self.same_day_free = np.floor(slots * cfg.same_day_slot_share).astype(np.int64)
        self.routine_free = np.floor(slots).astype(np.int64) - self.same_day_free
        self.pending = np.zeros(length, dtype=np.int64)  # routine appointments booked per day
        prof = np.asarray(cfg.weekday_demand_profile, dtype=float)
        prof = prof / prof.mean() if prof.mean() > 0 else prof
        growth = (1 + ctx.growth_pct / 100) ** (np.arange(self.days) / 365.25)
        per_day = cfg.appointments_per_person_per_year * ctx.population / 365.25
        self.demand = per_day * prof[weekday[: self.days]] * growth
        self.rng_same = streams("arrivals.gp.same_day")
        self.rng_routine = streams("arrivals.gp.routine")
        self.rng_lead = streams("service.gp.routine_lead")
        self.rng_overflow = streams("route.gp.overflow")
        self.rng_timing = streams("time.gp.onward")
        self.rng_vw = streams("arrivals.gp.vw_step_up")
        self.retry = 0  # same-day need carried to the next day
        self.in_transit = 0  # sent onward, not yet arrived there
        self.next_row = 0  # first ledger day with pending appointments
        self.need = m.tally(SAME_DAY_NEED)
        self.seen_same_day = m.tally(SAME_DAY_SEEN)
        self.booked = m.tally(BOOKED)
        self.booked_2w = m.tally(BOOKED_WITHIN_2W)
        self.overflow = m.tally(SAME_DAY_OVERFLOW)
        self.attended = m.tally(ATTENDED)
        self.needs: PrimaryCareNeeds = PrimaryCareNeeds()
        ctx.env.process(self._days())

    def _days(self):
        cfg = self.cfg
        for day in range(self.days):
            t = day * MIN_PER_DAY + BOOKING_HOUR * MIN_PER_HOUR
            if t >= self.calendar.end:
                break
            yield self.env.timeout(t - self.env.now)
            self._appointments_today(day)
            lam = self.demand[day]
            new_same = int(self.rng_same.poisson(lam * cfg.same_day_share))
            new_routine = int(self.rng_routine.poisson(lam * (1 - cfg.same_day_share)))
            self.flows.enter(self.name, True, new_same + new_routine)
            self._same_day(day, t, new_same)
            self._routine(day, t, new_routine)

    def _appointments_today(self, day: int) -> None:
        """Routine appointments booked for today take place: those patients are finished."""
        n = int(self.pending[day])
        self.pending[day] = 0
        self.next_row = day + 1
        self.flows.finish(self.name, n)
        self._attend(day, n)

    def _attend(self, day: int, n: int) -> None:
        if n:
            self.attended.record(day * MIN_PER_DAY, n * (1 - self.cfg.dna_share))

    def _same_day(self, day: int, t: float, new_same: int) -> None:
        retry, self.retry = self.retry, 0
        demand = retry + new_same
        seen = min(demand, int(self.same_day_free[day]))
        self.same_day_free[day] -= seen
        seen_new = max(0, seen - retry)  # earlier retries are seen first
        self.need.record(t, new_same)
        self.seen_same_day.record(t, seen_new)
        self.booked.record(t, seen)
        self.booked_2w.record(t, seen)
        self.flows.finish(self.name, seen)
        self._attend(day, seen)
        unmet = demand - seen
        self.overflow.record(t, unmet)
        if unmet:
            self._overflow(t, unmet)
        self._vw_step_ups(t, seen)

    def _overflow(self, t: float, unmet: int) -> None:
        o = self.cfg.same_day_overflow
        shares = [o.ed_type1, o.ed_type3, o.ucr, o.next_day, o.self_care]
        n_t1, n_t3, n_ucr, n_next, n_self = self.rng_overflow.multinomial(unmet, shares)
        self.retry += int(n_next)
        self.flows.redirect(self.name, int(n_self))
        for kind, n, hours in (("type1_walk_in", n_t1, OVERFLOW_HOURS),
                               ("type3", n_t3, OVERFLOW_HOURS), ("ucr", n_ucr, DAYTIME_HOURS)):
            for when in self._times_today(t, int(n), hours):
                self.in_transit += 1
                self.after(when - self.env.now, self._send, kind)

    def _send(self, kind: str) -> None:
        self.in_transit -= 1
        n = self.needs
        taken = (call(n.ucr, Referral(SOURCE)) if kind == "ucr"
                 else call(n.ed, Referral(SOURCE, kind)))
        (self.flows.transfer if taken else self.flows.redirect)(self.name)

    def _vw_step_ups(self, t: float, seen: int) -> None:
        lam = seen * self.cfg.vw_step_up_per_1000_appointments / 1000
        n = int(self.rng_vw.poisson(lam)) if lam > 0 else 0
        # a step-up is a new referral by the practice (the appointment itself is finished):
        # to a virtual ward, or admitted directly when none is free
        for when in self._times_today(t, n, DAYTIME_HOURS):
            self.in_transit += 1
            self.flows.enter(self.name, True)
            self.after0(when - self.env.now, self._step_up)

    def _step_up(self) -> None:
        """A virtual ward, else a direct emergency admission (the patient waits at home, in
        the practice's care, until the bed is reached); ED only when acute beds are not
        modelled."""
        n = self.needs
        if call(n.step_up, Referral("gp")):
            self._handed_over(True)
        elif not call(n.admission, Referral("gp", on_taken=lambda: self._handed_over(True))):
            self._handed_over(call(n.ed, Referral(SOURCE, "type1_walk_in")))

    def _handed_over(self, taken: bool) -> None:
        self.in_transit -= 1
        (self.flows.transfer if taken else self.flows.redirect)(self.name)

    def _times_today(self, t: float, n: int, hours: tuple[float, float]) -> np.ndarray:
        day0 = t - (t % MIN_PER_DAY)
        lo, hi = hours
        return np.sort(day0 + (lo + (hi - lo) * self.rng_timing.random(n)) * MIN_PER_HOUR)

    def _routine(self, day: int, t: float, n: int) -> None:
        if n == 0:
            return
        leads = np.maximum(1, np.rint(draw(self.cfg.routine_lead_days, self.rng_lead, n)))
        wanted, counts = np.unique(day + leads.astype(np.int64), return_counts=True)
        free = self.routine_free
        last = free.size - 1
        within = 0
        for want, k in zip(wanted.tolist(), counts.tolist(), strict=True):
            d = min(want, last)
            while k > 0 and d < last:
                if free[d] > 0:
                    take = min(k, int(free[d]))
                    free[d] -= take
                    self.pending[d] += take
                    within += take if d - day <= TWO_WEEKS_DAYS else 0
                    k -= take
                d += 1
            self.pending[last] += k  # beyond the ledger: booked on its last day, never lost
        self.booked.record(t, n)
        self.booked_2w.record(t, within)

    def in_system(self) -> int:
        return self.retry + self.in_transit + int(self.pending[self.next_row:].sum())
