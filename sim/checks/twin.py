"""An independent second implementation (a "twin") of ED, acute beds and reablement, in salabim.

Why it exists: a simulation that agrees only with itself proves little. This module re-implements
one coupled sub-system - the emergency department with boarding, the acute (G&A) bed pool with
daytime and weekend discharges, bed turnaround and delayed discharges, and the reablement
packages that free those beds - from the *documented* logic (module docstrings, scenario field
descriptions, KPI definitions, README), not by translating the SimPy code, in a different
library with a different style (one salabim process per patient, ``Resource`` for every pool).
``tests/test_twin.py`` runs both on one scenario and checks that the KPI means agree within
their confidence intervals; a disagreement means one of the two misreads the documentation.

Only utilities are shared with the main model: the scenario schema, the calendar, Poisson
arrival times from hourly rates, sampling from ``Duration`` specs and named random streams (all
named ``twin.*``, so the twin never sees the main model's numbers: agreement is statistical).

The logic as read from the documentation (times in minutes from the start date at 00:00):

* ED arrivals: Poisson, attendances per 1,000 a year x population, shaped by the hour, weekday
  and month profiles; each is type 3, type 1 walk-in or type 1 ambulance by ``arrival_mix``.
  Type 3: a time-in-department draw, no queue (no events needed).
* Type 1: every patient first needs one of ``cubicles + corridor_spaces`` treatment spaces
  (ambulance arrivals before walk-ins), held until leaving the department, boarding included;
  an ambulance patient with a space then queues (FIFO) for one of ``handover_staff`` for
  ``handover_mins``; every type 1 patient then queues (FIFO) for one of
  ``clinicians_per_shift`` for ``assessment_mins``, then ``investigation_mins`` with no
  clinician held, then the decision: ``admission_share`` (times the month of arrival's
  ``seasons.emergency_admission_month_profile`` multiplier) are admitted, the rest leave. Staff
  numbers follow their hourly rotas (one number, 24 or 7 x 24 values), changed on the hour.
* Decision bunching: an admitted patient decided before ``window_start_mins`` after arrival is,
  with probability ``share``, held until a uniform time in [window_start, window_end] after
  arrival before the bed request. Until a bed is granted the patient boards in the ED (in
  the space): time in department ends when the bed is granted.
* Direct emergency admissions (GP, SDEC): Poisson with the hour-of-day profile only. The general
  beds (``beds - elective_ring_fenced_beds``) are ``wards`` equal wards; each admission belongs
  to one ward, equally likely, and queues FIFO (with ED boarders) for a bed in it alone. A
  ward's share of ``escalation_beds`` opens while an hourly review finds that ward at least
  ``escalation_trigger_pct`` full. A patient still waiting after ``ward_outlying_after_hours``
  takes the first bed free in any ward, ahead of the patients queuing for that ward. With
  ``outlying`` (and ``outlying_max_patients`` unset) a patient
  takes a free ring-fenced elective bed when no bed in their ward is free, and a waiting one
  takes whichever frees first; ``outlying_max_patients = 0`` means no outlying. (A cap above 0 is
  not modelled here: ``run_twin`` refuses it.)
* ``zero_day_share`` are zero-day admissions with ``zero_day_los_hours``: in an SDEC space if
  one is free at admission (else the bed queue), leaving at any hour when the stay is over. The
  others
  stay ``emergency_los_days`` (times the month's ``seasons.emergency_los_month_profile``
  multiplier) until medically fit ("stays over a day": a draw under one day is raised to one
  day) and then go by ``destinations``: home, reablement (waits in the bed,
  counted as delayed, until the package's care starts; the bed is freed then) or other support
  (waits in the bed, delayed, ``other_support_wait_days``).
* Discharges home and the move after an other-support wait happen at the fit time if that is
  inside
  [``discharge_open_hour``, ``discharge_close_hour``), else at the next opening plus a uniform
  draw over ``discharge_spread_hours``; one that would fall on a Saturday, Sunday or (with
  ``seasons.bank_holidays``) an England bank holiday happens then
  with probability ``weekend_discharge_share``, else on the next working day at opening plus
  the spread.
* A freed bed is in turnaround for ``turnaround_hours``: neither occupied nor available.
* Reablement: referrals from acute beds and from the community (Poisson, flat rate) queue for a
  package (FIFO, or acute referrals first if ``acute_first``); the package is then held for
  ``setup_days`` (assessment and set-up) and ``duration_days`` of care. The 2-day standard runs
  from referral to care starting.

Deliberately different readings, which the comparison in ``tests/test_twin.py`` must tell
apart: ED staff at the rota's mean around the clock (``rota_by_hour=False``), boarders giving
their space back at the bed request (``boarders_hold_space=False``), and
(``run_twin(zero_day_discharge_hours=True)``) the rule before
issue 17: zero-day patients take G&A beds (no SDEC) and wait for the daytime and weekend
discharge window.

KPIs, over the measurement window as defined in ``sim.outputs.kpis``: ``ed_4h_pct`` and
``ed_type1_4h_pct`` (attendances arriving in the window; those still in the department at the end
censored there), ``ed_12h_pct`` (type 1 only, from arrival), ``acute_occupancy_pct``
(time-averaged occupied general beds, turnaround excluded, / time-averaged general beds
available, escalation beds included while open), ``delayed_discharge_bed_days`` (time integral
of medically fit patients waiting in beds for reablement or other support) and
``reablement_2d_pct`` (referrals in the window whose care starts within 2 days; not started by
the end: censored there). """

