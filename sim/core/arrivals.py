"""Time-varying demand: hour-of-day x day-of-week x month-of-year profiles, with growth.

Within each hour the rate is constant, so arrivals are drawn exactly as a Poisson count per hour
placed uniformly in it (no thinning loop), for the whole horizon at once in numpy.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np

from sim.core.clock import MIN_PER_DAY, MIN_PER_HOUR, Calendar


def _norm(profile: Sequence[float] | None, n: int) -> np.ndarray:
    if profile is None:
        return np.ones(n)
    p = np.asarray(profile, dtype=float)
    mean = p.mean()
    return p / mean if mean > 0 else np.zeros(n)


def hourly_rates(calendar: Calendar, per_day: float, growth_pct_per_year: float = 0.0,
                 hour: Sequence[float] | None = None, weekday: Sequence[float] | None = None,
                 month: Sequence[float] | None = None) -> np.ndarray:
    """Expected arrivals in each simulated hour from time zero to the end of the run."""
    days = int(np.ceil(calendar.end / MIN_PER_DAY))
    dates = np.array([calendar.start_date.toordinal() + d for d in range(days)])
    wd = np.array([dt.date.fromordinal(int(o)).weekday() for o in dates])
    mo = np.array([dt.date.fromordinal(int(o)).month - 1 for o in dates])
    day_factor = _norm(weekday, 7)[wd] * _norm(month, 12)[mo]
    growth = (1 + growth_pct_per_year / 100.0) ** (np.arange(days) / 365.25)
    rates = np.outer(per_day * day_factor * growth, _norm(hour, 24) / 24.0)
    return rates.ravel()


def poisson_times(rng: np.random.Generator, rates_per_hour: np.ndarray) -> np.ndarray:
    """Sorted arrival times (minutes) of a Poisson process with piecewise-constant rates."""
    counts = rng.poisson(rates_per_hour)
    hours = np.repeat(np.arange(rates_per_hour.size, dtype=float), counts)
    times = (hours + rng.random(hours.size)) * MIN_PER_HOUR
    times.sort()
    return times
