"""2-hour urgent community response (UCR): referrals, locality teams on shift, travel and visit.

Each locality team has its own clinicians (a share of ``clinicians_per_shift``) and travel
times, and serves its own patients; with no localities one ICS-wide team serves everyone. A
team's clinician pool is built in one function (``_team``), where an hourly rota plugs in. The
longer a patient waits, the likelier they are conveyed to ED after all
(``conveyance_per_hour_waited``).

The service is open ``open_hour``-``close_hour`` every day, staffed by the hourly rota
(``clinicians_per_shift``: flat or by hour, 0 while closed); clinicians finish the visit they are
on when their shift ends. The 2-hour standard covers referrals received while the service is
open (NHS England's in-scope definition); the first care contact is the clinician's arrival at the
patient, so the response time is queueing wait plus travel. Referrals received while closed
wait for opening or go to ED, as configured.

Where referrals come from: GP, NHS 111 / 999 and care homes (``sources``). With
``nhs_111_999_from_ed`` the 111 / 999 ones are taken out of ED's ambulance stream (call before
convey: ED withholds its next ambulance arrival through the ``ed_stream`` port) rather than
added on top. With ``decline_when_waiting_at_least`` a team that already has that many
referrals waiting declines the next one, and the patient is conveyed to ED by ambulance.

A visit is one SimPy process (``_visit``), read top to bottom. Volume: about 18,600 referrals a
year at baseline (21,559 in one 424-day baseline replication's flows), a process of four or five
events each. Cost: 4.0% of a baseline replication's time under cProfile (which overstates
short calls), its SimPy events included.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Generator
from dataclasses import dataclass
from enum import Enum
from typing import Any

import simpy

from sim.core.arrivals import hourly_rates, poisson_times
from sim.core.capacity import follow
from sim.core.clock import MIN_PER_HOUR
from sim.core.distributions import Sampler, uniforms
from sim.core.monitor import Observations, SeriesSpec
from sim.core.rota import peak_on_duty
from sim.core.station import Station
from sim.model.context import Context
from sim.model.ports import Port, Referral, call, sends
from sim.model.services.base import (
    FINISHED,
    REDIRECTED,
    TRANSFERRED,
    Exit,
    Record,
    Service,
    hour_of,
)
from sim.scenario.sections.ucr import UCRSection


class Outcome(Enum):
    """Where the clinician sends the patient after the visit (drawn at referral: CRN)."""

    HOME = "home"
    VIRTUAL_WARD = "virtual_ward"
    REABLEMENT = "reablement"
    ED = "ed"


HOME, VIRTUAL_WARD, REABLEMENT, ED = Outcome
TYPE1_AMBULANCE = "type1_ambulance"  # how an escalation arrives at ED

BUSY = "ucr.busy"
QUEUE = "ucr.queue"
RESPONSE_MINS = "ucr.response_mins"  # in-scope referrals only
RESPONSE_ALL_MINS = "ucr.response_all_mins"
DECLINED = "ucr.declined"  # by referral, those reaching a team: 1 = declined (to ED), 0 = taken
FROM_ED = "ucr.from_ed"  # by referral: a 111 / 999 referral taken out of ED's ambulance stream
OBSERVATIONS = Observations(tallies=(RESPONSE_MINS, RESPONSE_ALL_MINS, DECLINED, FROM_ED),
                            levels=(BUSY, QUEUE))
NHS_111_999 = "111_999"  # the source of a referral from NHS 111 or 999

SERIES = (
    SeriesSpec("ucr_2h_pct", "UCR 2-hour % (by day of referral)", "ucr", RESPONSE_MINS, "share",
               120.0),
    SeriesSpec("ucr_queue", "UCR referrals waiting", "ucr", QUEUE, "level", queue=True),
)


@dataclass
class UCRNeeds:
    ed: Port | None = sends(TYPE1_AMBULANCE)  # escalation, referrals while closed (ed)
    step_up: Port | None = None  # a virtual ward after the visit
    reablement: Port | None = None  # reablement after the visit
    admission: Port | None = None  # a hospital bed when no virtual ward bed is free
    ed_stream: Port | None = None  # a 999 call taken from ED's ambulance arrivals (no patient)


class UCRReferral(Record):
    __slots__ = ("contacted", "convey", "in_scope", "outcome", "team", "travel", "visit")


class UrgentCommunityResponse(Service):
    name = "ucr"

    def __init__(self, ctx: Context, cfg: UCRSection):
        super().__init__(ctx, cfg)
        streams, monitor = ctx.streams, ctx.monitor
        self.busy, self.queue = monitor.steps(BUSY), monitor.steps(QUEUE)  # summed over teams
        self.t_response = monitor.tally(RESPONSE_MINS)
        self.t_all = monitor.tally(RESPONSE_ALL_MINS)
        self.declined = monitor.tally(DECLINED)
        self.from_ed = monitor.tally(FROM_ED)
        if cfg.localities:
            names = [x.name for x in cfg.localities]
            self.travels = [Sampler(x.travel_mins, streams(f"service.ucr.travel.{x.name}"))
                            for x in cfg.localities]
        else:
            names = ["ics"]
            self.travels = [Sampler(cfg.travel_mins, streams("service.ucr.travel"))]
        self.first_weekday = ctx.calendar.start_date.weekday()
        sizes = cfg.team_sizes(peak_on_duty(cfg.clinicians_per_shift))
        self.teams = [self._team(n, i) for i, n in enumerate(names)]
        # fewer clinicians than localities: a locality with none is served by the largest team
        largest = sizes.index(max(sizes))
        self.team_of = [i if size > 0 else largest for i, size in enumerate(sizes)]
        self.cum_share = list(itertools.accumulate(x.referral_share for x in cfg.localities))
        self.u_locality = uniforms(streams("route.ucr.locality"))
        self.u_convey = uniforms(streams("route.ucr.conveyance"))
        self.visit = Sampler(cfg.visit_mins, streams("service.ucr.visit"))
        self.u_outcome = uniforms(streams("route.ucr.outcome"))
        self.u_source = uniforms(streams("route.ucr.source"))
        per_day = cfg.referrals_per_100k_per_month * ctx.population / 1e5 * 12 / 365.25
        times = poisson_times(streams("arrivals.ucr"),
                              hourly_rates(ctx.calendar, per_day, ctx.growth_pct,
                                           cfg.hour_profile))
        self.needs: UCRNeeds = UCRNeeds()
        self.arrivals(times.tolist(), self._community_referral)

    def offers(self) -> dict[str, Port]:
        return {"referral": self._take}

    def _take(self, r: Referral) -> bool:
        self.refer(r.source, external=False)
        return True

    def _team(self, name: str, index: int) -> Station:
        """One locality team's clinician pool, staffed by its part of the hourly rota: each
        hour's clinicians on duty split across the teams as ``team_sizes`` says (0 while the
        service is closed)."""
        cfg = self.cfg
        team = Station(self.env, 0, f"ucr.clinicians.{name}", busy=self.busy,
                       queue=self.queue)
        follow(self.env, self.ctx.levels("ucr.clinicians_per_shift", cfg.is_open_hour),
               lambda on_duty: team.set_capacity(cfg.team_sizes(on_duty)[index]))
        return team

    def _community_referral(self) -> None:
        s = self.cfg.sources
        u = self.u_source()
        source = "gp" if u < s.gp else NHS_111_999 if u < s.gp + s.nhs_111_999 else "care_home"
        if (source == NHS_111_999 and self.cfg.nhs_111_999_from_ed
                and call(self.needs.ed_stream, Referral(self.name))):
            self.from_ed.record(self.env.now, 1.0)  # ED will not see this ambulance call
        self.refer(source)

    def is_open(self, when: float) -> bool:
        return self.cfg.open_hour <= hour_of(when) < self.cfg.close_hour

    def refer(self, source: str, external: bool = True) -> None:
        r = UCRReferral(self.new_id(), self.env.now, source)
        r.in_scope = self.is_open(self.env.now)
        r.contacted = False
        u = self.u_locality()
        locality = next((i for i, c in enumerate(self.cum_share) if u < c), len(self.teams) - 1)
        r.team = self.team_of[locality]
        r.travel = self.travels[locality].next()
        r.visit = self.visit.next()
        r.convey = self.u_convey()
        u = self.u_outcome()
        o = self.cfg.outcomes
        r.outcome = (HOME if u < o.home else VIRTUAL_WARD if u < o.home + o.virtual_ward
                     else REABLEMENT if u < o.home + o.virtual_ward + o.reablement else ED)
        self.enter(r, external)
        if not r.in_scope and self.cfg.out_of_hours == "ed":
            self.leave(r, self._to_ed())
            return
        cap = self.cfg.decline_when_waiting_at_least
        declined = 0 < cap <= self.teams[r.team].queued
        self.declined.record(r.arrived, 1.0 if declined else 0.0)
        if declined:  # the team is full: the ambulance service conveys the patient to ED
            self.leave(r, self._to_ed())
        else:
            self.env.process(self._visit(r))

    def _visit(self, r: UCRReferral) -> Generator[simpy.Event, Any, None]:
        """The visit: wait for a clinician of the patient's team, who travels to them (first
        care contact on arrival: the 2-hour clock stops) and visits; then the patient goes home
        or on to their next service."""
        with self.teams[r.team].claim() as clinician:
            yield clinician
            yield self.env.timeout(r.travel)
            self._contact(r)
            yield self.env.timeout(r.visit)
        waited_h = (self.env.now - r.visit - r.arrived) / MIN_PER_HOUR
        if r.convey < -math.expm1(-self.cfg.conveyance_per_hour_waited * waited_h):
            r.outcome = ED  # deteriorated while waiting: conveyed to ED after all
        n = self.needs
        if r.outcome is HOME:
            self.leave(r, FINISHED)
        elif r.outcome is ED:
            self.leave(r, self._to_ed())
        elif call(n.step_up if r.outcome is VIRTUAL_WARD else n.reablement, Referral("ucr")):
            self.leave(r, TRANSFERRED)
        elif r.outcome is REABLEMENT:  # reablement switched off: support arranged outside
            self.leave(r, REDIRECTED)
        else:  # no virtual ward bed: admitted instead (direct), here until the bed is reached
            admitted = self.env.event()
            if call(n.admission, Referral(self.name, on_taken=admitted.succeed)):
                yield admitted
                self.leave(r, TRANSFERRED)
            else:
                self.leave(r, self._to_ed())

    def _contact(self, r: UCRReferral) -> None:
        r.contacted = True
        response = self.env.now - r.arrived
        self.t_all.record(r.arrived, response)
        if r.in_scope:
            self.t_response.record(r.arrived, response)

    def _to_ed(self) -> Exit:
        """Conveyed to ED (as a type 1 ambulance arrival): how the patient leaves UCR."""
        return TRANSFERRED if call(self.needs.ed, Referral("ucr", TYPE1_AMBULANCE)) \
            else REDIRECTED

    def close(self) -> None:
        now = self.env.now
        for r in self.present.values():
            if not r.contacted:
                self.t_all.record(r.arrived, now - r.arrived, censored=True)
                if r.in_scope:
                    self.t_response.record(r.arrived, now - r.arrived, censored=True)