from __future__ import annotations

import logging
import math
from collections.abc import Iterator

import numpy as np
import salabim as sb

from sim.core.arrivals import hourly_rates, poisson_times
from sim.core.clock import MIN_PER_DAY, MIN_PER_HOUR, Calendar
from sim.core.distributions import draw
from sim.core.rng import stream
from sim.core.rota import week_of
from sim.core.seasons import Season
from sim.scenario import Scenario
from sim.scenario.base import Duration

log = logging.getLogger(__name__)

BLOCK = 2048
TWIN_KPIS = ("ed_4h_pct", "ed_12h_pct", "ed_type1_4h_pct", "acute_occupancy_pct",
             "delayed_discharge_bed_days", "reablement_2d_pct")
MODELLED = ("ed", "acute", "reablement")  # every other service section must be off


class _Draws:
    """Values of one ``Duration`` spec (times ``scale``) from one twin stream, drawn in blocks."""

    def __init__(self, spec: Duration, rng: np.random.Generator, scale: float = 1.0):
        self.spec, self.rng, self.scale = spec, rng, scale
        self.buf: list[float] = []

    def __call__(self) -> float:
        if not self.buf:
            self.buf = (draw(self.spec, self.rng, BLOCK) * self.scale).tolist()
            self.buf.reverse()
        return self.buf.pop()


class _U:
    """U(0, 1) values from one twin stream, drawn in blocks."""

    def __init__(self, rng: np.random.Generator):
        self.rng = rng
        self.buf: list[float] = []

    def __call__(self) -> float:
        if not self.buf:
            self.buf = self.rng.random(BLOCK).tolist()
        return self.buf.pop()


