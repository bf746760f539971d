"""Virtual wards: a loss system. A patient is taken only when a bed is free; otherwise the
referrer keeps them (step-up goes to ED or admission, step-down stays in hospital). Blocking
follows Erlang B whatever the length-of-stay distribution, which the verification uses.

Teams take new patients only below an occupancy threshold (``accept_below_pct``, headroom for
step-ups and staffing): with more clinically eligible patients than places, as in practice,
occupancy settles near the threshold and extra beds turn into extra step-downs and step-ups.
"""

from __future__ import annotations

from sim.core.arrivals import hourly_rates, poisson_times
from sim.core.clock import MIN_PER_DAY
from sim.core.distributions import Sampler
from sim.core.monitor import Observations, SeriesSpec
from sim.model.context import Context
from sim.model.ports import Port
from sim.model.services.base import Record, Service
from sim.scenario.sections.virtual_ward import VirtualWardSection

STEP_UP, STEP_DOWN = "step_up", "step_down"

OCCUPIED = "vw.occupied"
OFFERED = "vw.offered"  # value 1 = admitted, 0 = turned away
LOS_DAYS = "vw.los_days"
OBSERVATIONS = Observations(tallies=(OFFERED, LOS_DAYS), levels=(OCCUPIED,))

SERIES = (SeriesSpec("vw_occupied", "virtual ward beds occupied", "virtual_ward", OCCUPIED,
                     "level"),)


class VirtualWard(Service):
    name = "virtual_ward"

    def __init__(self, ctx: Context, cfg: VirtualWardSection):
        super().__init__(ctx, cfg)
        streams, monitor = ctx.streams, ctx.monitor
        self.accept_limit = min(cfg.beds, cfg.beds * cfg.accept_below_pct / 100)
        self.occupied = monitor.level(OCCUPIED)
        self.offered = monitor.tally(OFFERED)
        self.t_los = monitor.tally(LOS_DAYS)
        self.los = {STEP_UP: Sampler(cfg.step_up_los_days, streams("los.vw.step_up"), MIN_PER_DAY),
                    STEP_DOWN: Sampler(cfg.step_down_los_days, streams("los.vw.step_down"),
                                       MIN_PER_DAY)}
        per_day = cfg.direct_referrals_per_100k_per_year * ctx.population / 1e5 / 365.25
        times = poisson_times(streams("arrivals.vw.direct"),
                              hourly_rates(ctx.calendar, per_day, ctx.growth_pct))
        self.arrivals(times.tolist(), self.try_admit, STEP_UP, "community", True)

    def offers(self) -> dict[str, Port]:
        return {"step_up": lambda r: self.try_admit(STEP_UP, r.source),
                "step_down": lambda r: self.try_admit(STEP_DOWN, r.source)}

    def has_bed(self) -> bool:
        return self.occupied.value < self.accept_limit

    def try_admit(self, kind: str, source: str, external: bool = False) -> bool:
        """Admit now if a bed is free; False means the referrer keeps the patient."""
        if not self.has_bed():
            self.offered.record(self.env.now, 0.0)
            if external:  # nobody else holds a direct referral: it leaves the model
                self.flows.enter(self.name, True)
                self.flows.redirect(self.name)
            return False
        self.offered.record(self.env.now, 1.0)
        p = Record(self.new_id(), self.env.now, source)
        self.enter(p, external)
        self.occupied.add(self.env.now, 1)  # now: the next referral this instant sees it
        self.env.process(self._stay(p, self.los[kind].next()))
        return True

    def _stay(self, p: Record, days: float):
        """A virtual ward bed from admission until discharge home."""
        yield self.env.timeout(days)
        self.occupied.add(self.env.now, -1)
        self.leave(p, "finished")
        self.t_los.record(p.arrived, (self.env.now - p.arrived) / MIN_PER_DAY)

    def close(self) -> None:
        """Patients still on the ward at the end are counted with their stay so far."""
        now = self.env.now
        for p in self.present.values():
            self.t_los.record(p.arrived, (now - p.arrived) / MIN_PER_DAY, censored=True)
