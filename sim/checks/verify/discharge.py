"""Verification of discharge to assess: each pathway pool alone against Erlang C (M/M/c)
and its carried load."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

import numpy as np

from sim.checks.theory import erlang_c, mmc_mean_wait
from sim.checks.verify.common import DAYS_PER_YEAR, POP, SEED, alone, simulate, wait_window
from sim.checks.verify.judging import Row, in_ci
from sim.core.stats import t_test_p
from sim.model.services import d2a

# -- 7. Discharge to assess: each pathway pool alone vs Erlang C ---------------------------------
# Each pathway is a FIFO pool fed, here, only by Poisson community referrals (acute and everything
# else switched off, no patience): with exponential stays it is M/M/c, so the mean wait is Erlang
# C's and the share who wait is the Erlang C probability; for any stay distribution the mean
# number in use is the carried load lambda E[S] (Little's law on the servers, M/G/c).
D2A_REPS = 10
D2A_SERVERS, D2A_RHO, D2A_LOS_DAYS = 12, 0.75, 10.0
D2A_WARMUP_DAYS, D2A_DAYS = 60, 1500
D2A_SHARES = {d2a.P1: "{p1_home_care=1.0, p2_bed=0.0, p3_care_home=0.0}",
          d2a.P2: "{p1_home_care=0.0, p2_bed=1.0, p3_care_home=0.0}",
          d2a.P3: "{p1_home_care=0.0, p2_bed=0.0, p3_care_home=1.0}"}
D2A_LOS_KEYS = {d2a.P1: "home_care_days", d2a.P2: "p2_los_days",
            d2a.P3: "p3_assessment_days"}
D2A_SIZE_KEYS = {d2a.P1: "home_care_packages", d2a.P2: "p2_beds",
             d2a.P3: "p3_places"}


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


@cache
def pool_check(pathway: str, reps: int = D2A_REPS, seed: int = SEED) -> PoolCheck:
    """Pathway ``pathway`` alone: M/M/c with D2A_SERVERS units at load D2A_RHO."""
    per_day = D2A_RHO * D2A_SERVERS / D2A_LOS_DAYS
    sc = alone("d2a", [
        f"d2a.community_referrals_per_100k_per_year={per_day * DAYS_PER_YEAR * 1e5 / POP!r}",
        f"d2a.pathways={D2A_SHARES[pathway]}",
        f"d2a.{D2A_SIZE_KEYS[pathway]}={D2A_SERVERS}",
        f'd2a.{D2A_LOS_KEYS[pathway]}={{dist="exponential", mean={D2A_LOS_DAYS}}}',
        "d2a.bridging=false",
    ], D2A_WARMUP_DAYS, D2A_DAYS)
    window = wait_window(sc)
    waits, waited, in_use = [], [], []
    for rep in range(reps):
        mon = simulate(sc, rep, seed)
        values, _ = mon.tally(d2a.wait_days(pathway)).select(window)
        waits.append(values.mean())
        waited.append(np.mean(values > 1e-9))
        in_use.append(mon.level(d2a.in_use(pathway)).mean(window))
    a = per_day * D2A_LOS_DAYS
    return PoolCheck(pathway, np.array(waits), np.array(waited), np.array(in_use),
                     mmc_mean_wait(D2A_SERVERS, per_day, D2A_LOS_DAYS),
                     erlang_c(D2A_SERVERS, a), a)


def d2a_rows(seed: int = SEED) -> Iterator[Row]:
    for pathway in d2a.PATHWAYS:
        c = pool_check(pathway, seed=seed)
        what = f"pathway {pathway[1]}, c={D2A_SERVERS} load={D2A_RHO}"
        yield in_ci(f"Erlang C mean wait (days), {what}", "d2a", c.theory_wait_days,
                    c.mean_wait_days)
        yield in_ci(f"Erlang C P(wait), {what}", "d2a", c.theory_waited, c.waited_share)
        yield in_ci(f"carried load lambda E[S], {what}", "d2a", c.theory_in_use, c.mean_in_use)


# interval checks this family adds to the Holm family (judging.FAMILY_SIZE)
FAMILY_ROWS = 3 * len(d2a.PATHWAYS)  # wait, P(wait), load
