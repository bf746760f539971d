"""Acute (G&A) beds: general beds for emergencies, ring-fenced elective beds, escalation beds
and a same-day emergency care (SDEC) area.

The general beds are ``wards`` equal wards (specialty groups): an emergency patient needs a bed
in their own ward and is admitted when one is free there (until then they wait where they are:
ED patients board), so patients wait while beds stand free in other wards, which is where exit
block at 92-95% occupancy comes from. After ``ward_outlying_after_hours`` of waiting a patient
takes the first bed free in any ward. Zero-day (SDEC) patients take an SDEC space when one is
free, else a G&A bed, and leave at any hour when their stay is over. When their ward is full, an
emergency patient outlies into a free ring-fenced elective bed (``outlying``, at most
``outlying_max_patients`` at once), so elective inpatients find fewer beds and are cancelled on the
day: the coupling planners need to see. Each ward's share of the escalation beds opens at an
hourly review while that ward's occupancy is at or above the trigger; or, with ``opel_review``,
the trust declares a pressure level at set hours and the level opens escalation beds and
defers elective inpatients (``acute_wards``).

Stays over a day end when the patient is medically fit; they then go home, or wait in the bed
for reablement or other support (delayed discharge, counted in bed-days). An inpatient eligible
to finish their stay on a virtual ward joins its queue at the ward round (the daytime discharge
window) and leaves when a virtual ward bed is theirs, or stays until fit (step-down).
Discharges home happen only in daytime hours (every route with ``discharge_window_all_routes``;
wider in a discharge push: ``acute_discharge``), and a freed bed needs a turnaround before the next
patient: both are why beds can be full at night while mean occupancy is below 100%. A patient
who no longer needs the bed (medically fit or eligible to step down) and is still in it has "no
criteria to reside", whatever they wait for. An elective inpatient needs a bed on the day of
surgery and is cancelled when none is free.

Emergency stays are chains of scheduled calls, one per step of the journey, each taking the
patient: a process per patient costs about twice as much a patient
(``benchmarks/bench_journeys.py``), and about 150,000 emergency stays a year go through here.
The 14,500 elective stays a year are a SimPy process each (``_elective_stay``), read top to
bottom. The journey map of an emergency stay, its steps defined below in this order
(``tests/test_journey_trace.py`` follows one patient through it and checks every move is a row):

| step                  | next step             | waits on                                   |
|-----------------------|-----------------------|--------------------------------------------|
| `admit_emergency`     | `_granted`            | a bed in their ward (or SDEC, or outlying) |
| `admit_emergency`     | `_overflow`           | ``ward_outlying_after_hours`` without one  |
| `_overflow`           | `_granted`            | a bed free in any ward                     |
| `_overflow`           | `_bed`                | else the next bed freed (``_free``)        |
| `_granted`            | `_bed`                | nothing                                    |
| `_bed`                | `_fit`                | the stay (``los``)                         |
| `_bed`                | `_ready_to_step_down` | step-down: the stay less the saving        |
| `_ready_to_step_down` | `_try_step_down`      | the discharge window                       |
| `_try_step_down`      | `_release`            | a virtual ward bed (transferred)           |
| `_try_step_down`      | `_fit`                | fit first, or no virtual ward              |
| `_fit`                | `_discharged`         | home: the discharge window                 |
| `_fit`                | `_delay_over`         | reablement or D2A: the package or place    |
| `_fit`                | `_other_support_over` | other support: its wait                    |
| `_fit`                | `_release`            | zero-day: nothing                          |
| `_delay_over`         | `_release`            | nothing                                    |
| `_delay_over`         | `_discharged`         | all routes: the discharge window           |
| `_other_support_over` | `_discharged`         | the discharge window                       |
| `_discharged`         | `_release`            | nothing                                    |
| `_release`            | `_free`               | the bed's turnaround                       |
| `_free`               | (the bed)             | nothing                                    |

A fit patient waiting in the bed for support (``_delay_over``, ``_other_support_over``) is a
delayed discharge; each path passes on the exit it records (``base.FINISHED``, ...). Every
emergency stay over a day that reaches ``_fit`` is tallied from medically fit to out of the bed,
by route (``acute_discharge.FIT_TO_DISCHARGE``). How many
beds are open, and outlying into ring-fenced beds, are in ``sim.model.services.acute_wards``.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import Any

import simpy

from sim.core.arrivals import hourly_rates, poisson_times
from sim.core.capacity import follow
from sim.core.clock import MIN_PER_DAY, MIN_PER_HOUR
from sim.core.distributions import Sampler, uniforms
from sim.core.monitor import Observations, SeriesSpec
from sim.core.station import Pool, Ticket
from sim.model.context import Context
from sim.model.ports import PLAIN, Port, Referral, accepting, call, sends
from sim.model.services import acute_discharge as out
from sim.model.services.acute_wards import ED_BOARDING, BedBase, split_beds
from sim.model.services.base import (
    FINISHED,
    REDIRECTED,
    TRANSFERRED,
    Exit,
    Record,
    Service,
)
from sim.scenario.sections.acute import AcuteSection

EMERGENCY, ELECTIVE = 0, 1

BED_QUEUE = "acute.bed_queue"
OCCUPIED = "acute.occupied"
DIRECT_WAITING = "acute.direct_waiting"
DELAYED = "acute.delayed"  # medically fit, waiting in a bed
BED_WAIT = "acute.bed_wait"
STAY_DAYS = "acute.stay_days"  # by admission time, for Little's law
ELECTIVE_CANCELLED = "acute.elective_cancelled"  # no bed on the day of surgery
ELECTIVE_DEFERRED = "acute.elective_deferred"  # stood down by the pressure level (opel_review)
GENERAL_OCCUPIED = "acute.general_occupied"  # beds emergencies may use (escalation included)
GENERAL_AVAILABLE = "acute.general_available"  # general beds + escalation beds open
OUTLIERS = "acute.outliers"  # emergency patients in ring-fenced elective beds
NO_CRITERIA = "acute.no_criteria_to_reside"  # no longer need the bed, still in it
SDEC_IN_USE = "acute.sdec_in_use"
ESCALATION_OPEN = "acute.escalation_open"  # escalation beds open (their integral: bed-days)
PRESSURE_LEVEL = "acute.pressure_level"  # the level declared (0-3 = OPEL 1-4; opel_review)
OBSERVATIONS = Observations(tallies=(BED_WAIT, STAY_DAYS, ELECTIVE_CANCELLED, ELECTIVE_DEFERRED,
                                     *out.TALLIES),
                            levels=(BED_QUEUE, OCCUPIED, DIRECT_WAITING, DELAYED,
                                    GENERAL_OCCUPIED, GENERAL_AVAILABLE, OUTLIERS, NO_CRITERIA,
                                    SDEC_IN_USE, ESCALATION_OPEN, PRESSURE_LEVEL))


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
    discharge: Port | None = sends("reablement", "other_support")  # D2A: waits in the bed


class Inpatient(Record):
    __slots__ = ("admitted", "exit", "fit_at", "in_bed", "kind", "los", "no_criteria",
                 "on_admitted", "pool", "route", "step_down", "waiting_here", "zero_day")

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
        self.no_criteria = False
        self.zero_day = False
        self.route = ""  # the way out of the bed once medically fit (acute_discharge.ROUTES)


def _full(pool: Pool) -> bool:
    """No bed free for a newcomer (all taken, or others already waiting)."""
    return pool.in_use >= pool.capacity or pool.queued > 0


class AcuteBeds(BedBase, Service):
    name = "acute"

    def __init__(self, ctx: Context, cfg: AcuteSection):
        super().__init__(ctx, cfg)
        env, streams, monitor = ctx.env, ctx.streams, ctx.monitor
        self.general_beds = cfg.beds - cfg.elective_ring_fenced_beds
        # the general beds in equal wards (specialty groups); a patient needs a bed in their own
        # (each ward steps the general beds' levels: occupied, and the queue for a bed)
        self.bed_queue = monitor.steps(BED_QUEUE)
        self.wards = [Pool(env, n, f"acute.ward{i}", busy=monitor.steps(GENERAL_OCCUPIED),
                           queue=self.bed_queue)
                      for i, n in enumerate(split_beds(self.general_beds, cfg.wards))]
        self.escalation = split_beds(cfg.escalation_beds, cfg.wards)  # each ward's escalation beds
        self.ward_beds = [w.capacity for w in self.wards]
        self.u_ward = uniforms(streams("route.acute.ward"))
        after = cfg.ward_outlying_after_hours
        self.overflow_after = None if after is None else after * MIN_PER_HOUR
        self.overflow: deque[Inpatient] = deque()  # waiting for a bed in any ward
        self.elective_pool = Pool(env, cfg.elective_ring_fenced_beds, "acute.elective_beds")
        self.sdec = Pool(env, cfg.sdec_spaces, "acute.sdec", busy=monitor.steps(SDEC_IN_USE))
        self.available = monitor.level(GENERAL_AVAILABLE)
        self.available.set(0.0, self.general_beds)
        self.escalation_open = 0  # escalation beds open now
        self.escalation_bed_days = monitor.level(ESCALATION_OPEN)
        self.outliers = monitor.steps(OUTLIERS)
        self.n_outliers = 0  # emergency patients in ring-fenced beds now (outlying_max_patients)
        self.no_criteria = monitor.steps(NO_CRITERIA)
        self.beds_cfg = cfg  # the bed levels in force (a capacity schedule changes them)
        self.pressure_level = monitor.level(PRESSURE_LEVEL)
        self.defer_until = -1.0  # elective inpatients due before then are deferred (minutes)
        if cfg.opel_review:  # the trust declares the level; its beds follow it (acute_wards)
            self.ed_boarding = monitor.steps(ED_BOARDING)
            ctx.pressure.listen(self._open_for_level)
            env.process(self._opel_reviews())
        follow(env, ctx.levels("acute"), self._set_beds)
        if not cfg.opel_review and any(n > 0 for _t, n in ctx.levels("acute.escalation_beds")):
            env.process(self._escalation_reviews())
        self.occupied = monitor.steps(OCCUPIED)
        self.waiting = monitor.steps(DIRECT_WAITING)
        self.delayed = monitor.steps(DELAYED)
        self.t_bed_wait = monitor.tally(BED_WAIT)
        self.t_stay = monitor.tally(STAY_DAYS)
        self.cancelled = monitor.tally(ELECTIVE_CANCELLED)
        self.deferred = monitor.tally(ELECTIVE_DEFERRED)
        self.u_zero = uniforms(streams("route.acute.zero_day"))
        self.u_dest = uniforms(streams("route.acute.destination"))
        self.u_step_down = uniforms(streams("route.acute.step_down"))
        self.window = out.DischargeWindow(ctx, cfg)
        self.t_fit = out.FitToDischarge(monitor)
        self.zero_los = Sampler(cfg.zero_day_los_hours, streams("los.acute.zero_day"),
                                MIN_PER_HOUR)
        self.em_los = Sampler(cfg.emergency_los_days, streams("los.acute.emergency"), MIN_PER_DAY)
        self.el_los = Sampler(cfg.elective_los_days, streams("los.acute.elective"), MIN_PER_DAY)
        self.other_wait = Sampler(cfg.other_support_wait_days, streams("los.acute.other_support"),
                                  MIN_PER_DAY)
        self.saving = Sampler(cfg.vw_step_down_saving_days, streams("los.vw.step_down_saving"),
                              MIN_PER_DAY)
        self.needs: AcuteNeeds = AcuteNeeds()
        # the steps an inpatient is woken for (built once: ``Engine.wake``)
        self._then_fit = (self._fit,)
        self._then_ready_to_step_down = (self._ready_to_step_down,)
        self._then_try_step_down = (self._try_step_down,)
        self._then_discharged = (self._discharged,)
        self._then_other_support_over = (self._other_support_over,)
        per_day = cfg.direct_admissions_per_100k_per_year * ctx.population / 1e5 / 365.25
        rates = hourly_rates(ctx.calendar, per_day, ctx.growth_pct,
                             cfg.direct_admission_hour_profile)
        times = poisson_times(streams("arrivals.acute.direct"), rates)
        self.arrivals(times.tolist(), self.admit_emergency, "direct")

    accepts = accepting(elective_bed=(PLAIN, "cancer"))  # a cancer inpatient is not deferred

    def offers(self) -> dict[str, Port]:
        return {"emergency_bed": self._take_emergency, "elective_bed": self._take_elective}

    def _take_emergency(self, r: Referral) -> bool:
        """Every emergency admission is taken: it queues for a bed, in the sender's care."""
        self.admit_emergency(r.source, r.on_taken)
        return True

    def _take_elective(self, r: Referral) -> bool:
        return self.admit_elective(cancer=r.kind == "cancer")

    # -- an emergency stay, in the order of the journey map above ----------------------------
    def admit_emergency(self, source: str, on_admitted: Callable[[], Any] | None = None) -> None:
        """Queue for a bed; ``on_admitted`` runs when the patient reaches one.

        Patients sent by another service stay in its care until admitted (ED patients board);
        direct admissions (GP, SDEC) are this service's from the moment they arrive.
        """
        now = self.env.now
        p = Inpatient(self.new_id(), now, source, EMERGENCY)
        p.on_admitted = on_admitted
        p.waiting_here = on_admitted is None
        if p.waiting_here:
            self.enter(p, external=True)
            self.waiting.up(now)
        p.zero_day = zero_day = self.u_zero() < self.cfg.zero_day_share
        p.los = (self.zero_los.next() if zero_day
                 else max(self.em_los.next() * self.ctx.season.los_factor(now),
                          MIN_PER_DAY * 1.01))
        wards = self.wards
        ward = wards[min(int(self.u_ward() * len(wards)), len(wards) - 1)]
        sdec = self.sdec
        if zero_day and sdec.in_use < sdec.capacity:
            p.pool = sdec
            sdec.request(self._granted, data=p)
        elif _full(ward) and self._elective_free():
            self._outlie(p)
        else:
            p.pool = ward
            ward.request(self._granted, data=p, patience=self.overflow_after,
                         on_renege=self._overflow)

    def _overflow(self, ticket: Ticket) -> None:
        """Waited ``ward_outlying_after_hours`` for a bed in their own ward: the patient takes
        the first bed free in any ward (ahead of that ward's own queue)."""
        p = ticket.data
        free = [w for w in self.wards if not _full(w)]
        if free:
            p.pool = free[0]
            p.pool.request(self._granted, data=p)
        else:
            self.overflow.append(p)  # (the ward's queue level has already let them go)
            self.bed_queue.up(self.env.now)

    def _granted(self, ticket: Ticket) -> None:
        """The bed (or space) asked for in ``p.pool`` is the emergency patient's."""
        p = ticket.data
        self._bed(p, p.pool)

    def _bed(self, p: Inpatient, pool: Pool) -> None:
        """An emergency patient reaches a bed (or SDEC space): stay until medically fit (or
        ready to step down, then at the next discharge window)."""
        self._in_bed(p, pool)
        if p.los > MIN_PER_DAY and p.step_down:
            saving = self.saving.next()
            when = max(p.los - saving, MIN_PER_DAY)
            self.wake_after(when, p, self._then_ready_to_step_down)
        else:
            self.wake_after(p.los, p, self._then_fit)

    def _in_bed(self, p: Inpatient, pool: Pool) -> None:
        p.pool = pool
        tally = self.t_bed_wait  # (appended directly: once a stay)
        tally.t.append(p.arrived)
        tally.v.append(self.env.now - p.arrived)
        if p.waiting_here:
            self.waiting.down(self.env.now)
        else:
            self.enter(p, external=False)
        p.in_bed = True
        p.admitted = self.env.now
        if pool is not self.sdec:
            self.occupied.up(self.env.now)
        if p.on_admitted is not None:
            p.on_admitted()
        p.fit_at = self.env.now + p.los
        share = self.cfg.vw_step_down_share if self.needs.step_down is not None else 0.0
        p.step_down = self.u_step_down() < share  # drawn for all: stable CRN

    def _ready_to_step_down(self, p: Inpatient) -> None:
        """Ready for a virtual ward: the move follows the discharge window like any other."""
        self._no_longer_needs_bed(p)
        self.wake_after(self._until_discharge_hours(), p, self._then_try_step_down)

    def _try_step_down(self, p: Inpatient) -> None:
        """Queue for a virtual ward bed until medically fit (then the stay ends as any other);
        the patient has no criteria to reside meanwhile."""
        until_fit = p.fit_at - self.env.now
        if until_fit <= 0:  # fit by the ward round: no step-down
            self._fit(p)
            return
        r = Referral(self.name, on_taken=lambda p=p: self._release(p, TRANSFERRED),
                     patience_mins=until_fit, on_gave_up=lambda p=p: self._fit(p))
        if not call(self.needs.step_down, r):  # no virtual ward: the stay until fit
            self._still_needs_bed(p)
            self.wake_after(until_fit, p, self._then_fit)

    def _fit(self, p: Inpatient) -> None:
        """Medically fit: home in discharge hours, or wait in the bed for support."""
        if p.zero_day:  # same-day care: leaves at any hour
            self._release(p, FINISHED)
            return
        self._no_longer_needs_bed(p)
        d = self.cfg.destinations
        u = self.u_dest()
        if u < d.home:
            p.route = out.HOME
            self._discharge_in_hours(p, FINISHED)
            return
        self.delayed.up(self.env.now)
        reablement = u < d.home + d.reablement
        if self.needs.discharge is not None:  # discharge to assess: wait in the bed
            p.route = out.REABLEMENT if reablement else out.D2A
            kind = "reablement" if reablement else "other_support"
            taken = Referral(self.name, kind, lambda p=p: self._delay_over(p, TRANSFERRED))
            if not call(self.needs.discharge, taken):  # support arranged outside the model
                p.route = out.OTHER
                self._delay_over(p, REDIRECTED)
        elif reablement:
            p.route = out.REABLEMENT
            started = Referral(self.name, on_taken=lambda p=p: self._delay_over(p, TRANSFERRED))
            if not call(self.needs.reablement, started):  # support arranged outside the model
                p.route = out.OTHER
                self._delay_over(p, REDIRECTED)
        else:
            p.route = out.OTHER
            self.wake_after(self.other_wait.next(), p, self._then_other_support_over)

    def _delay_over(self, p: Inpatient, how: Exit) -> float | None:
        """The support the fit patient waited for starts (``TRANSFERRED``: a modelled service
        has them) or is arranged outside the model (``REDIRECTED``): the bed is left now (None),
        or in the next discharge window (all routes): the minutes until then, for the service
        that took them (it holds the package or place until they arrive)."""
        self.delayed.down(self.env.now)
        if not self.cfg.discharge_window_all_routes:
            self._release(p, how)
            return None
        wait = self._until_discharge_hours()
        p.exit = how
        self.wake_after(wait, p, self._then_discharged)
        return wait

    def _other_support_over(self, p: Inpatient) -> None:
        """Other support (a care home, home care) is ready: home in discharge hours."""
        self.delayed.down(self.env.now)
        self._discharge_in_hours(p, REDIRECTED)

    def _discharge_in_hours(self, p: Inpatient, how: Exit) -> None:
        p.exit = how
        self.wake_after(self._until_discharge_hours(), p, self._then_discharged)

    def _discharged(self, p: Inpatient) -> None:
        self._release(p, p.exit)

    def _release(self, p: Inpatient, how: Exit) -> None:
        now = self.env.now
        tally = self.t_stay  # (appended directly: once a stay)
        tally.t.append(p.admitted)
        tally.v.append((now - p.admitted) / MIN_PER_DAY)
        if p.route:
            self.t_fit.record(p.fit_at, p.route, now)
        self.leave(p, how)
        self._still_needs_bed(p)
        pool = p.pool
        assert pool is not None
        if pool is self.sdec:  # an assessment space: no bed turnaround
            pool.release()
            return
        self.occupied.down(now)
        if pool is self.elective_pool and p.kind == EMERGENCY:
            self.outliers.down(now)
            self.n_outliers -= 1
            self._outlie_waiting()  # an outlier's place is free for the next one
        turnaround = self.cfg.turnaround_hours * MIN_PER_HOUR
        if turnaround > 0:
            self.after(turnaround, self._free, pool)
        else:
            self._free(pool)

    def _free(self, pool: Pool) -> None:
        if pool is self.elective_pool:
            pool.release()
            self._outlie_waiting()
            return
        if self.overflow and pool.in_use <= pool.capacity:  # (not a closing escalation bed)
            p = self.overflow.popleft()  # the bed passes straight to the longest overflow wait
            self.bed_queue.down(self.env.now)
            self._bed(p, pool)
        else:
            pool.release()

    # -- what the steps share ----------------------------------------------------------------
    def _no_longer_needs_bed(self, p: Inpatient) -> None:
        if not p.no_criteria:
            p.no_criteria = True
            self.no_criteria.up(self.env.now)

    def _still_needs_bed(self, p: Inpatient) -> None:
        if p.no_criteria:
            p.no_criteria = False
            self.no_criteria.down(self.env.now)

    def _until_discharge_hours(self) -> float:
        """Minutes from now until a patient ready now leaves (``acute_discharge``)."""
        return self.window.until(self.env.now)

    # -- an elective inpatient stay ----------------------------------------------------------
    def admit_elective(self, cancer: bool = False) -> bool:
        """Take a bed now for an elective inpatient: a ring-fenced one, else a general one that
        no emergency patient is waiting for; False (cancelled on the day) if none, or
        (deferred, counted apart) within a day of a review at ``elective_deferral_level``
        unless a cancer operation (protected, as trusts do under pressure)."""
        if not cancer and self.env.now < self.defer_until:
            self.deferred.record(self.env.now, 1.0)
            return False
        pool = self.elective_pool
        if _full(pool):  # the ward with the most beds free (the first of equals)
            pool = max(self.wards, key=lambda w: w.capacity - w.in_use - w.queued)
            limit = self.cfg.elective_general_bed_below_pct
            if limit < 100.0 and 100.0 * sum(w.in_use for w in self.wards) >= limit * sum(
                    w.capacity for w in self.wards):
                pool = self.elective_pool  # the last general beds are kept for emergencies
        if not _full(pool):
            p = Inpatient(self.new_id(), self.env.now, "elective", ELECTIVE)
            p.los = self.el_los.next()
            p.pool = pool
            pool.request(self._elective_granted, data=p)  # a free bed: taken at once
            self.env.process(self._elective_stay(p))
            return True
        self.cancelled.record(self.env.now, 1.0)
        return False

    def _elective_granted(self, ticket: Ticket) -> None:
        p = ticket.data
        self._in_bed(p, p.pool)

    def _elective_stay(self, p: Inpatient) -> Generator[simpy.Event, None, None]:
        """An elective inpatient in the bed taken on the day of surgery: recovery, then home in
        daytime discharge hours. About 14,500 stays a year, so a plain SimPy process (about
        0.6% of a replication against scheduled calls) that reads as the stay goes."""
        yield self.env.timeout(p.los)
        self._no_longer_needs_bed(p)
        yield self.env.timeout(self._until_discharge_hours())
        self._release(p, FINISHED)

    # -- end of run --------------------------------------------------------------------------
    def close(self) -> None:
        """Direct admissions still waiting for a bed are counted (censored), not dropped."""
        now = self.env.now
        for p in self.present.values():
            if not p.in_bed:
                self.t_bed_wait.record(p.arrived, now - p.arrived, censored=True)
            else:
                self.t_stay.record(p.admitted, (now - p.admitted) / MIN_PER_DAY, censored=True)
                if p.route:
                    self.t_fit.record(p.fit_at, p.route, now, censored=True)