class _Twin:
    """State of one replication: resources, samplers, observations."""

    def __init__(self, scenario: Scenario, seed: int, replication: int,
                 zero_day_discharge_hours: bool, boarders_hold_space: bool = True,
                 rota_by_hour: bool = True):
        self.zero_day_discharge_hours = zero_day_discharge_hours
        self.rota_by_hour = rota_by_hour
        self.boarders_hold_space = boarders_hold_space
        for name, section in scenario:
            if name not in MODELLED and getattr(section, "enabled", False):
                raise ValueError(f"the twin models ED, acute and reablement only: "
                                 f"switch {name} off (--set {name}.enabled=false)")
        if not all(getattr(scenario, name).enabled for name in MODELLED):
            raise ValueError("the twin needs ed, acute and reablement switched on")
        self.sc = scenario
        run = scenario.run
        self.cal = Calendar(run.start_date, run.warmup_days, run.measurement_days)
        self.end = self.cal.end
        self.weekday0 = run.start_date.weekday()
        ss = scenario.seasons  # winter multipliers and bank holidays, as the schema describes
        self.season = Season.of(self.cal, ss.emergency_los_month_profile,
                                ss.emergency_admission_month_profile, ss.bank_holidays)

        def rng(name: str) -> np.random.Generator:
            return stream(seed, replication, "twin." + name)

        self.rng = rng
        # random_seed="": leave Python's and numpy's global generators alone (the twin draws
        # only from its named streams); the default environment, as salabim's set-up needs it
        self.env = sb.Environment(trace=False, yieldless=False, random_seed="")
        ed, ac, rb = scenario.ed, scenario.acute, scenario.reablement
        self.handover = sb.Resource("handover", capacity=0, monitor=False, env=self.env)
        self.clinicians = sb.Resource("clinicians", capacity=0, monitor=False, env=self.env)
        self.spaces = sb.Resource("spaces", capacity=ed.cubicles + ed.corridor_spaces,
                                  monitor=False, env=self.env)
        self.emergency_beds = ac.beds - ac.elective_ring_fenced_beds
        n = ac.wards
        self.ward_beds = [self.emergency_beds // n + (i < self.emergency_beds % n)
                          for i in range(n)]
        self.ward_escalation = [ac.escalation_beds // n + (i < ac.escalation_beds % n)
                                for i in range(n)]
        self.wards = [sb.Resource(f"ward{i}", capacity=c, monitor=False, env=self.env)
                      for i, c in enumerate(self.ward_beds)]
        self.u_ward = _U(rng("acute.ward"))
        if ac.outlying_max_patients not in (None, 0):
            raise ValueError("the twin models outlying_max_patients unset (any free ring-fenced "
                             "bed) or 0 (no outlying) only")
        self.outlying = ac.outlying and ac.outlying_max_patients is None
        self.ring_fenced = sb.Resource("ring_fenced", capacity=ac.elective_ring_fenced_beds,
                                       monitor=False, env=self.env)
        self.sdec = sb.Resource("sdec", capacity=ac.sdec_spaces, monitor=False, env=self.env)
        self.general = sb.Monitor("general", level=True, initial_tally=0, type="int32",
                                  env=self.env)
        self.available = sb.Monitor("available", level=True, initial_tally=self.emergency_beds,
                                    type="int32", env=self.env)
        self.n_general = 0
        self.packages = sb.Resource("packages", capacity=rb.packages, monitor=False,
                                    env=self.env)
        self.occupied = sb.Monitor("occupied", level=True, initial_tally=0, type="int32",
                                   env=self.env)
        self.delayed = sb.Monitor("delayed", level=True, initial_tally=0, type="int32",
                                  env=self.env)
        self.n_occupied = 0
        self.n_delayed = 0

        self.d_handover = _Draws(ed.handover_mins, rng("ed.handover"))
        self.d_assess = _Draws(ed.assessment_mins, rng("ed.assessment"))
        self.d_invest = _Draws(ed.investigation_mins, rng("ed.investigation"))
        self.u_admit = _U(rng("ed.admit"))
        self.u_bunch = _U(rng("ed.bunching"))
        self.u_zero = _U(rng("acute.zero_day"))
        self.d_zero = _Draws(ac.zero_day_los_hours, rng("acute.zero_day_los"), MIN_PER_HOUR)
        self.d_los = _Draws(ac.emergency_los_days, rng("acute.los"), MIN_PER_DAY)
        self.u_dest = _U(rng("acute.destination"))
        self.u_discharge = _U(rng("acute.discharge"))
        self.d_other = _Draws(ac.other_support_wait_days, rng("acute.other_support"),
                              MIN_PER_DAY)
        self.d_setup = _Draws(rb.setup_days, rng("reablement.setup"), MIN_PER_DAY)
        self.d_episode = _Draws(rb.duration_days, rng("reablement.duration"), MIN_PER_DAY)

        # observations: ED (type 1) arrival and departure times, reablement referral and start
        self.t1_arrival: list[float] = []
        self.t1_departure: list[float] = []
        self.reab_referral: list[float] = []
        self.reab_start: list[float] = []
        self.pools: dict[type, list[_Patient]] = {}

    def start(self, cls: type[_Patient], **attrs: object) -> None:
        """A patient component of ``cls`` starting now: a pooled one if any, else a new one."""
        pool = self.pools.get(cls)
        if pool:
            patient = pool.pop()
            patient.prepare(**attrs)
            patient.activate()
        else:
            cls(twin=self, env=self.env, **attrs)

    # -- levels ---------------------------------------------------------------------------------
    def occupy(self, delta: int) -> None:
        self.n_occupied += delta
        self.occupied.tally(self.n_occupied)

    def in_general(self, delta: int) -> None:
        self.n_general += delta
        self.general.tally(self.n_general)

    def delay(self, delta: int) -> None:
        self.n_delayed += delta
        self.delayed.tally(self.n_delayed)

    # -- discharge rule ---------------------------------------------------------------------------
    def discharge_time(self, fit: float) -> float:
        """When a patient ready to leave at ``fit`` is discharged (daytime and weekend rule)."""
        ac = self.sc.acute
        open_m = ac.discharge_open_hour * MIN_PER_HOUR
        close_m = ac.discharge_close_hour * MIN_PER_HOUR
        spread = ac.discharge_spread_hours * MIN_PER_HOUR
        day = math.floor(fit / MIN_PER_DAY)
        in_day = fit - day * MIN_PER_DAY
        if open_m <= in_day < close_m:
            leave = fit
        else:
            if in_day >= close_m:
                day += 1
            leave = day * MIN_PER_DAY + open_m + self.u_discharge() * spread
        def off(d: int) -> bool:  # a weekend day or a bank holiday
            return (self.weekday0 + d) % 7 >= 5 or self.season.closed(d)

        if off(day) and self.u_discharge() >= ac.weekend_discharge_share:
            while off(day):  # wait for the next working day
                day += 1
            leave = day * MIN_PER_DAY + open_m + self.u_discharge() * spread
        return leave

    # -- run --------------------------------------------------------------------------------------
    def run(self) -> dict[str, float]:
        sc, cal = self.sc, self.cal
        ed, ac, rb = sc.ed, sc.acute, sc.reablement
        pop, growth = sc.population.size, sc.demand.growth_pct_per_year

        per_day = ed.attendances_per_1000_per_year * pop / 1000 / 365.25
        rates = hourly_rates(cal, per_day, growth, ed.hour_profile, ed.weekday_profile,
                             ed.month_profile)
        times = poisson_times(self.rng("ed.arrivals"), rates)
        u = self.rng("ed.type").random(times.size)
        mix = ed.arrival_mix
        t3 = u < mix.type3
        ambulance = (~t3) & (u >= 1.0 - mix.type1_ambulance)
        t3_times = times[t3]
        t3_stay = draw(ed.type3_time_in_dept_mins, self.rng("ed.type3"), t3_times.size)
        t1_times = times[~t3]
        t1_ambulance = ambulance[~t3]
        _Source(twin=self, times=t1_times.tolist(), kinds=t1_ambulance.tolist(), what="ed",
                env=self.env)
        for resource, rota in ((self.handover, ed.handover_staff),
                               (self.clinicians, ed.clinicians_per_shift)):
            week = week_of(rota)
            if not self.rota_by_hour:  # the deliberately different reading: the mean, flat
                week = [round(sum(week) / len(week))] * len(week)
            _Rota(twin=self, resource=resource, week=week, env=self.env)
        if ac.escalation_beds > 0:
            _Escalation(twin=self, env=self.env)

        per_day = ac.direct_admissions_per_100k_per_year * pop / 1e5 / 365.25
        direct = poisson_times(self.rng("acute.direct_arrivals"),
                               hourly_rates(cal, per_day, growth, ac.direct_admission_hour_profile))
        _Source(twin=self, times=direct.tolist(), kinds=[False] * direct.size, what="direct",
                env=self.env)

        per_day = rb.community_referrals_per_100k_per_year * pop / 1e5 / 365.25
        community = poisson_times(self.rng("reablement.community_arrivals"),
                                  hourly_rates(cal, per_day, growth))
        _Source(twin=self, times=community.tolist(), kinds=[False] * community.size,
                what="community", env=self.env)

        self.env.run(till=self.end)
        log.debug("twin: %d type 1, %d direct, %d community; %d occupied, %d delayed at end",
                  t1_times.size, direct.size, community.size, self.n_occupied, self.n_delayed)
        return self.kpis(t3_times, t3_stay)

    def kpis(self, t3_times: np.ndarray, t3_stay: np.ndarray) -> dict[str, float]:
        start, end = self.cal.warmup_end, self.end
        t3_in = (t3_times >= start) & (t3_times < end)
        t3_los = np.minimum(t3_stay[t3_in], end - t3_times[t3_in])

        arr = np.asarray(self.t1_arrival)  # type 1 only
        dep = np.asarray(self.t1_departure)
        dep = np.where(np.isnan(dep), end, dep)  # censored: still in the department at the end
        t1_in = (arr >= start) & (arr < end)
        t1_los = (dep - arr)[t1_in]
        all_los = np.concatenate([t1_los, t3_los])

        ref = np.asarray(self.reab_referral)
        st = np.asarray(self.reab_start)
        st = np.where(np.isnan(st), end, st)
        r_in = (ref >= start) & (ref < end)
        r_days = (st - ref)[r_in] / MIN_PER_DAY

        days = (end - start) / MIN_PER_DAY
        general = self.general.slice(start, end).mean()
        available = self.available.slice(start, end).mean()
        delayed = self.delayed.slice(start, end).mean()
        return {
            "ed_4h_pct": _pct(np.count_nonzero(all_los <= 240.0), all_los.size),
            "ed_12h_pct": _pct(np.count_nonzero(t1_los > 720.0), t1_los.size),
            "ed_type1_4h_pct": _pct(np.count_nonzero(t1_los <= 240.0), t1_los.size),
            "acute_occupancy_pct": _pct(general, available),
            "delayed_discharge_bed_days": float(delayed * days),
            "reablement_2d_pct": _pct(np.count_nonzero(r_days <= 2.0), r_days.size),
        }


