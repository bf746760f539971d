"""Discharge-to-assess pools alone against queueing theory.

Each pathway is a FIFO pool fed, in these checks, only by Poisson community referrals (acute and
everything else switched off, no patience): with exponential stays it is M/M/c, so the mean wait
is Erlang C's and the share who wait is the Erlang C probability; for any stay distribution the
mean number in use is the carried load lambda E[S] (Little's law on the servers, M/G/c).
Judged like ``verify``: a one-sample t-test of the replication values against theory.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.checks.theory import erlang_c, mmc_mean_wait
from sim.checks.verify import DAYS_PER_YEAR, POP, SEED, alone, simulate, wait_window
from sim.core.stats import t_test_p
from sim.model.services import discharge

SERVERS, RHO, LOS_DAYS = 12, 0.75, 10.0
WARMUP_DAYS, DAYS = 60, 1500
SHARES = {discharge.P1: "{p1_home_care=1.0, p2_bed=0.0, p3_care_home=0.0}",
          discharge.P2: "{p1_home_care=0.0, p2_bed=1.0, p3_care_home=0.0}",
          discharge.P3: "{p1_home_care=0.0, p2_bed=0.0, p3_care_home=1.0}"}
LOS_KEYS = {discharge.P1: "home_care_days", discharge.P2: "p2_los_days",
            discharge.P3: "p3_assessment_days"}
SIZE_KEYS = {discharge.P1: "home_care_packages", discharge.P2: "p2_beds",
             discharge.P3: "p3_places"}


@dataclass(frozen=True)
class PoolCheck:
    """One pathway's replication values and what theory says they should be."""

    pathway: str
    mean_wait_days: np.ndarray
    waited_share: np.ndarray
    mean_in_use: np.ndarray
    theory_wait_days: float
    theory_waited: float
    theory_in_use: float

    def p_values(self) -> dict[str, float]:
        return {"mean wait (Erlang C)": t_test_p(self.mean_wait_days, self.theory_wait_days),
                "share who wait (Erlang C)": t_test_p(self.waited_share, self.theory_waited),
                "carried load lambda E[S]": t_test_p(self.mean_in_use, self.theory_in_use)}


def pool_check(pathway: str, reps: int = 10, seed: int = SEED) -> PoolCheck:
    """Pathway ``pathway`` alone: M/M/c with SERVERS units at load RHO."""
    per_day = RHO * SERVERS / LOS_DAYS
    sc = alone("d2a", [
        f"d2a.community_referrals_per_100k_per_year={per_day * DAYS_PER_YEAR * 1e5 / POP!r}",
        f"d2a.pathways={SHARES[pathway]}",
        f"d2a.{SIZE_KEYS[pathway]}={SERVERS}",
        f'd2a.{LOS_KEYS[pathway]}={{dist="exponential", mean={LOS_DAYS}}}',
        "d2a.bridging=false",
    ], WARMUP_DAYS, DAYS)
    window = wait_window(sc)
    waits, waited, in_use = [], [], []
    for rep in range(reps):
        mon = simulate(sc, rep, seed)
        values, _ = mon.tally(discharge.wait_days(pathway)).select(window)
        waits.append(values.mean())
        waited.append(np.mean(values > 1e-9))
        in_use.append(mon.level(discharge.in_use(pathway)).mean(window))
    a = per_day * LOS_DAYS
    return PoolCheck(pathway, np.array(waits), np.array(waited), np.array(in_use),
                     mmc_mean_wait(SERVERS, per_day, LOS_DAYS), erlang_c(SERVERS, a), a)
