"""Does a queue settle, and are there enough replications? The statistics every run shares.

``advise`` asks these questions of pilot runs before a study; every ``run`` and ``batch`` asks
them again of its own replications afterwards (:mod:`sim.outputs.soundness`), so a queue that
never settles or a target measured too loosely is reported where the answer is read. They live
here, below the experiment layer, so that one replication's task can measure its own daily
series and ``advise`` and the runs use one rule, not two copies.

* Daily series (:func:`level_daily_means`, :func:`tally_daily_share`) of the outputs each
  service declares (``SeriesSpec`` in its module, listed in the registry).
* :func:`growth_check` / :func:`growth_of_weeks`: is a series still rising after the warm-up,
  as a queue whose demand is at or above its capacity does?
* :func:`replications_needed`: the confidence-interval width method.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import NormalDist
from typing import Any

import numpy as np

from sim.core.clock import MIN_PER_DAY, Window
from sim.core.monitor import Level, Monitor, SeriesSpec, Tally
from sim.core.stats import t_ppf
from sim.model import registry

DAYS_PER_WEEK = 7


# -- daily series -----------------------------------------------------------------------------
def series_specs() -> tuple[SeriesSpec, ...]:
    """Every daily series the registered services declare, in registry order (read at call
    time, so a service registered at run time is included)."""
    return tuple(s for e in registry.REGISTRY.values() for s in e.series)


def level_daily_means(level: Level, days: int, start_day: int = 0) -> np.ndarray:
    """Time average of a piecewise-constant level over each day [d, d+1), d = start_day ..
    start_day + days - 1."""
    t = np.frombuffer(level.t, dtype=float)
    v = np.frombuffer(level.v, dtype=float)
    area = np.concatenate(([0.0], np.cumsum(v[:-1] * np.diff(t))))  # integral up to t[i]
    edges = (start_day + np.arange(days + 1)) * MIN_PER_DAY
    i = np.clip(np.searchsorted(t, edges, side="right") - 1, 0, None)
    integral = area[i] + v[i] * np.maximum(edges - t[i], 0.0)
    return np.diff(integral) / MIN_PER_DAY


def tally_daily_share(tally: Tally, days: int, limit: float, start_day: int = 0) -> np.ndarray:
    """% of each day's observations (by reference time, censored included) that are <= limit,
    for days start_day .. start_day + days - 1; NaN on days without any."""
    t = np.array(tally.t, dtype=float)
    v = np.array(tally.v, dtype=float)
    day = np.floor(t / MIN_PER_DAY).astype(np.int64) - start_day
    keep = (day >= 0) & (day < days)
    n = np.bincount(day[keep], minlength=days).astype(float)
    ok = np.bincount(day[keep], weights=(v[keep] <= limit).astype(float), minlength=days)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n > 0, 100.0 * ok / n, np.nan)


def spec_daily(monitor: Monitor, spec: SeriesSpec, window: Window) -> np.ndarray:
    """One declared series, day by day over ``window`` (whole days from its start)."""
    start, days = int(window.start // MIN_PER_DAY), round(window.days)
    if spec.kind == "level":
        return level_daily_means(monitor.level(spec.source), days, start)
    return tally_daily_share(monitor.tally(spec.source), days, spec.limit, start)


def filled(series: Sequence[float] | np.ndarray) -> np.ndarray:
    """Missing days (NaN: no observations) filled by linear interpolation."""
    y = np.asarray(series, dtype=float)
    ok = np.isfinite(y)
    if ok.all() or not ok.any():
        return y
    x = np.arange(y.size)
    return np.interp(x, x[ok], y[ok])


def weekly_means(series: Sequence[float] | np.ndarray, warmup_days: int = 0) -> np.ndarray:
    """Means of whole weeks after ``warmup_days``, counted back from the end (a first
    incomplete week is dropped), so the day-of-week cycle cancels."""
    y = filled(series)[max(0, int(warmup_days)):]
    weeks = y.size // DAYS_PER_WEEK
    return y[y.size - weeks * DAYS_PER_WEEK:].reshape(weeks, DAYS_PER_WEEK).mean(axis=1)


def queue_weeks(monitor: Monitor, scenario: Any, window: Window) -> dict[str, list[float]]:
    """Weekly means (:func:`weekly_means`) over ``window`` of every declared queue of the
    enabled services: what one replication keeps so the run can check its queues settle.

    Weeks rather than days keep a task's stored result small (52 numbers a queue a year), and
    the growth rule averages by week anyway; values are rounded to 3 decimals so the stored
    JSON stays short (the rule's thresholds are far coarser)."""
    out: dict[str, list[float]] = {}
    for spec in series_specs():
        section = getattr(scenario, spec.needs, None)
        if spec.queue and section is not None and getattr(section, "enabled", True):
            weeks = weekly_means(spec_daily(monitor, spec, window))
            out[spec.name] = [round(float(x), 3) for x in weeks]
    return out


# -- growth: does a queue settle? --------------------------------------------------------------
@dataclass(frozen=True)
class Growth:
    """Linear trends of the weekly means in each half of the series after the warm-up."""

    checked: bool  # False when the series after the warm-up is under MIN_WEEKS weeks
    never_settles: bool = False  # rises in both halves, by over 10% of its mean in the second
    drifts: bool = False  # a significant trend of the same sign in both halves, of any size
    level: float = math.nan  # mean after the warm-up
    rise: float = math.nan  # fitted rise over the second half (negative: a fall)
    t_stat: float = math.nan  # t-statistic of the second half's slope
    first_rise: float = math.nan  # fitted rise over the first half
    first_t_stat: float = math.nan
    weeks: int = 0  # weeks in the second half

    @property
    def rise_pct(self) -> float:
        return 100.0 * self.rise / abs(self.level) if self.level else math.inf


GROWTH_RISE_SHARE = 0.10  # second-half rise over 10% of the post-warm-up mean ...
GROWTH_T = 5.0  # ... with a slope t-statistic over 5 ...
GROWTH_FIRST_T = 2.0  # ... and a rise already in the first half (slope t over 2) ...
GROWTH_MIN_RISE = 1.0  # ... of at least one patient or pathway, so a near-empty queue is not
MIN_WEEKS = 8


def _trend(w: np.ndarray) -> tuple[float, float]:
    """OLS slope of ``w`` against its index, and its t-statistic with a Newey-West standard
    error (Bartlett weights, lag floor(4 (m/100)^(2/9)): 3 for 18-100 points), so that
    autocorrelated wandering of a stable series is not read as a trend; +-inf for a line."""
    m = w.size
    x = np.arange(m, dtype=float)
    x -= x.mean()
    sxx = float(x @ x)
    slope = float(x @ (w - w.mean())) / sxx
    u = x * (w - w.mean() - slope * x)
    s = float(u @ u)
    lags = int(4 * (m / 100) ** (2 / 9))
    for lag in range(1, lags + 1):
        s += 2 * (1 - lag / (lags + 1)) * float(u[lag:] @ u[:-lag])
    se = math.sqrt(max(s, 0.0) * m / (m - 2)) / sxx
    if se <= 1e-12 * max(1.0, abs(slope)):
        return slope, math.copysign(math.inf, slope) if slope else 0.0
    return slope, slope / se


def growth_of_weeks(weeks: Sequence[float] | np.ndarray, level: float | None = None) -> Growth:
    """The rule of :func:`growth_check` applied to weekly means already taken (what a run's
    replications store); ``level`` is the mean the rise is compared with (default: the mean
    of the weeks)."""
    w = np.asarray(weeks, dtype=float)
    if w.size < MIN_WEEKS or not np.isfinite(w).all():
        return Growth(False)
    level = float(w.mean()) if level is None else float(level)
    first, second = w[: w.size // 2], w[w.size // 2:]
    b1, t1 = _trend(first)
    b2, t2 = _trend(second)
    rise, first_rise = b2 * second.size, b1 * first.size
    drifts = abs(t2) > GROWTH_T and abs(t1) > GROWTH_FIRST_T and (t1 > 0) == (t2 > 0)
    grows = (drifts and t2 > 0 and rise > GROWTH_RISE_SHARE * abs(level)
             and rise > GROWTH_MIN_RISE)
    return Growth(True, bool(grows), bool(drifts), level, rise, t2, first_rise, t1,
                  int(second.size))


def growth_check(series: Sequence[float] | np.ndarray, warmup_days: int = 0) -> Growth:
    """Is this series still growing after the warm-up, as a queue with load >= 1 does?

    Rule: take the series after ``warmup_days``, average it by week (whole weeks counted back
    from the end, so the day-of-week cycle cancels and day-to-day noise shrinks) and split the
    weeks into two halves. Fit a straight line to each half by least squares; its t-statistic
    uses a Newey-West (autocorrelation-robust) standard error. The series *never settles* when

    1. over the second half the fitted rise (slope x weeks) exceeds 10% of the post-warm-up mean
       and one unit (a patient, a pathway), with slope t > 5: growth large relative to both the
       level and the week-to-week wandering, still under way at the end of the run; and
    2. the first half rises too (slope t > 2).

    Condition 2 keeps seasonality from passing as growth: a cycle about as long as the series
    (the ED month profile, winter, over a one-year run) rises in one half only if it falls in
    the other, whereas a queue whose arrivals outpace its services (a random walk with upward
    drift) rises in both. A series that meets the t conditions but not the size ones (|t| > 5 in
    the second half, |t| > 2 with the same sign in the first) *drifts*: a steady trend, such as
    a waiting list growing a few % a year, that no warm-up removes. Under eight weeks are not
    checked.

    Measured on 200 synthetic 424-day series each: a random walk with drift 0.25 sd of its
    daily step is flagged 96% of the time, with drift 0.1 sd 46% (load just over 1 is hard to
    see in a year); stationary AR(1) series (phi 0.95 and 0.98, sd 17-21% of the mean) and
    AR(1) plus a yearly cycle of +-40% of the mean at any phase 0%; a stable but near-critical
    reflected random walk (drift -0.05 sd, relaxation time ~400 days) 1.5%. Limits: a seasonal
    rise over a run much shorter than the season, or a load that crosses 1 only late in the run
    (demand growth), cannot be told apart by this rule.
    """
    y = filled(series)[max(0, int(warmup_days)):]
    if y.size // DAYS_PER_WEEK < MIN_WEEKS or not np.isfinite(y).all():
        return Growth(False)
    return growth_of_weeks(weekly_means(y), float(y.mean()))


# -- replications: the confidence-interval width method ------------------------------------------
TOLERANCE_POINTS = 1.0  # half-width for % KPIs, in percentage points
REL_PRECISION = 0.05  # half-width for other KPIs, as a share of the mean
MAX_REPLICATIONS = 100_000


def tolerance(unit: str, mean: float, tolerance_points: float | None = TOLERANCE_POINTS,
              rel_precision: float = REL_PRECISION) -> tuple[float, str]:
    """The 95% CI half-width a KPI should reach, and how it was set: ``tolerance_points``
    percentage points for a % KPI (5% of the mean would be about 4 points on a 78% target, too
    coarse to judge it), ``rel_precision`` of the mean otherwise."""
    if unit == "%" and tolerance_points is not None:
        return float(tolerance_points), f"±{tolerance_points:g} point"
    return rel_precision * abs(mean), f"±{100 * rel_precision:g}% of mean"


def replications_needed(sd: float, half_width: float, level: float = 0.95) -> int:
    """Smallest n >= 2 whose t-interval half-width t_{(1+level)/2, n-1} * sd / sqrt(n) is at
    most ``half_width``, i.e. n >= (t_{n-1} * sd / half_width)^2.

    The t quantile depends on n, so n is iterated: start from the normal approximation
    (a lower bound, as t > z) and step up until the inequality holds (it holds for every larger
    n too). ``sd`` is the sample standard deviation of the KPI over pilot replications.
    Returns -1 when undefined (NaN, or a zero tolerance with a non-zero sd); capped at
    ``MAX_REPLICATIONS``.
    """
    if not (math.isfinite(sd) and math.isfinite(half_width)) or half_width < 0:
        return -1
    if sd == 0:
        return 2
    if half_width == 0:
        return -1
    p = 0.5 + level / 2
    n = max(2, math.ceil((NormalDist().inv_cdf(p) * sd / half_width) ** 2))
    while n < MAX_REPLICATIONS and n < (t_ppf(p, n - 1) * sd / half_width) ** 2:
        n += 1
    return n
