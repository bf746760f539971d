"""Virtual wards: a loss system driven by the eligible patients each source sends (ED
admissions, acute step-down, UCR, GP, community teams). A patient is taken only when a bed is
free; otherwise the referrer keeps them: a refused step-up is admitted instead (ED patients
board; UCR and community patients wait at home for a bed, in their referrer's care), a refused
step-down stays in hospital. Blocking follows Erlang B whatever the length-of-stay distribution,
which the verification uses. So fewer beds give higher occupancy and more beds more patients.

A share of patients deteriorate and escalate to an acute bed part-way through their stay; they
keep their virtual ward bed until the acute bed is reached. ``accept_below_pct`` (new patients
only below that % of beds) stays as an optional lever; at 100 it is off. Staffing, when given,
is a caseload per clinician: the ward holds at most clinicians x caseload patients.
"""

from __future__ import annotations

from dataclasses import dataclass

from sim.core.arrivals import hourly_rates, poisson_times
from sim.core.clock import MIN_PER_DAY
from sim.core.distributions import Sampler, Uniforms
from sim.core.monitor import Observations, SeriesSpec
from sim.model.context import Context
from sim.model.ports import Port, Referral, call
from sim.model.scheduling import follow
from sim.model.services.base import Exit, Record, Service
from sim.scenario.sections.virtual_ward import VirtualWardSection

STEP_UP, STEP_DOWN = "step_up", "step_down"

OCCUPIED = "vw.occupied"
OFFERED = "vw.offered"  # value 1 = admitted, 0 = turned away
LOS_DAYS = "vw.los_days"
ESCALATED = "vw.escalated"  # value 1 = escalated to an acute bed, 0 = discharged home
OBSERVATIONS = Observations(tallies=(OFFERED, LOS_DAYS, ESCALATED), levels=(OCCUPIED,))

SERIES = (SeriesSpec("vw_occupied", "virtual ward beds occupied", "virtual_ward", OCCUPIED,
                     "level"),)


@dataclass
class VirtualWardNeeds:
    admission: Port | None = None  # escalation, and refused community step-ups


class VirtualWard(Service):
    name = "virtual_ward"

    def __init__(self, ctx: Context, cfg: VirtualWardSection):
        super().__init__(ctx, cfg)
        streams, monitor = ctx.streams, ctx.monitor
        self.accept_limit = 0.0
        follow(ctx, "virtual_ward", cfg, self._set_places)
        self.occupied = monitor.level(OCCUPIED)
        self.offered = monitor.tally(OFFERED)
        self.t_los = monitor.tally(LOS_DAYS)
        self.escalated = monitor.tally(ESCALATED)
        self.los = {STEP_UP: Sampler(cfg.step_up_los_days, streams("los.vw.step_up"), MIN_PER_DAY),
                    STEP_DOWN: Sampler(cfg.step_down_los_days, streams("los.vw.step_down"),
                                       MIN_PER_DAY)}
        self.u_escalate = Uniforms(streams("route.vw.escalation"))
        self.u_when = Uniforms(streams("time.vw.escalation"))
        self.needs: VirtualWardNeeds = VirtualWardNeeds()
        self.at_home: set[int] = set()  # refused step-ups waiting for an acute bed
        per_day = cfg.direct_referrals_per_100k_per_year * ctx.population / 1e5 / 365.25
        times = poisson_times(streams("arrivals.vw.direct"),
                              hourly_rates(ctx.calendar, per_day, ctx.growth_pct))
        self.arrivals(times.tolist(), self.try_admit, STEP_UP, "community", True)

    def _set_places(self, cfg: VirtualWardSection) -> None:
        """Beds and staffing in force (a schedule changes them): patients on the ward above
        a lower limit stay until they leave."""
        self.accept_limit = min(cfg.places(), cfg.beds * cfg.accept_below_pct / 100)

    def offers(self) -> dict[str, Port]:
        return {"step_up": lambda r: self.try_admit(STEP_UP, r.source),
                "step_down": lambda r: self.try_admit(STEP_DOWN, r.source)}

    def has_bed(self) -> bool:
        return self.occupied.value < self.accept_limit

    def try_admit(self, kind: str, source: str, external: bool = False) -> bool:
        """Admit now if a bed is free; False means the referrer keeps the patient."""
        los = self.los[kind].next()
        escalates = self.u_escalate() < self.cfg.escalation_share  # drawn for all: stable CRN
        when = self.u_when()
        if not self.has_bed():
            self.offered.record(self.env.now, 0.0)
            if external:  # a community step-up: admitted instead, waiting at home for a bed
                self._admit_instead(Record(self.new_id(), self.env.now, source))
            return False
        self.offered.record(self.env.now, 1.0)
        p = Record(self.new_id(), self.env.now, source)
        self.enter(p, external)
        self.occupied.add(self.env.now, 1)  # now: the next referral this instant sees it
        if escalates and self.needs.admission is not None:
            self.after(los * when, lambda p=p: self._escalate(p))
        else:
            self.after(los, lambda p=p: self._home(p))
        return True

    def _admit_instead(self, p: Record) -> None:
        """A refused community step-up becomes an emergency admission; it stays in this
        service's count (at home) until the acute bed is reached."""
        self.enter(p, True)
        self.at_home.add(p.id)
        if not call(self.needs.admission,
                    Referral(self.name, on_taken=lambda p=p: self._admitted(p))):
            self._admitted(p, "redirected")

    def _admitted(self, p: Record, how: Exit = "transferred") -> None:
        self.at_home.discard(p.id)
        self.leave(p, how)

    def _home(self, p: Record) -> None:
        """Discharged home from the virtual ward."""
        self.occupied.add(self.env.now, -1)
        self.leave(p, "finished")
        self.t_los.record(p.arrived, (self.env.now - p.arrived) / MIN_PER_DAY)
        self.escalated.record(p.arrived, 0.0)

    def _escalate(self, p: Record) -> None:
        """Deteriorated: admitted to an acute bed, keeping the virtual ward bed until then."""
        self.escalated.record(p.arrived, 1.0)
        call(self.needs.admission, Referral(self.name, on_taken=lambda p=p: self._left(p)))

    def _left(self, p: Record) -> None:
        self.occupied.add(self.env.now, -1)
        self.leave(p, "transferred")
        self.t_los.record(p.arrived, (self.env.now - p.arrived) / MIN_PER_DAY)

    def close(self) -> None:
        """Patients still on the ward at the end are counted with their stay so far."""
        now = self.env.now
        for p in self.present.values():
            if p.id in self.at_home:
                continue
            self.t_los.record(p.arrived, (now - p.arrived) / MIN_PER_DAY, censored=True)