def _pct(num: float, den: float) -> float:
    return 100.0 * float(num) / den if den else float("nan")


class _Patient(sb.Component):
    """Base of the twin's per-patient components.

    Creating a salabim component is costly (monitors, signature checks), so a component whose
    process has ended waits in its class's pool and is re-activated for the next patient:
    ``_Twin.start`` hands out pooled components before making new ones.
    """

    def setup(self, twin: _Twin, **attrs: object) -> None:
        self.twin = twin
        self.status.monitor(False)  # nobody reads a patient's status history: save the time
        self.mode.monitor(False)
        self.prepare(**attrs)

    def prepare(self, **attrs: object) -> None:
        """Set the patient's attributes (for a new or a recycled component)."""

    def done(self) -> None:
        self.twin.pools.setdefault(type(self), []).append(self)


class _Source(sb.Component):
    """Starts one patient component per arrival at the given (sorted) times."""

    def setup(self, twin: _Twin, times: list[float], kinds: list[bool], what: str) -> None:
        self.twin, self.times, self.kinds, self.what = twin, times, kinds, what

    def process(self) -> Iterator:
        tw = self.twin
        for t, kind in zip(self.times, self.kinds, strict=True):
            yield self.hold(till=t)
            if self.what == "ed":
                tw.start(_EDPatient, ambulance=kind)
            elif self.what == "direct":
                tw.start(_Inpatient)
            else:
                tw.start(_Referral, inpatient=None)


