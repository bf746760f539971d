"""Acute (G&A) beds: one pool shared by emergency and elective inpatients.

An emergency patient is admitted when a bed is free (until then they wait where they are: ED
patients board). Stays over a day end when the patient is medically fit; they then go home, or
wait in the bed for reablement or other support (delayed discharge, counted in bed-days), or
leave early to a virtual ward when one is free (step-down). Discharges happen only in daytime
hours, and a freed bed needs a turnaround before the next patient: both are why beds can be full
at night while mean occupancy is below 100%. The daytime rule applies to every discharge,
zero-day stays included: a short stay that ends in the evening lasts until the next morning.
An elective inpatient needs a bed on the day of surgery and is cancelled when none is free.

Elective stays (about 13,000 a year) are a process that reads top to bottom; emergency stays
(about 125,000 a year) stay a chain of callbacks, which run about 2x as many patients a second
(``benchmarks/bench_journeys.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sim.core.arrivals import hourly_rates, poisson_times
from sim.core.clock import MIN_PER_DAY, MIN_PER_HOUR
from sim.core.distributions import Sampler, Uniforms
from sim.core.monitor import Observations, SeriesSpec
from sim.core.station import Pool
from sim.model.context import Context
from sim.model.ports import Port, Referral, call
from sim.model.services.base import Record, Service, next_opening
from sim.scenario.sections.acute import AcuteSection

EMERGENCY, ELECTIVE = 0, 1

BED_QUEUE = "acute.bed_queue"
OCCUPIED = "acute.occupied"
DIRECT_WAITING = "acute.direct_waiting"
DELAYED = "acute.delayed"  # medically fit, waiting in a bed
BED_WAIT = "acute.bed_wait"
STAY_DAYS = "acute.stay_days"  # by admission time, for Little's law
ELECTIVE_CANCELLED = "acute.elective_cancelled"  # no bed on the day of surgery
OBSERVATIONS = Observations(tallies=(BED_WAIT, STAY_DAYS, ELECTIVE_CANCELLED),
                            levels=(BED_QUEUE, OCCUPIED, DIRECT_WAITING, DELAYED))


SERIES = (
    SeriesSpec("acute_occupied", "acute beds occupied", "acute", OCCUPIED, "level"),
    SeriesSpec("acute_bed_queue", "patients waiting for an acute bed", "acute", BED_QUEUE, "level",
               queue=True),
    SeriesSpec("acute_delayed", "fit patients delayed in acute beds", "acute", DELAYED, "level",
               queue=True),
)


@dataclass
class AcuteNeeds:
    step_down: Port | None = None  # a virtual ward that may take a patient early
    reablement: Port | None = None  # a package the fit patient waits for, in the bed
    discharge: Port | None = None  # discharge to assess: the fit patient waits in the bed


class Inpatient(Record):
    __slots__ = ("admitted", "fit_at", "in_bed", "kind", "los", "on_admitted", "pool",
                 "step_down", "waiting_here")

    def __init__(self, pid: int, arrived: float, source: str, kind: int):
        super().__init__(pid, arrived, source)
        self.kind = kind
        self.in_bed = False
        self.waiting_here = False
        self.on_admitted: Callable[[], Any] | None = None
        self.los = 0.0
        self.fit_at = float("nan")
        self.pool: Pool | None = None
        self.admitted = float("nan")
        self.step_down = False


class AcuteBeds(Service):
    name = "acute"

    def __init__(self, ctx: Context, cfg: AcuteSection):
        super().__init__(ctx, cfg)
        env, streams, monitor = ctx.env, ctx.streams, ctx.monitor
        self.pool = Pool(env, cfg.beds - cfg.elective_ring_fenced_beds, "acute.beds",
                         queue=monitor.level(BED_QUEUE))
        self.elective_pool = Pool(env, cfg.elective_ring_fenced_beds, "acute.elective_beds")
        self.occupied = monitor.level(OCCUPIED)
        self.waiting = monitor.level(DIRECT_WAITING)
        self.delayed = monitor.level(DELAYED)
        self.t_bed_wait = monitor.tally(BED_WAIT)
        self.t_stay = monitor.tally(STAY_DAYS)
        self.cancelled = monitor.tally(ELECTIVE_CANCELLED)
        self.u_zero = Uniforms(streams("route.acute.zero_day"))
        self.u_dest = Uniforms(streams("route.acute.destination"))
        self.u_step_down = Uniforms(streams("route.acute.step_down"))
        self.u_spread = Uniforms(streams("time.acute.discharge_spread"))
        self.u_weekend = Uniforms(streams("route.acute.weekend_discharge"))
        self.first_weekday = ctx.calendar.start_date.weekday()
        self.zero_los = Sampler(cfg.zero_day_los_hours, streams("los.acute.zero_day"),
                                MIN_PER_HOUR)
        self.em_los = Sampler(cfg.emergency_los_days, streams("los.acute.emergency"), MIN_PER_DAY)
        self.el_los = Sampler(cfg.elective_los_days, streams("los.acute.elective"), MIN_PER_DAY)
        self.other_wait = Sampler(cfg.other_support_wait_days, streams("los.acute.other_support"),
                                  MIN_PER_DAY)
        self.saving = Sampler(cfg.vw_step_down_saving_days, streams("los.vw.step_down_saving"),
                              MIN_PER_DAY)
        self.needs: AcuteNeeds = AcuteNeeds()
        per_day = cfg.direct_admissions_per_100k_per_year * ctx.population / 1e5 / 365.25
        rates = hourly_rates(ctx.calendar, per_day, ctx.growth_pct,
                             cfg.direct_admission_hour_profile)
        times = poisson_times(streams("arrivals.acute.direct"), rates)
        self.arrivals(times.tolist(), self.admit_emergency, "direct")

    def offers(self) -> dict[str, Port]:
        return {"emergency_bed": self._take_emergency, "elective_bed": self._take_elective}

    def _take_emergency(self, r: Referral) -> bool:
        """Every emergency admission is taken: it queues for a bed, in the sender's care."""
        self.admit_emergency(r.source, r.on_taken)
        return True

    def _take_elective(self, _r: Referral) -> bool:
        return self.admit_elective()

    # -- admissions --------------------------------------------------------------------------
    def admit_emergency(self, source: str, on_admitted: Callable[[], Any] | None = None) -> None:
        """Queue for a bed; ``on_admitted`` runs when the patient reaches one.

        Patients sent by another service stay in its care until admitted (ED patients board);
        direct admissions (GP, SDEC) are this service's from the moment they arrive.
        """
        p = Inpatient(self.new_id(), self.env.now, source, EMERGENCY)
        p.on_admitted = on_admitted
        p.waiting_here = on_admitted is None
        if p.waiting_here:
            self.enter(p, external=True)
            self.waiting.add(self.env.now, 1)
        p.los = (self.zero_los.next() if self.u_zero() < self.cfg.zero_day_share
                 else max(self.em_los.next(), MIN_PER_DAY * 1.01))
        self.pool.request(lambda t, p=p: self._bed(p, t, self.pool))

    def admit_elective(self) -> bool:
        """Take a bed now for an elective inpatient: a ring-fenced one, else a general one that
        no emergency patient is waiting for; False (cancelled on the day) if none."""
        for pool in (self.elective_pool, self.pool):
            if pool.in_use < pool.capacity and not pool.queued:
                p = Inpatient(self.new_id(), self.env.now, "elective", ELECTIVE)
                p.los = self.el_los.next()
                pool.request(lambda t, p=p, pool=pool: self._in_bed(p, t, pool))  # at once
                self.env.process(self._elective_stay(p))
                return True
        self.cancelled.record(self.env.now, 1.0)
        return False

    def _elective_stay(self, p: Inpatient):
        """An elective inpatient, in a bed from the day of surgery: recovery, then home in
        daytime discharge hours."""
        yield self.env.timeout(p.los)
        yield self.env.timeout(self._until_discharge_hours())
        self._release(p, "finished")

    def _bed(self, p: Inpatient, ticket, pool: Pool) -> None:
        """An emergency patient reaches a bed: stay until medically fit (or step down)."""
        self._in_bed(p, ticket, pool)
        if p.los > MIN_PER_DAY and p.step_down:
            saving = self.saving.next()
            when = max(p.los - saving, MIN_PER_DAY)
            self.after(when, lambda p=p: self._try_step_down(p))
        else:
            self.after(p.los, lambda p=p: self._fit(p))

    def _in_bed(self, p: Inpatient, ticket, pool: Pool) -> None:
        p.pool = pool
        self.t_bed_wait.record(p.arrived, ticket.wait)
        if p.waiting_here:
            self.waiting.add(self.env.now, -1)
        else:
            self.enter(p, external=False)
        p.in_bed = True
        p.admitted = self.env.now
        self.occupied.add(self.env.now, 1)
        if p.on_admitted is not None:
            p.on_admitted()
        p.fit_at = self.env.now + p.los
        share = self.cfg.vw_step_down_share if self.needs.step_down is not None else 0.0
        p.step_down = self.u_step_down() < share  # drawn for all: stable CRN

    def _try_step_down(self, p: Inpatient) -> None:
        if call(self.needs.step_down, Referral(self.name)):
            self._release(p, "transferred")
        else:
            self.after(p.fit_at - self.env.now, lambda p=p: self._fit(p))

    # -- discharge ------------------------------------------------------------------------------
    def _fit(self, p: Inpatient) -> None:
        if p.los <= MIN_PER_DAY:
            self._discharge_in_hours(p, "finished")
            return
        d = self.cfg.destinations
        u = self.u_dest()
        if u < d.home:
            self._discharge_in_hours(p, "finished")
        elif self.needs.discharge is not None:  # discharge to assess: wait in the bed
            self.delayed.add(self.env.now, 1)
            kind = "reablement" if u < d.home + d.reablement else "other_support"
            taken = Referral(self.name, kind, lambda p=p: self._delay_over(p, "reablement"))
            if not call(self.needs.discharge, taken):  # support arranged outside the model
                self._delay_over(p, "no reablement")
        elif u < d.home + d.reablement:
            self.delayed.add(self.env.now, 1)
            started = Referral(self.name, on_taken=lambda p=p: self._delay_over(p, "reablement"))
            if not call(self.needs.reablement, started):  # support arranged outside the model
                self._delay_over(p, "no reablement")
        else:
            self.delayed.add(self.env.now, 1)
            self.after(self.other_wait.next(), lambda p=p: self._delay_over(p, "other"))

    def _delay_over(self, p: Inpatient, why: str) -> None:
        self.delayed.add(self.env.now, -1)
        if why == "reablement":
            self._release(p, "transferred")
        elif why == "no reablement":
            self._release(p, "redirected")
        else:
            self._discharge_in_hours(p, "redirected")

    def _discharge_in_hours(self, p: Inpatient, how) -> None:
        self.after(self._until_discharge_hours(), lambda: self._release(p, how))

    def _until_discharge_hours(self) -> float:
        """Minutes from now until a patient fit now leaves: the next discharge window, Monday
        for most of those fit at a weekend, spread over the morning when held overnight."""
        cfg = self.cfg
        now = self.env.now
        at = next_opening(now, cfg.discharge_open_hour, cfg.discharge_close_hour)
        weekday = (self.first_weekday + int(at // MIN_PER_DAY)) % 7
        if weekday >= 5 and self.u_weekend() >= cfg.weekend_discharge_share:
            at = (at - at % MIN_PER_DAY) + (7 - weekday) * MIN_PER_DAY  # Monday
            at += cfg.discharge_open_hour * MIN_PER_HOUR
        if at > now:
            at += self.u_spread() * cfg.discharge_spread_hours * MIN_PER_HOUR
        return at - now

    def _release(self, p: Inpatient, how) -> None:
        self.t_stay.record(p.admitted, (self.env.now - p.admitted) / MIN_PER_DAY)
        self.leave(p, how)
        self.occupied.add(self.env.now, -1)
        turnaround = self.cfg.turnaround_hours * MIN_PER_HOUR
        if turnaround > 0:
            self.after(turnaround, p.pool.release)
        else:
            p.pool.release()

    def close(self) -> None:
        """Direct admissions still waiting for a bed are counted (censored), not dropped."""
        now = self.env.now
        for p in self.present.values():
            if not p.in_bed:
                self.t_bed_wait.record(p.arrived, now - p.arrived, censored=True)
            else:
                self.t_stay.record(p.admitted, (now - p.admitted) / MIN_PER_DAY, censored=True)
