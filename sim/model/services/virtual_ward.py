"""Virtual wards, split by pathway (frailty, respiratory, ...): each ward its own share of the
beds and of the patients referred, driven by the eligible patients each source sends (ED
admissions, acute step-down, UCR, GP, community teams).

Step-ups are a loss system: a patient is taken only when their ward has a free bed, else the
referrer keeps them: a refused step-up is admitted instead (ED patients board; UCR, GP and
community patients wait at home for a bed, in their referrer's care). Blocking follows Erlang B
whatever the length-of-stay distribution, which the verification uses. Not every step-up would
have been admitted without a virtual ward (published: 1 admission avoided per 2.5 VW
admissions): a refused step-up is admitted with probability ``admissions_avoided_per_step_up``
(drawn for every step-up, from its own stream); the others stay at home in their GP's or
community team's care, which this service takes and redirects (the port says True).

Step-downs queue: an inpatient eligible to finish their stay on a virtual ward waits for a bed
on their ward, in order of becoming eligible (from the ward round), and gives up when they
become medically fit anyway (the acute service sets that patience): an M/G/c+G queue, Erlang A
with exponential stays and patience. A bed coming free goes to the longest-waiting step-down
first; a step-up finds a bed only when no step-down is waiting. So fewer beds give higher
occupancy, and more beds more patients (fewer give up) and fewer acute bed-days.

A share of patients deteriorate and escalate to an acute bed part-way through their stay; they
keep their virtual ward bed until the acute bed is reached. ``accept_below_pct`` (new patients
only below that % of beds) stays as an optional lever; at 100 it is off. Staffing, when given,
is a caseload per clinician: the ward holds at most clinicians x caseload patients.

A stay is one SimPy process (``_on_ward``), and so is a refused community step-up waiting at
home (``_at_home``); each ward's pool records the step-down queue. Volume: about 12,800
referrals a year at baseline (14,868 in one 424-day baseline replication: 8,685 step-ups
offered, 6,183 step-downs), about 12,000 stays. Cost: 2.0% of a baseline replication's time
under cProfile (which overstates short calls), its SimPy events included.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass
from typing import Any

import simpy

from sim.core.arrivals import hourly_rates, poisson_times
from sim.core.capacity import follow
from sim.core.clock import MIN_PER_DAY
from sim.core.distributions import Sampler, uniforms
from sim.core.monitor import Observations, SeriesSpec
from sim.core.station import Claim, Pool
from sim.model.context import Context
from sim.model.ports import Port, Referral, call
from sim.model.services.base import FINISHED, REDIRECTED, TRANSFERRED, Exit, Record, Service
from sim.scenario.sections.virtual_ward import VirtualWardSection

STEP_UP, STEP_DOWN = "step_up", "step_down"

OCCUPIED = "virtual_ward.occupied"
OFFERED = "virtual_ward.offered"  # value 1 = admitted, 0 = turned away
LOS_DAYS = "virtual_ward.los_days"
ESCALATED = "virtual_ward.escalated"  # value 1 = escalated to an acute bed, 0 = discharged home
REFUSED_ADMITTED = "virtual_ward.refused_admitted"  # refused step-ups: 1 = admitted, 0 = home
STEP_DOWN_TAKEN = "virtual_ward.step_down_taken"  # by referral: 1 = taken, 0 = fit first
STEP_DOWN_WAIT = "virtual_ward.step_down_wait_days"  # by referral time: until taken or giving up
STEP_DOWN_QUEUE = "virtual_ward.step_down_queue"  # eligible inpatients waiting for a bed
ADMITTED_STEP_DOWN = "virtual_ward.admitted_step_down"  # by admission: 1 = step-down, 0 = step-up
OBSERVATIONS = Observations(tallies=(OFFERED, LOS_DAYS, ESCALATED, STEP_DOWN_TAKEN,
                                     STEP_DOWN_WAIT, ADMITTED_STEP_DOWN, REFUSED_ADMITTED),
                            levels=(OCCUPIED, STEP_DOWN_QUEUE))

SERIES = (SeriesSpec("vw_occupied", "virtual ward beds occupied", "virtual_ward", OCCUPIED,
                     "level"),
          SeriesSpec("vw_step_down_queue", "inpatients waiting for a virtual ward bed",
                     "virtual_ward", STEP_DOWN_QUEUE, "level", queue=True))


@dataclass
class VirtualWardNeeds:
    admission: Port | None = None  # escalation, and refused community step-ups


class VirtualWard(Service):
    name = "virtual_ward"

    def __init__(self, ctx: Context, cfg: VirtualWardSection):
        super().__init__(ctx, cfg)
        streams, monitor = ctx.streams, ctx.monitor
        self.occupied = monitor.steps(OCCUPIED)
        queue = monitor.steps(STEP_DOWN_QUEUE)  # only step-downs queue (step-ups never wait)
        self.wards = {k: Pool(ctx.env, n, f"vw.{k}", queue=queue)
                      for k, n in cfg.ward_places().items()}
        self.ward_names = list(self.wards)
        self.ward_cum = [0.0]
        for k in self.ward_names[:-1]:
            self.ward_cum.append(self.ward_cum[-1] + cfg.wards[k].demand_share)
        self.u_ward = uniforms(streams("route.vw.ward"))
        follow(ctx.env, ctx.levels("virtual_ward"), self._set_places)
        self.step_down_taken = monitor.tally(STEP_DOWN_TAKEN)
        self.step_down_wait = monitor.tally(STEP_DOWN_WAIT)
        self.admitted_step_down = monitor.tally(ADMITTED_STEP_DOWN)
        self.offered = monitor.tally(OFFERED)
        self.refused_admitted = monitor.tally(REFUSED_ADMITTED)
        # would this step-up have been admitted without a virtual ward (a stream of its own)
        self.u_counterfactual = uniforms(streams("route.vw.counterfactual"))
        self.t_los = monitor.tally(LOS_DAYS)
        self.escalated = monitor.tally(ESCALATED)
        self.los = {STEP_UP: Sampler(cfg.step_up_los_days, streams("los.vw.step_up"), MIN_PER_DAY),
                    STEP_DOWN: Sampler(cfg.step_down_los_days, streams("los.vw.step_down"),
                                       MIN_PER_DAY)}
        self.u_escalate = uniforms(streams("route.vw.escalation"))
        self.u_when = uniforms(streams("time.vw.escalation"))
        self.needs: VirtualWardNeeds = VirtualWardNeeds()
        self.at_home: set[int] = set()  # refused step-ups waiting for an acute bed
        per_day = cfg.direct_referrals_per_100k_per_year * ctx.population / 1e5 / 365.25
        times = poisson_times(streams("arrivals.vw.direct"),
                              hourly_rates(ctx.calendar, per_day, ctx.growth_pct))
        self.arrivals(times.tolist(), self.try_admit, STEP_UP, "community", True)

    def _set_places(self, cfg: VirtualWardSection) -> None:
        """Each ward's places at the beds and staffing in force (a schedule changes them):
        patients on a ward above a lower limit stay until they leave."""
        for name, places in cfg.ward_places().items():
            self.wards[name].set_capacity(places)

    def offers(self) -> dict[str, Port]:
        return {"step_up": lambda r: self.try_admit(STEP_UP, r.source),
                "step_down": self._step_down}

    def _ward(self) -> Pool:
        """The ward of the patient's pathway, drawn by the demand shares."""
        u = self.u_ward()
        i = len(self.ward_cum) - 1
        while self.ward_cum[i] > u:
            i -= 1
        return self.wards[self.ward_names[i]]

    def try_admit(self, kind: str, source: str, external: bool = False) -> bool:
        """A step-up: admitted now if their ward has a free bed (and no step-down is waiting
        for it). Refused, they are admitted instead (False: the referrer keeps the patient) if
        they would have been without a virtual ward, else they stay at home (True: taken here
        and redirected to their GP's or community team's care)."""
        stay = self._stay(kind)
        ward = self._ward()
        would_be_admitted = self.u_counterfactual() < self.cfg.admissions_avoided_per_step_up
        now = self.env.now
        if ward.in_use >= ward.capacity or ward.queued:
            self.offered.record(now, 0.0)
            self.refused_admitted.record(now, 1.0 if would_be_admitted else 0.0)
            if not would_be_admitted:  # not an admission after all: home, in their GP's care
                p = Record(self.new_id(), now, source)
                self.enter(p, external)
                self.leave(p, REDIRECTED)
                return True
            if external:  # a community step-up: admitted instead, waiting at home for a bed
                self.env.process(self._at_home(Record(self.new_id(), now, source)))
            return False
        bed = ward.claim()  # granted at once: the next referral this instant sees it taken
        self.env.process(self._on_ward(Record(self.new_id(), now, source), bed, stay, external))
        return True

    def _step_down(self, r: Referral) -> bool:
        """An eligible inpatient queues for a bed on their ward until ``r.patience_mins``
        (medically fit); ``r.on_taken`` frees the acute bed, ``r.on_gave_up`` returns them to
        the acute stay. Always accepted."""
        stay = self._stay(STEP_DOWN)
        bed = self._ward().claim(patience=r.patience_mins)
        self.env.process(self._on_ward(Record(self.new_id(), self.env.now, r.source), bed, stay,
                                       False, r))
        return True

    def _stay(self, kind: str) -> tuple[float, bool, float]:
        """Length of stay, whether they escalate and when: drawn for every referral (CRN)."""
        los = self.los[kind].next()
        escalates = self.u_escalate() < self.cfg.escalation_share
        return los, escalates, self.u_when()

    def _on_ward(self, p: Record, bed: Claim, stay: tuple[float, bool, float], external: bool,
                 step_down: Referral | None = None) -> Generator[simpy.Event, Any, None]:
        """A stay: the bed (a step-down waits for it until medically fit, then leaves the acute
        bed), then home, or escalation to an acute bed part-way through, keeping the virtual
        ward bed until the acute bed is reached."""
        los, escalates, when = stay
        with bed:
            taken = yield bed  # a step-up's bed was free at referral; a step-down waits
            now = self.env.now
            if step_down is not None:
                self.step_down_taken.record(p.arrived, 1.0 if taken else 0.0)
                self.step_down_wait.record(p.arrived, (now - p.arrived) / MIN_PER_DAY)
                if not taken:  # medically fit first: the acute stay goes on
                    self.offered.record(now, 0.0)
                    if step_down.on_gave_up is not None:
                        step_down.on_gave_up()
                    return
            self.offered.record(now, 1.0)
            self.admitted_step_down.record(now, 0.0 if external or p.source != "acute" else 1.0)
            self.enter(p, external)
            self.occupied.up(now)
            if step_down is not None and step_down.on_taken is not None:
                step_down.on_taken()
            if escalates and self.needs.admission is not None:
                yield self.env.timeout(los * when)
                self.escalated.record(p.arrived, 1.0)
                reached = self.env.event()
                call(self.needs.admission, Referral(self.name, on_taken=reached.succeed))
                yield reached
                how: Exit = TRANSFERRED
            else:
                yield self.env.timeout(los)
                self.escalated.record(p.arrived, 0.0)
                how = FINISHED
            self.occupied.down(self.env.now)
        self.leave(p, how)
        self.t_los.record(p.arrived, (self.env.now - p.arrived) / MIN_PER_DAY)

    def _at_home(self, p: Record) -> Generator[simpy.Event, Any, None]:
        """A refused community step-up becomes an emergency admission; it stays in this
        service's count (at home) until the acute bed is reached."""
        self.enter(p, True)
        self.at_home.add(p.id)
        reached = self.env.event()
        how: Exit = REDIRECTED
        if call(self.needs.admission, Referral(self.name, on_taken=reached.succeed)):
            yield reached
            how = TRANSFERRED
        self.at_home.discard(p.id)
        self.leave(p, how)

    def close(self) -> None:
        """Patients still on the ward at the end are counted with their stay so far."""
        now = self.env.now
        for p in self.present.values():
            if p.id in self.at_home:
                continue
            self.t_los.record(p.arrived, (now - p.arrived) / MIN_PER_DAY, censored=True)
