"""One replication of the twin: arrivals drawn (Poisson from hourly rates) and started as
patient components with the staff rotas and the escalation review, the run to the end, and the
KPIs over the measurement window as ``sim.outputs.kpis`` defines them."""

from __future__ import annotations

import logging

import numpy as np

from sim.checks.twin.patients import Escalation, Rota, Source
from sim.checks.twin.state import Twin
from sim.core.arrivals import hourly_rates, poisson_times
from sim.core.clock import MIN_PER_DAY
from sim.core.distributions import draw
from sim.core.rota import week_of
from sim.scenario import Scenario

log = logging.getLogger(__name__)
TWIN_KPIS = ("ed_4h_pct", "ed_12h_pct", "ed_type1_4h_pct", "acute_occupancy_pct",
             "delayed_discharge_bed_days", "reablement_2d_pct")


class Replication(Twin):
    """One replication: the arrivals and staff started as components, run to the end, the KPIs
    read over the measurement window."""

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
        Source(twin=self, times=t1_times.tolist(), kinds=t1_ambulance.tolist(), what="ed",
                env=self.env)
        for resource, rota in ((self.handover, ed.handover_staff),
                               (self.clinicians, ed.clinicians_per_shift)):
            week = week_of(rota)
            if not self.rota_by_hour:  # the deliberately different reading: the mean, flat
                week = [round(sum(week) / len(week))] * len(week)
            Rota(twin=self, resource=resource, week=week, env=self.env)
        if ac.escalation_beds > 0:
            Escalation(twin=self, env=self.env)

        per_day = ac.direct_admissions_per_100k_per_year * pop / 1e5 / 365.25
        direct = poisson_times(self.rng("acute.direct_arrivals"),
                               hourly_rates(cal, per_day, growth, ac.direct_admission_hour_profile))
        Source(twin=self, times=direct.tolist(), kinds=[False] * direct.size, what="direct",
                env=self.env)

        per_day = rb.community_referrals_per_100k_per_year * pop / 1e5 / 365.25
        community = poisson_times(self.rng("reablement.community_arrivals"),
                                  hourly_rates(cal, per_day, growth))
        Source(twin=self, times=community.tolist(), kinds=[False] * community.size,
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
    return Replication(scenario, seed, replication, zero_day_discharge_hours,
                       boarders_hold_space, rota_by_hour).run()