class _Rota(sb.Component):
    """Sets a resource's capacity on the hour from a week of hourly staff numbers."""

    def setup(self, twin: _Twin, resource: sb.Resource, week: list[int]) -> None:
        self.twin, self.resource, self.week = twin, resource, week

    def process(self) -> Iterator:
        hour = 0
        while True:
            weekday = (self.twin.weekday0 + hour // 24) % 7
            self.resource.set_capacity(self.week[weekday * 24 + hour % 24])
            hour += 1
            yield self.hold(till=hour * MIN_PER_HOUR)


class _Escalation(sb.Component):
    """The hourly review: escalation beds open while general beds are at the trigger or above."""

    def setup(self, twin: _Twin) -> None:
        self.twin = twin

    def process(self) -> Iterator:
        tw = self.twin
        ac = tw.sc.acute
        while True:
            for ward, base, extra in zip(tw.wards, tw.ward_beds, tw.ward_escalation,
                                         strict=True):
                high = ward.claimed_quantity() >= base * ac.escalation_trigger_pct / 100
                capacity = base + (extra if high else 0)
                if capacity != ward.capacity():
                    ward.set_capacity(capacity)
            tw.available.tally(sum(w.capacity() for w in tw.wards))
            yield self.hold(MIN_PER_HOUR)


class _Inpatient(_Patient):
    """An emergency admission: queue for a bed, stay, become fit, leave by the discharge rules."""

    def process(self) -> Iterator:
        yield from self.stay()
        self.done()

    def admitted(self) -> None:
        """Hook: the patient has reached a bed (ED patients leave the department now)."""

    def stay(self) -> Iterator:
        tw = self.twin
        ac = tw.sc.acute
        zero_day = tw.u_zero() < ac.zero_day_share
        if zero_day and not tw.zero_day_discharge_hours and tw.sdec.available_quantity() > 0:
            yield self.request(tw.sdec)
            self.admitted()
            yield self.hold(tw.d_zero())
            self.release(tw.sdec)
            return
        ward = tw.wards[min(int(tw.u_ward() * len(tw.wards)), len(tw.wards) - 1)]
        ring = [tw.ring_fenced] if tw.outlying and ac.elective_ring_fenced_beds > 0 else []
        after = ac.ward_outlying_after_hours
        if after is None:
            yield self.request(ward, *ring, oneof=True)
        else:
            yield self.request(ward, *ring, oneof=True, fail_delay=after * MIN_PER_HOUR)
            if self.failed():  # a long wait: the first bed free in any ward, ahead of its queue
                yield self.request(*[(w, 1, -1) for w in tw.wards], *ring, oneof=True)
        bed = next(r for r in (*tw.wards, tw.ring_fenced) if self.isclaiming(r))
        self.admitted()
        tw.occupy(+1)
        if bed is not tw.ring_fenced:
            tw.in_general(+1)
        if zero_day:
            yield self.hold(tw.d_zero())
            if tw.zero_day_discharge_hours:
                yield self.hold(till=tw.discharge_time(self.env.now()))
        else:
            # "stays over a day": a draw under a day is raised to one day
            yield self.hold(max(tw.d_los() * tw.season.los_factor(self.env.now()),
                                MIN_PER_DAY))  # now medically fit
            u = tw.u_dest()
            dest = ac.destinations
            if u < dest.home:
                yield self.hold(till=tw.discharge_time(self.env.now()))
            elif u < dest.home + dest.reablement:
                tw.delay(+1)
                tw.start(_Referral, inpatient=self)
                yield self.passivate()  # until the package's care starts: the bed is freed then
                tw.delay(-1)
            else:
                tw.delay(+1)
                yield self.hold(tw.d_other())
                tw.delay(-1)  # a place is found; the move itself is a daytime discharge
                yield self.hold(till=tw.discharge_time(self.env.now()))
        tw.occupy(-1)
        if bed is not tw.ring_fenced:
            tw.in_general(-1)
        yield self.hold(ac.turnaround_hours * MIN_PER_HOUR)
        self.release(bed)


class _EDPatient(_Inpatient):
    """A type 1 attendance: handover (ambulance), clinician, tests, decision, boarding."""

    def prepare(self, ambulance: bool = False) -> None:  # type: ignore[override]
        tw = self.twin
        self.ambulance = ambulance
        self.arrival = self.env.now()
        self.index = len(tw.t1_arrival)
        tw.t1_arrival.append(self.arrival)
        tw.t1_departure.append(math.nan)

    def leave_department(self) -> None:
        self.twin.t1_departure[self.index] = self.env.now()
        if self.isclaiming(self.twin.spaces):
            self.release(self.twin.spaces)

    admitted = leave_department

    def process(self) -> Iterator:
        tw = self.twin
        ed = tw.sc.ed
        yield self.request((tw.spaces, 1, -1 if self.ambulance else 0))
        if self.ambulance:
            yield self.request(tw.handover)
            yield self.hold(tw.d_handover())
            self.release(tw.handover)
        yield self.request(tw.clinicians)
        yield self.hold(tw.d_assess())
        self.release(tw.clinicians)
        yield self.hold(tw.d_invest())
        if tw.u_admit() < ed.admission_share * tw.season.admission_factor(self.arrival):
            rule = ed.decision_bunching
            if (self.env.now() - self.arrival < rule.window_start_mins
                    and tw.u_bunch() < rule.share):
                held = rule.window_start_mins + tw.u_bunch() * (rule.window_end_mins
                                                                 - rule.window_start_mins)
                yield self.hold(till=self.arrival + held)
            if not tw.boarders_hold_space:  # the deliberately different reading
                self.release(tw.spaces)
            yield from self.stay()
        else:
            self.leave_department()
        self.done()


class _Referral(_Patient):
    """A reablement referral: wait for a package, set-up, care (frees the acute bed)."""

    def prepare(self, inpatient: _Inpatient | None = None) -> None:  # type: ignore[override]
        self.inpatient = inpatient

    def process(self) -> Iterator:
        tw = self.twin
        index = len(tw.reab_referral)
        tw.reab_referral.append(self.env.now())
        tw.reab_start.append(math.nan)
        first = tw.sc.reablement.acute_first and self.inpatient is not None
        yield self.request((tw.packages, 1, -1 if first else 0))
        yield self.hold(tw.d_setup())
        tw.reab_start[index] = self.env.now()
        if self.inpatient is not None:
            self.inpatient.activate()
            self.inpatient = None
        yield self.hold(tw.d_episode())
        self.release(tw.packages)
        self.done()


def run_twin(scenario: Scenario, seed: int, replication: int, *,
             zero_day_discharge_hours: bool = False,
             boarders_hold_space: bool = True, rota_by_hour: bool = True) -> dict[str, float]:
    """One replication of the salabim twin: its KPIs (``TWIN_KPIS``) over the measurement window.

    Only ED, acute and reablement may be enabled in ``scenario``; every parameter is read from
    it. Random numbers come from ``sim.core.rng.stream(seed, replication, "twin.*")``.
    ``zero_day_discharge_hours`` picks one of two readings of the documentation (see the module
    docstring): False (the default, the documented rule) puts zero-day admissions in SDEC when
    a space is free and lets them leave when their ``zero_day_los_hours`` is over; True puts
    them in G&A beds and sends them through the daytime and weekend discharge rule (the rule
    before issue 17, a deliberately different reading). ``boarders_hold_space=False`` is another
    deliberately different reading: admitted patients give their ED space back at the bed request
    instead of keeping it while they board (no exit block into the department);
    ``rota_by_hour=False`` staffs ED at the rota's mean around the clock.
    """
    return _Twin(scenario, seed, replication, zero_day_discharge_hours,
                 boarders_hold_space, rota_by_hour).run()
