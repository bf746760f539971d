"""The twin's state of one replication: its salabim resources and monitors, the samplers on
its own ``twin.*`` random streams, the levels it records and the discharge rule (daytime and
weekend) the patients follow. The patients are in :mod:`.patients`; running and the KPIs in
:mod:`.replication`."""

from __future__ import annotations

import math

import numpy as np
import salabim as sb

from sim.core.clock import MIN_PER_DAY, MIN_PER_HOUR, Calendar
from sim.core.distributions import draw
from sim.core.rng import stream
from sim.core.seasons import Season
from sim.scenario import Scenario
from sim.scenario.base import Duration

BLOCK = 2048
MODELLED = ("ed", "acute", "reablement")  # every other service section must be off


class Draws:
    """Values of one ``Duration`` spec (times ``scale``) from one twin stream, drawn in blocks."""

    def __init__(self, spec: Duration, rng: np.random.Generator, scale: float = 1.0):
        self.spec, self.rng, self.scale = spec, rng, scale
        self.buf: list[float] = []

    def __call__(self) -> float:
        if not self.buf:
            self.buf = (draw(self.spec, self.rng, BLOCK) * self.scale).tolist()
            self.buf.reverse()
        return self.buf.pop()


class Uniforms:
    """U(0, 1) values from one twin stream, drawn in blocks."""

    def __init__(self, rng: np.random.Generator):
        self.rng = rng
        self.buf: list[float] = []

    def __call__(self) -> float:
        if not self.buf:
            self.buf = self.rng.random(BLOCK).tolist()
        return self.buf.pop()


class Twin:
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
        self.u_ward = Uniforms(rng("acute.ward"))
        if ac.opel_review:
            raise ValueError("the twin models escalation beds by the ward-by-ward trigger only "
                             "(acute.opel_review=false)")
        # options the twin does not model: refused, so that a comparison never runs unlike logic
        for given, setting in ((ed.corridor_spaces_by_level, "ed.corridor_spaces_by_level=[]"),
                               (ed.clinicians_follow_month_profile,
                                "ed.clinicians_follow_month_profile=false"),
                               (ed.handover_release_mins is not None,
                                "ed.handover_release_mins unset"),
                               (ac.discharge_window_all_routes,
                                "acute.discharge_window_all_routes=false"),
                               (ed.ambulance_priority and ed.ambulance_first_share < 1.0,
                                "ed.ambulance_first_share=1"),
                               (ac.elective_general_bed_below_pct < 100.0,
                                "acute.elective_general_bed_below_pct=100")):
            if given:
                raise ValueError(f"the twin does not model this option: {setting}")
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

        self.d_handover = Draws(ed.handover_mins, rng("ed.handover"))
        self.d_assess = Draws(ed.assessment_mins, rng("ed.assessment"))
        self.d_invest = Draws(ed.investigation_mins, rng("ed.investigation"))
        self.u_admit = Uniforms(rng("ed.admit"))
        self.u_bunch = Uniforms(rng("ed.bunching"))
        self.u_zero = Uniforms(rng("acute.zero_day"))
        self.d_zero = Draws(ac.zero_day_los_hours, rng("acute.zero_day_los"), MIN_PER_HOUR)
        self.d_los = Draws(ac.emergency_los_days, rng("acute.los"), MIN_PER_DAY)
        self.u_dest = Uniforms(rng("acute.destination"))
        self.u_discharge = Uniforms(rng("acute.discharge"))
        self.d_other = Draws(ac.other_support_wait_days, rng("acute.other_support"),
                              MIN_PER_DAY)
        self.d_setup = Draws(rb.setup_days, rng("reablement.setup"), MIN_PER_DAY)
        self.d_episode = Draws(rb.duration_days, rng("reablement.duration"), MIN_PER_DAY)

        # observations: ED (type 1) arrival and departure times, reablement referral and start
        self.t1_arrival: list[float] = []
        self.t1_departure: list[float] = []
        self.reab_referral: list[float] = []
        self.reab_start: list[float] = []
        self.pools: dict[type, list[sb.Component]] = {}

    def start(self, cls: type[sb.Component], **attrs: object) -> None:
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
