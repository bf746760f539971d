"""The removal hazard: untreated removals by weeks waited and stage, and what it implies.

A waiting pathway leaves untreated (validation, treated elsewhere unreported) at a rate a day
``h(stage, age)`` that is ``removal_pct_per_month`` x its band's factor (weeks waited, the RTT
clock) x its stage's factor. A pathway that joined a stage aged ``b`` and has waited ``t`` in it
is still there with probability ``S = exp(-(H(b + t) - H(b)))``, ``H`` the cumulative hazard.
A FIFO queue whose arrivals (``lam_i`` a day, aged ``b_i`` on joining) exceed its capacity
``c`` settles where the survivors of its wait are served: ``sum lam_i S_i(W) = c``. With every
factor 1 the hazard is one flat rate ``r`` and this is ``W = ln(lam / c) / r``: the formulas
below then reduce to the closed forms (``fluid.survive``, ``fluid.stock``), computed exactly as
before so a flat scenario's start state does not move.
"""

from __future__ import annotations

import bisect
import math

import numpy as np

from sim.scenario.sections.elective import ElectiveSection

DAYS_PER_WEEK = 7.0
DAYS_PER_MONTH = 365.25 / 12
LONG_DAYS = 20 * 365.25  # a queue with (almost) no capacity left: a wait longer than any run
OP, DIAG, FU, ADM = range(4)  # the stages (as the pathway store codes them)
GRID = 400  # points for the numerical inverse of the time in stage


class Hazard:
    """The removal rate of a scenario by stage and weeks waited."""

    def __init__(self, cfg: ElectiveSection):
        rw = cfg.removal_by_wait
        self.r = cfg.removal_pct_per_month / 100 / DAYS_PER_MONTH  # a day, factors 1
        self.edges = np.array(rw.band_weeks, dtype=float) * DAYS_PER_WEEK
        self.band = np.array(rw.band_factor, dtype=float)
        self.stage = np.array([rw.outpatient, rw.test, rw.followup, rw.admitted], dtype=float)
        self.flat = bool(np.all(self.band == 1.0) and np.all(self.stage == 1.0))
        # rate a day in each band by stage, and the cumulative hazard at each band's start
        self.rates = self.r * self.stage[:, None] * self.band[None, :]
        widths = np.diff(self.edges, prepend=0.0)
        self.cum_at = np.concatenate([np.zeros((4, 1)),
                                      np.cumsum(self.rates[:, :-1] * widths, axis=1)], axis=1)
        self.starts = np.concatenate([[0.0], self.edges])
        # the same as plain lists, for the scalar calls the fluid solver makes many of
        self._edges = self.edges.tolist()
        self._rates = self.rates.tolist()
        self._cum_at = self.cum_at.tolist()
        self._starts = self.starts.tolist()

    def rate(self, stage: np.ndarray | int, age: np.ndarray | float) -> np.ndarray:
        """Removal rate a day of pathways at ``stage`` that have waited ``age`` days."""
        return self.rates[stage, np.searchsorted(self.edges, age, side="right")]

    def cum(self, stage: int, age: np.ndarray | float) -> np.ndarray:
        """Cumulative hazard from age 0 to ``age`` days at one stage."""
        a = np.maximum(np.asarray(age, dtype=float), 0.0)
        k = np.searchsorted(self.edges, a, side="right")
        return self.cum_at[stage, k] + self.rates[stage, k] * (a - self.starts[k])

    def survive(self, stage: int, base: float, t: float) -> float:
        """Probability that a pathway joining ``stage`` aged ``base`` days is still waiting
        after ``t`` days in it."""
        if self.flat:
            return math.exp(-self.r * t)
        return math.exp(-(self._cum1(stage, base + t) - self._cum1(stage, base)))

    def _cum1(self, stage: int, age: float) -> float:
        a = max(age, 0.0)
        k = bisect.bisect_right(self._edges, a)
        return self._cum_at[stage][k] + self._rates[stage][k] * (a - self._starts[k])

    def survive_array(self, stage: int, base: float, t: np.ndarray) -> np.ndarray:
        if self.flat:
            return np.exp(-self.r * t)
        return np.exp(-(self.cum(stage, base + t) - self.cum(stage, base)))

    def stock(self, lam: float, stage: int, base: float, wait: float) -> float:
        """Expected number waiting in a stage joined at ``lam`` a day aged ``base``, each for
        up to ``wait`` days: lam x the integral of the survival over [0, wait]."""
        r = self.r
        if self.flat:
            return lam * wait if r <= 0 else lam * -math.expm1(-r * wait) / r
        total, s, a, end = 0.0, 1.0, base, base + wait
        while a < end:
            k = int(np.searchsorted(self.edges, a, side="right"))
            b = min(end, self.edges[k]) if k < len(self.edges) else end
            h, d = float(self.rates[stage, k]), b - a
            total += s * (d if h <= 0 else -math.expm1(-h * d) / h)
            s *= math.exp(-h * d)
            a = b
        return lam * total

    def ages_in_stage(self, u: np.ndarray, stage: int, base: float, wait: float) -> np.ndarray:
        """Inverse CDF of time in stage (density ~ the survival on [0, wait]) at uniforms."""
        r = self.r
        if self.flat:
            if r <= 0 or wait <= 0:
                return u * wait
            return -np.log1p(-u * -math.expm1(-r * wait)) / r
        if wait <= 0:
            return u * wait
        t = np.linspace(0.0, wait, GRID + 1)
        s = self.survive_array(stage, base, t)
        cdf = np.concatenate([[0.0], np.cumsum((s[1:] + s[:-1]) / 2)])
        if cdf[-1] <= 0:
            return u * wait
        return np.interp(u, cdf / cdf[-1], t)

    def settled_wait(self, routes: list[tuple[float, int, float]], c: float) -> float:
        """Days everyone waits in a FIFO queue fed by ``routes`` (arrivals a day, stage, age
        on joining) with capacity ``c`` a day: the wait whose survivors are served."""
        lam = sum(x[0] for x in routes)
        if lam <= c or lam <= 0:
            return 0.0
        if c <= 0:
            return LONG_DAYS
        if self.flat:
            return LONG_DAYS if self.r <= 0 else min(math.log(lam / c) / self.r, LONG_DAYS)

        def served(w: float) -> float:
            return sum(q * self.survive(st, b, w) for q, st, b in routes)

        if served(LONG_DAYS) >= c:
            return LONG_DAYS
        lo, hi = 0.0, LONG_DAYS
        for _ in range(60):
            mid = (lo + hi) / 2
            lo, hi = (mid, hi) if served(mid) > c else (lo, mid)
        return (lo + hi) / 2

    def daily_p(self, stage: np.ndarray | int, age: np.ndarray) -> np.ndarray:
        """Probability of removal today for pathways at ``stage`` that have waited ``age``."""
        return -np.expm1(-self.rate(stage, age))
