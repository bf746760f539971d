"""Emergency department: arrivals, ambulance handover, assessment, decision, departure.

Type 3 units (UTC, minor injuries) have no queue modelled: nearly all their patients leave within
4 hours, so a time-in-department draw is enough, and the third of attendances that go there are
handled in bulk with numpy rather than as events (they cost nothing in the event queue).
Every type 1 patient needs a treatment space (``cubicles`` plus the corridor places open:
``corridor_spaces``, or ``corridor_spaces_by_level`` at the system's pressure level), held
from handover (ambulance) or from being called in from the waiting room (walk-in) until the
patient leaves, boarders included; ambulance patients go first (``ambulance_priority``; off,
first come, first served). An ambulance crew's handover starts only when a space can take the
patient and a member of handover staff is free, so handover delays come from exit block.
With ``handover_release_mins`` (release to respond, the 45-minute rule) a crew still without a
space at that time hands over anyway: the patient waits on without a space (ambulance cohort,
corridor) and is recorded as handed over then. The patient then queues for a clinician (assessment),
then has tests and results (no clinician held) until the decision. An admitted patient stays in
the space (boards) until the pathway finds a bed. Clinicians and handover staff follow hourly
rotas (``sim.core.rota``).

The 4-hour decision rule (``decision_bunching``): an admitted patient decided before the window
(default 180-240 min after arrival) is, with the configured probability, held until a uniformly
drawn time inside it before the bed request is made: the bunching of decisions before the
4-hour mark. HSCIC 2014 found half of admissions from A&E in the 4th hour; with the baseline's bed
waits the model gives about 40-44% (README calibration table), so that figure is not claimed.

A patient's random attributes are drawn at arrival, in arrival order, so patient i is the same
patient in every scenario (common random numbers).

The type 1 journey is a chain of scheduled steps rather than a process: about 420,000 type 1
attendances a year at baseline, and on the same Station callbacks run about 3x as many patients a
second as a process per patient (``benchmarks/bench_journeys.py``: 681k vs 228k a second). The
handover and assessment queues are first come, first served on their rotas, so each patient's
start there is booked when they join (``sim.core.booked.BookedQueue``): no event per assessment.
Each step is a method taking the patient, defined below in this order (the journey map;
``tests/test_journey_trace.py`` follows one patient through it and checks every move is a row):

| step                 | next step                  | waits on                                     |
|----------------------|----------------------------|----------------------------------------------|
| `arrive`             | `_in_space`                | type 1: a treatment space (by priority)      |
| `arrive`             | `_depart`                  | type 3: its time in department               |
| `arrive`             | `_released`                | ambulance: the release time, still no space  |
| `_released`          | `_in_space`                | a treatment space (cohort queue)             |
| `_in_space`          | `_handed_over`             | ambulance: handover staff (booked), handover |
| `_in_space`          | `_assess`                  | walk-in or released: nothing                 |
| `_handed_over`       | `_assess`                  | nothing                                      |
| `_assess`            | `_decided`                 | a clinician (booked), assessment, tests      |
| `_assess`            | `_depart`                  | the same, when not admitted                  |
| `_decided`           | `_request_admission`       | the 4-hour window, if held                   |
| `_request_admission` | `_admitted`                | a virtual ward or an acute bed (boarding)    |
| `_admitted`          | `_depart`                  | nothing                                      |
| `_depart`            | (gone; the space is freed) |                                              |

A space: by ``ambulance_priority``, held until the patient leaves. Handover staff and clinicians
are booked (first come, first served on their rotas), so their waits cost no event; the wake-ups
are at the handover's end, at the decision (assessment and tests done) and at the end of a held
decision. Boarding: the patient keeps the space until the bed (or virtual ward) is theirs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.core.arrivals import hourly_rates, poisson_times
from sim.core.booked import BookedQueue
from sim.core.capacity import follow
from sim.core.distributions import Sampler, draw, uniforms
from sim.core.monitor import Observations, SeriesSpec
from sim.core.rota import by_month
from sim.core.station import Pool, Ticket
from sim.model.context import Context
from sim.model.ports import Port, Referral, accepting, call
from sim.model.services.base import FINISHED, REDIRECTED, TRANSFERRED, Exit, Record, Service
from sim.scenario.sections.ed import EDSection

TYPE1_WALK_IN, TYPE1_AMBULANCE, TYPE3 = "type1_walk_in", "type1_ambulance", "type3"

BOARDING = "ed.boarding"
TIME_IN_DEPT = "ed.time_in_dept"
TYPE1_TIME_IN_DEPT = "ed.type1_time_in_dept"
ADMITTED_TIME_IN_DEPT = "ed.admitted_time_in_dept"
HANDOVER = "ed.handover"
ASSESSMENT_WAIT = "ed.assessment_wait"
SPACES = "ed.spaces_in_use"
SPACE_QUEUE = "ed.space_queue"  # type 1 patients waiting for a treatment space (exit block)
SPACE_HOLD = "ed.space_hold_mins"  # by the time the space was taken: Little's law
DECISION_TO_ADMIT_MINS = "ed.decision_to_admit_mins"
OBSERVATIONS = Observations(
    tallies=(TIME_IN_DEPT, TYPE1_TIME_IN_DEPT, ADMITTED_TIME_IN_DEPT, HANDOVER, ASSESSMENT_WAIT,
             DECISION_TO_ADMIT_MINS, SPACE_HOLD),
    levels=(BOARDING, SPACES, SPACE_QUEUE))
SERIES = (SeriesSpec("ed_4h_pct", "ED 4-hour % (by day of arrival)", "ed", TIME_IN_DEPT,
                     "share", 240.0),
          # with too few beds the queue that grows is for ED spaces (boarders hold them), so
          # the settling check must see it
          SeriesSpec("ed_space_queue", "patients waiting for an ED treatment space", "ed",
                     SPACE_QUEUE, "level", queue=True))


@dataclass
class EDNeeds:
    step_up: Port | None = None  # a virtual ward instead of admission (vw_step_up_share)
    bed: Port | None = None  # an acute bed; the patient boards in ED until one is free


class EDPatient(Record):
    __slots__ = ("admit", "ambulance", "assess_mins", "handed_over", "handover_mins",
                 "hold_until", "investigation_mins", "space_at", "type3")
    # handed_over: the crew has gone (handover complete, or released while still waiting)


class EmergencyDepartment(Service):
    name = "ed"

    def __init__(self, ctx: Context, cfg: EDSection):
        super().__init__(ctx, cfg)
        env, streams, monitor, calendar = ctx.env, ctx.streams, ctx.monitor, ctx.calendar
        population, growth_pct = ctx.population, ctx.growth_pct
        per_day = cfg.attendances_per_1000_per_year * population / 1000 / 365.25
        rates = hourly_rates(calendar, per_day, growth_pct, cfg.hour_profile,
                             cfg.weekday_profile, cfg.month_profile)
        times = poisson_times(streams("arrivals.ed"), rates)
        u_type = streams("route.ed.type").random(times.size)
        mix = cfg.arrival_mix
        is_t3 = u_type < mix.type3
        self.t3_times = times[is_t3]
        self.t3_stay = draw(cfg.type3_time_in_dept_mins, streams("service.ed.type3.base"),
                            int(is_t3.sum()))
        self.t1_times = times[~is_t3]
        self.t1_ambulance = u_type[~is_t3] < mix.type3 + mix.type1_ambulance
        self.end = calendar.end
        self.u_admit = uniforms(streams("route.ed.admit"))
        self.u_hold = uniforms(streams("route.ed.decision_bunching"))
        self.handover_draw = Sampler(cfg.handover_mins, streams("service.ed.handover"))
        self.assess_draw = Sampler(cfg.assessment_mins, streams("service.ed.assessment"))
        self.invest_draw = Sampler(cfg.investigation_mins, streams("service.ed.investigation"))
        self.type3_draw = Sampler(cfg.type3_time_in_dept_mins, streams("service.ed.type3"))
        self.handover = BookedQueue(ctx.levels("ed.handover_staff"), "ed.handover")
        self.t3_still_here = 0
        # assessment is first come, first served on the rota's clinicians: booked on joining
        staff = ctx.levels("ed.clinicians_per_shift")
        if cfg.clinicians_follow_month_profile:  # the rota planned to the month's arrivals
            staff = by_month(staff, calendar.start_date, cfg.month_profile)
        self.clinicians = BookedQueue(staff, "ed.clinicians")
        # spaces: cubicles plus the corridor places open at the pressure level, as the
        # capacity schedule and the level change (a place closing stays in use until freed)
        self.spaces = Pool(env, cfg.cubicles + cfg.corridor_spaces, "ed.spaces", "priority",
                           busy=monitor.steps(SPACES), queue=monitor.steps(SPACE_QUEUE))
        self.spaces_cfg = cfg
        follow(env, ctx.levels("ed"), self._spaces_by)
        ctx.pressure.listen(lambda _level: self._spaces_by(self.spaces_cfg))
        # a space's priority by route: lower first; equal = first come, first served
        self.priority = (0.0, 1.0) if cfg.ambulance_priority else (0.0, 0.0)
        self.first_share = cfg.ambulance_first_share if cfg.ambulance_priority else 0.0
        self.u_first = uniforms(streams("route.ed.ambulance_first"))
        self.release = cfg.handover_release_mins  # release to respond (None: crews wait)
        self.t_space = monitor.tally(SPACE_HOLD)
        self.boarding = monitor.steps(BOARDING)
        self.t_time = monitor.tally(TIME_IN_DEPT)
        self.t_type1 = monitor.tally(TYPE1_TIME_IN_DEPT)
        self.t_admitted = monitor.tally(ADMITTED_TIME_IN_DEPT)
        self.t_handover = monitor.tally(HANDOVER)
        self.t_wait = monitor.tally(ASSESSMENT_WAIT)
        self.t_decision = monitor.tally(DECISION_TO_ADMIT_MINS)
        self.u_vw = uniforms(streams("route.ed.vw_step_up"))
        self.taken_by_ucr = 0  # 999 calls UCR took: ambulance arrivals still to withhold
        self.needs: EDNeeds = EDNeeds()
        # the steps a patient is woken for (built once: ``Engine.wake``)
        self._then_depart = (self._depart,)
        self._then_handed_over = (self._handed_over,)
        self._then_decided = (self._decided,)
        self._then_request_admission = (self._request_admission,)
        kinds = np.array([TYPE1_WALK_IN, TYPE1_AMBULANCE], dtype=object)[
            self.t1_ambulance.astype(np.intp)].tolist()
        self.env.feed(self.t1_times.tolist(), self.arrive, kinds)  # (source: the community)

    def _spaces_by(self, c: EDSection) -> None:
        """Spaces open: cubicles plus the corridor places of the pressure level now (or
        ``corridor_spaces`` at every level)."""
        self.spaces_cfg = c
        by_level = c.corridor_spaces_by_level
        corridor = by_level[self.ctx.pressure.level] if by_level else c.corridor_spaces
        self.spaces.set_capacity(c.cubicles + corridor)

    accepts = accepting(attendance=(TYPE1_WALK_IN, TYPE1_AMBULANCE, TYPE3))

    def offers(self) -> dict[str, Port]:
        return {"attendance": self._take, "ambulance_taken": self._ambulance_taken}

    def _take(self, r: Referral) -> bool:
        self.arrive(r.kind, r.source, external=False)
        return True

    def _ambulance_taken(self, r: Referral) -> bool:
        """UCR took a 999 call (``ucr.nhs_111_999_from_ed``): the next ambulance arrival from
        the community is that patient, now UCR's, so it is withheld (no patient moves here)."""
        self.taken_by_ucr += 1
        return True

    # -- the journey, in the order of the map above ----------------------------------------
    # (each step takes the patient, or the station's ticket whose ``data`` is the patient: no
    # closure is made per patient)
    def arrive(self, kind: str, source: str = "community", external: bool = True) -> None:
        """One attendance now; other services send theirs here (GP overflow, UCR escalation)."""
        if self.taken_by_ucr and external and kind == TYPE1_AMBULANCE:
            self.taken_by_ucr -= 1  # this 999 call went to UCR instead
            return
        now = self.env.now
        p = EDPatient(self.new_id(), now, source)
        self.enter(p, external)
        p.type3 = kind == TYPE3
        p.ambulance = kind == TYPE1_AMBULANCE
        if p.type3:  # (each draw below comes from its own stream, so skipping keeps CRN)
            p.admit = False
            self.wake_after(self.type3_draw.next(), p, self._then_depart)
            return
        p.handed_over = False
        p.admit = admit = (self.u_admit() < self.cfg.admission_share
                           * self.ctx.season.admission_factor(now))
        p.handover_mins = self.handover_draw.next()
        p.assess_mins = self.assess_draw.next()
        p.investigation_mins = self.invest_draw.next()
        p.hold_until = -1.0
        if admit:
            b = self.cfg.decision_bunching
            u_hold = self.u_hold()
            if u_hold < b.share:
                p.hold_until = b.window_start_mins + (
                    b.window_end_mins - b.window_start_mins) * (u_hold / b.share)
        p.space_at = -1.0
        first = p.ambulance and (self.first_share >= 1.0 or (
            self.first_share > 0.0 and self.u_first() < self.first_share))
        self.spaces.request(self._in_space, self.priority[not first], data=p)
        if p.ambulance and self.release is not None and p.space_at < 0:  # (no space yet)
            self.env.after(self.release, self._release_due, p)

    def _release_due(self, p: EDPatient) -> None:
        """The crew's release time (not a step: nothing happens if a space took them)."""
        if p.space_at < 0:
            self._released(p)

    def _released(self, p: EDPatient) -> None:
        """Release to respond: the crew hands the patient over without a space and leaves;
        the patient waits on (cohort or corridor, holding no space) in the same place in the
        space queue, and goes straight to assessment from it."""
        p.handed_over = True
        tally = self.t_handover
        tally.t.append(p.arrived)
        tally.v.append(self.env.now - p.arrived)

    def _in_space(self, ticket: Ticket) -> None:
        """A space can take the patient: an ambulance crew hands over, a walk-in (or a patient
        whose crew was released) is called."""
        p = ticket.data
        p.space_at = self.env.now
        if not p.handed_over and p.ambulance:  # handover staff: first come, first served
            start = self.handover.start(p.space_at, p.handover_mins)
            self.wake(start + p.handover_mins, p, self._then_handed_over)
        else:
            self._assess(p)

    def _handed_over(self, p: EDPatient) -> None:
        p.handed_over = True
        took = self.env.now - p.arrived
        if self.release is not None and took > self.release:
            took = self.release  # the crew left at its release time; staff finish the handover
        tally = self.t_handover  # (appended directly: once an ambulance)
        tally.t.append(p.arrived)
        tally.v.append(took)
        self._assess(p)

    def _assess(self, p: EDPatient) -> None:
        """Queue for a clinician (booked now: first come, first served on the rota), then tests
        and results until the decision, with no clinician held."""
        now = self.env.now
        start = self.clinicians.start(now, p.assess_mins)
        assessed = start + p.assess_mins
        if assessed < self.end:  # (the wait is recorded once the assessment is over)
            tally = self.t_wait  # (appended directly: once a patient)
            tally.t.append(p.arrived)
            tally.v.append(start - now)
        self.wake(assessed + p.investigation_mins, p,
                  self._then_decided if p.admit else self._then_depart)

    def _decided(self, p: EDPatient) -> None:
        """An admission is decided; held to the 4-hour window when bunching picked it."""
        elapsed = self.env.now - p.arrived
        if p.hold_until >= 0 and elapsed < self.cfg.decision_bunching.window_start_mins:
            self.wake_after(p.hold_until - elapsed, p, self._then_request_admission)
        else:
            self._request_admission(p)

    def _request_admission(self, p: EDPatient) -> None:
        """A virtual ward when ED chooses one and it has room, else a bed (boarding until
        then); with neither modelled the patient is admitted outside the model."""
        self.t_decision.record(p.arrived, self.env.now - p.arrived)
        self.boarding.up(self.env.now)
        n = self.needs
        vw_share = self.cfg.vw_step_up_share if n.step_up is not None else 0.0
        if self.u_vw() < vw_share and call(n.step_up, Referral(self.name)):
            self._admitted(p, TRANSFERRED)
        elif n.bed is not None:
            n.bed(Referral(self.name, on_taken=lambda p=p: self._admitted(p, TRANSFERRED)))
        else:
            self._admitted(p, REDIRECTED)

    def _admitted(self, p: EDPatient, how: Exit) -> None:
        """The patient leaves ED's care (a bed or a virtual ward took them: ``how``)."""
        self.boarding.down(self.env.now)
        self._depart(p, how)

    def _depart(self, p: EDPatient, how: Exit = FINISHED) -> None:
        self.leave(p, how)
        now = self.env.now
        arrived = p.arrived
        stay = now - arrived
        # (appended straight to the tallies' arrays: the most frequent observations of a run)
        tally = self.t_time
        tally.t.append(arrived)
        tally.v.append(stay)
        if p.admit:
            tally = self.t_admitted
            tally.t.append(arrived)
            tally.v.append(stay)
        if not p.type3:
            tally = self.t_type1
            tally.t.append(arrived)
            tally.v.append(stay)
            tally = self.t_space
            tally.t.append(p.space_at)
            tally.v.append(now - p.space_at)
            self.spaces.release()

    # -- end of run -----------------------------------------------------------------------------
    def _type3_in_bulk(self) -> int:
        """Record the community type 3 attendances; returns how many are still there."""
        arrived = self.t3_times < self.end
        t, stay = self.t3_times[arrived], self.t3_stay[arrived]
        gone = t + stay <= self.end
        self.t_time.extend(t, np.where(gone, stay, self.end - t), ~gone)
        self.flows.enter(self.name, True, int(arrived.sum()))
        self.flows.finish(self.name, int(gone.sum()))
        return int((~gone).sum())

    def close(self) -> None:
        """Patients still in the department are counted (censored), never dropped."""
        now = self.env.now
        self.t3_still_here = self._type3_in_bulk()
        for p in self.present.values():
            stay = now - p.arrived
            self.t_time.record(p.arrived, stay, censored=True)
            if not p.type3:
                self.t_type1.record(p.arrived, stay, censored=True)
            if p.admit:
                self.t_admitted.record(p.arrived, stay, censored=True)
            if p.ambulance and not p.handed_over:  # (a crew past its release time has gone)
                released = self.release is not None and stay >= self.release
                self.t_handover.record(p.arrived, self.release if released else stay,
                                       censored=not released)
            if not p.type3 and p.space_at >= 0:
                self.t_space.record(p.space_at, now - p.space_at, censored=True)

    def in_system(self) -> int:
        return len(self.present) + self.t3_still_here
